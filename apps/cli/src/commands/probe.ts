import { OptionError, type ProbeReport, probeReportSchema, } from '@iclkr/core';
import { loadTextDataset } from '@iclkr/core/node';
import { DEFAULT_TEMPLATE, type HookedModel, Probe, ProbeAnalyses, type ProbePrompt, type ProbeResult } from '@iclkr/probing';
import { loadGptCheckpoint, loadModel, loadTokenizer, openActivations } from '@iclkr/probing/node';
import { PRESET_NAMES } from '@iclkr/theory';
import { choiceOption, numberOption, type OptionSpec, type OptionValues } from '../args.js';
import type { Command } from '../command.js';
import { defaultModelDir } from '../default-model.js';
import { checkVocabulary, DemonstrationChooser, parseRetrieval, retrievalOptions, selectionRecord } from '../demonstrations.js';
import { modelWorld, resolveWorld } from '../model-world.js';
import { probeFigures, probeReportBody, probeSummaryText, headTable } from '../probe/report.js';
import { checkSameClasses, labelTokens, labelWords, textPrompts } from '../probe/text-prompts.js';
import { TRUE_KERNELS, worldLabels, worldPrompts } from '../probe/world-prompts.js';
import { checkFolderFree, reportHtml, reportMeta, writeReportFolder } from '../report-page.js';
import type { ProgressBar } from '../progress.js';

const MAX_SEED = 2 ** 31 - 1;

/** The numeric settings every prompt source shares. */
function parseSettings(values: OptionValues) {
  const count = (name: string, min: number) => numberOption(values, name, (n) => Number.isSafeInteger(n) && n >= min, `an integer >= ${min}`);
  return {
    shots: count('shots', 1) ?? 16,
    prompts: count('prompts', 2) ?? 500,
    selectFrac: numberOption(values, 'select-frac', (f) => f > 0 && f < 1, 'a fraction between 0 and 1') ?? 0.7,
    seed: numberOption(values, 'seed', (n) => Number.isInteger(n) && n >= 0 && n <= MAX_SEED, `an integer in [0, ${MAX_SEED}]`) ?? 0,
    resolution: count('resolution', 1) ?? 30,
    probePrompts: count('probe-prompts', 0) ?? 256,
    batch: count('batch', 1) ?? 32,
  };
}

/** Options that only text prompts take, refused for a world. */
const TEXT_ONLY = ['demos', 'template', 'label-words', 'tokenizer', 'retrieval', 'order', 'pool'] as const;
/** Options that only task worlds take, refused for text. */
const WORLD_ONLY = ['world', 'length', 'ood', 'kernel'] as const;

type Settings = ReturnType<typeof parseSettings>;

/** Where the prompts and activations come from: names for the report, and the analyses run with a progress callback. */
interface ProbeSource {
  readonly model: string;
  readonly names: readonly string[];
  readonly source: string;
  /** Settings the source adds to the report's (text: the retrieval strategy, order and pool). */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** Lines of `demonstrations.jsonl` for the report folder, once the prompts have run (text only). */
  readonly demonstrations?: readonly string[];
  analyze(onProgress: (done: number, total: number) => void): Promise<ProbeResult>;
  close(): Promise<void> | void;
}

/** A model run on prompt batches by `Probe`. */
function modelSource(
  model: HookedModel,
  labelTokens: readonly number[],
  settings: Settings,
  described: Pick<ProbeSource, 'model' | 'names' | 'source' | 'settings' | 'demonstrations'> & { batches: Iterable<ProbePrompt[]> },
): ProbeSource {
  return {
    ...described,
    async analyze(onProgress) {
      const probe = new Probe(model, { ...settings, labelTokens });
      for (const batch of described.batches) {
        probe.add(batch);
        onProgress(probe.prompts, settings.prompts);
      }
      return probe.result();
    },
    close: () => model.dispose(),
  };
}

/** Options an activations folder replaces: it carries its own prompts and model outputs. */
const NOT_WITH_ACTIVATIONS = ['model', 'world', 'data', 'demos', 'template', 'label-words', 'tokenizer', 'shots', 'length', 'prompts', 'ood', 'kernel', 'retrieval', 'order', 'pool'] as const;

/** Activations computed elsewhere (docs/activations.md), analysed prompt by prompt. */
async function activationsSource(dir: string, values: OptionValues, settings: Settings): Promise<ProbeSource> {
  const clash = NOT_WITH_ACTIVATIONS.find((name) => values[name] !== undefined);
  if (clash !== undefined) throw new OptionError(`--${clash} does not apply to --activations, which holds its own prompts and model outputs`, `drop --${clash}`);
  const source = await openActivations(dir);
  const { meta } = source;
  return {
    model: meta.model,
    names: meta.labels,
    source: `activations in ${dir}`,
    async analyze(onProgress) {
      const analyses = new ProbeAnalyses({ ...settings, numClasses: meta.labels.length, kvHeads: meta.kvHeads, dHead: meta.dHead });
      for await (const batch of source.batches(settings.batch)) {
        for (const { prompt, acts } of batch) analyses.add(prompt, acts);
        onProgress(analyses.prompts, meta.prompts);
      }
      return analyses.result();
    },
    close: () => source.close(),
  };
}

