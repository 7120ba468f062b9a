import { ProbeAnalyses } from '@iclkr/probing';
import { openActivations } from '@iclkr/probing/node';
import type { ProbeSettings, ProbeSource } from '../probe/sources.js';

/** Activations computed elsewhere (docs/activations.md), analysed prompt by prompt. */
export async function activationsProbeSource(dir: string, settings: ProbeSettings): Promise<ProbeSource> {
  const source = await openActivations(dir);
  const { meta } = source;
  return {
    model: meta.model,
    names: meta.labels,
    source: `activations in ${dir}`,
    // prompts.json carries token ids only, no tokenizer: the samples name each token by its id.
    tokenText: String,
    async analyze(onProgress) {
      const analyses = new ProbeAnalyses({
        ...settings,
        numClasses: meta.labels.length,
        kvHeads: meta.kvHeads,
        dHead: meta.dHead,
        expectedPrompts: meta.prompts,
      });
      for await (const batch of source.batches(settings.batch)) {
        for (const { prompt, acts } of batch) analyses.add(prompt, acts);
        onProgress(analyses.prompts, meta.prompts);
      }
      return analyses.result();
    },
    close: () => source.close(),
  };
}