/** The prompt source the options name: activations, text data, or a task world (the default). */
async function openSource(
  values: OptionValues,
  settings: Settings,
  modelDir: string,
  log: (line: string) => void,
  progress: (label: string) => ProgressBar,
): Promise<ProbeSource> {
  if (typeof values.activations === 'string') return activationsSource(values.activations, values, settings);
  if (typeof values.data === 'string') {
    const worldOption = WORLD_ONLY.find((name) => values[name] !== undefined);
    if (worldOption !== undefined) throw new OptionError(`--${worldOption} applies to task worlds only`, 'drop it when probing --data');
    if (typeof values.demos !== 'string') throw new OptionError('--data needs --demos FILE, the pool demonstrations are drawn from', 'pass --demos with a training split of the same task');
    const template = typeof values.template === 'string' ? values.template : DEFAULT_TEMPLATE;
    const retrieval = parseRetrieval(values, 'retrieval', 'random');
    const data = await loadTextDataset(values.data);
    const demos = await loadTextDataset(values.demos);
    checkSameClasses(data, demos);
    const words = labelWords(data, typeof values['label-words'] === 'string' ? values['label-words'] : undefined);
    const tokenizer = await loadTokenizer(typeof values.tokenizer === 'string' ? values.tokenizer : modelDir);
    const tokens = labelTokens(tokenizer, template, words);
    const model: HookedModel = await loadModel(modelDir);
    checkVocabulary(tokenizer, model);
    let chooser: DemonstrationChooser;
    try {
      chooser = new DemonstrationChooser(demos, { ...retrieval, seed: settings.seed, shots: settings.shots }, { model, tokenizer, template, batch: settings.batch }, log, progress);
    } catch (error) {
      model.dispose();
      throw error;
    }
    const demonstrations: string[] = [];
    return modelSource(model, tokens, settings, {
      model: modelDir,
      names: words,
      source: `${values.data} (demonstrations from ${values.demos}, template '${template}')`,
      settings: { retrieval: retrieval.strategy, order: retrieval.order, pool: chooser.pool.length },
      demonstrations,
      batches: textPrompts(tokenizer, data, demos, {
        ...settings,
        template,
        labelWords: words,
        choose: (queries, rng) => chooser.choose(queries, rng),
        onChosen: (query, chosen) => demonstrations.push(selectionRecord({ prompt: demonstrations.length, query }, chosen, demos)),
      }),
    });
  }
  const textOption = TEXT_ONLY.find((name) => values[name] !== undefined);
  if (textOption !== undefined) throw new OptionError(`--${textOption} applies to text prompts only`, 'pass --data and --demos to probe text, or drop it');
  const checkpoint = await loadGptCheckpoint(modelDir);
  try {
    const world = typeof values.world === 'string' ? await resolveWorld(values.world, settings.seed) : modelWorld(checkpoint.world, modelDir);
    if (checkpoint.model.config.vocabSize < world.m) {
      throw new OptionError(`the model's vocabulary (${checkpoint.model.config.vocabSize}) is smaller than the world's (${world.m})`, 'probe the model on the world it was trained on');
    }
    const length = numberOption(values, 'length', (n) => Number.isSafeInteger(n) && n >= 1, 'an integer >= 1') ?? world.spec.inputLength ?? 3;
    const { tokens, names } = worldLabels(world);
    return modelSource(checkpoint.model, tokens, settings, {
      model: modelDir,
      names,
      source: `world ${world.spec.name ?? String(values.world)}${values.ood ? ' (out-of-distribution tasks)' : ''}`,
      batches: worldPrompts(world, { ...settings, length, ood: values.ood === true, kernel: choiceOption(values, 'kernel', TRUE_KERNELS) }),
    });
  } catch (error) {
    checkpoint.model.dispose();
    throw error;
  }
}

/** Option specs marked as text-only in their help line. */
function withData(options: Record<string, OptionSpec>): Record<string, OptionSpec> {
  return Object.fromEntries(Object.entries(options).map(([name, o]) => [name, { ...o, description: `with --data: ${o.description}` }]));
}

/** `iclkr probe`: the paper's attention analyses on a model and ICL prompts. */
export const probeCommand: Command = {
  name: 'probe',
  summary:
    "Read the kernel out of the attention heads (SPEC §3): per head, the vote argmax_y sum_i a_i e(y_i) with a_i the\nfinal position's attention to demonstration i, its agreement with the model (head chosen on a selection split,\nscored on the rest), a_i's correlation with the world's true kernel and the model's output similarity, the\naveraged attention map, key/value probes, and explicit kernel-regression baselines; a summary, --json or --out.",
  options: {
    model: { type: 'string', placeholder: 'DIR', description: 'model folder: `iclkr pretrain` output, or a Hugging Face GPT-2, Llama, Qwen2 or GPT-NeoX folder with --data (default: the built-in model)' },
    world: { type: 'string', placeholder: 'PRESET|FILE', description: `world of the prompts: ${PRESET_NAMES.join(', ')} or a world JSON file (default: the model's own)` },
    activations: { type: 'string', placeholder: 'DIR', description: 'analyse activations computed elsewhere instead of running a model (prompts.json + activations.safetensors; docs/activations.md)' },
    data: { type: 'string', placeholder: 'FILE', description: 'probe text instead: the examples whose queries are scored (e.g. ../shared/data/sst2/glue-dev.tsv)' },
    demos: { type: 'string', placeholder: 'FILE', description: 'with --data: the pool demonstrations are drawn from (e.g. ../shared/data/sst2/stsa.binary.train)' },
    template: { type: 'string', placeholder: 'T', description: `with --data: a demonstration line with {x} and {y} (default: '${DEFAULT_TEMPLATE}')` },
    'label-words': { type: 'string', placeholder: 'W1,W2,...', description: 'with --data: the word of each class, in class order (default: the class names)' },
    tokenizer: { type: 'string', placeholder: 'DIR', description: 'with --data: tokenizer folder (default: the model folder)' },
    ...withData(retrievalOptions('retrieval', 'random')),
    shots: { type: 'string', placeholder: 'N', description: 'demonstrations per prompt n', default: '16' },
    length: { type: 'string', placeholder: 'K', description: "input length k in a world (default: the world's inputLength, else 3)" },
    prompts: { type: 'string', placeholder: 'N', description: 'prompts to probe', default: '500' },
    ood: { type: 'boolean', description: 'draw world prompts from out-of-distribution tasks (prior 0)' },
    kernel: { type: 'string', placeholder: TRUE_KERNELS.join('|'), description: "the world's true kernel behind kernelCorrelation (both are reported; default: theorem where it fits)" },
    'select-frac': { type: 'string', placeholder: 'F', description: 'fraction of prompts that choose the best head; the rest score it', default: '0.7' },
    resolution: { type: 'string', placeholder: 'R', description: 'cells each input is resampled to in the attention map', default: '30' },
    'probe-prompts': { type: 'string', placeholder: 'N', description: 'prompts whose keys and values train the probes (bounds their memory)', default: '256' },
    batch: { type: 'string', placeholder: 'B', description: 'prompts per forward pass', default: '32' },
    seed: { type: 'string', placeholder: 'S', description: 'seed of the prompts, the split and the probe folds (and of a preset --world)', default: '0' },
    json: { type: 'boolean', description: 'print the JSON report on stdout instead of the summary' },
    out: { type: 'string', placeholder: 'DIR', description: 'write report.json, the SVG figures and report.html to DIR (must not exist, or be empty; atomic)' },
  },
  async run(values, context) {
    const out = typeof values.out === 'string' ? values.out : undefined;
    if (out !== undefined) await checkFolderFree(out);
    const settings = parseSettings(values);
    const modelDir = typeof values.model === 'string' ? values.model : defaultModelDir();
    const started = performance.now();
    const source = await openSource(values, settings, modelDir, (line) => context.stderr.write(`iclkr probe: ${line}\n`), (label) => context.progress(label));
    try {
      const bar = context.progress('probe');
      const result = await source.analyze((done, total) => bar.update(done, total));
      bar.finish();
      const shots = result.summary.heads.length > 0 ? result.map.cells.filter((c) => c.kind === 'y').length : settings.shots;
      const body = probeReportBody(result, { model: source.model, source: source.source, shots, labels: source.names });
      const report: ProbeReport = probeReportSchema.parse({
        meta: reportMeta('probe', context, { seed: settings.seed, settings: { model: source.model, source: source.source, ...settings, ...source.settings }, started }),
        ...body,
      });
      const json = `${JSON.stringify(report, null, 2)}\n`;
      const summary = probeSummaryText(report);
      if (out !== undefined) {
        const figures = probeFigures(report);
        await writeReportFolder(out, {
          'report.json': json,
          ...(source.demonstrations === undefined ? {} : { 'demonstrations.jsonl': source.demonstrations.join('') }),
          ...figures,
          'report.html': reportHtml({
            title: `iclkr probe: ${source.model} on ${source.source}`,
            summary: summary.split('\n').slice(0, 6).join('\n'),
            table: headTable(report),
            svgs: Object.values(figures),
            settings: report.meta.settings,
            meta: report.meta,
          }),
        });
      }
      if (values.json) {
        context.stdout.write(json);
        return;
      }
      const written = `report.json, ${source.demonstrations === undefined ? '' : 'demonstrations.jsonl, '}SVG figures, report.html`;
      context.stdout.write(`${summary}${out !== undefined ? `report written to ${out} (${written})\n` : 'pass --json or --out DIR for the full report\n'}`);
    } finally {
      await source.close();
    }
  },
};
