import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng, type SafetensorsTensor, tf } from '@iclkr/core';
import { writeSafetensors } from '@iclkr/core/node';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, removeTemporaryFolders, temporaryFolder } from '../test/fixtures.js';
import { outputSimilarity } from './analysis/kernel-correlation.js';
import { Probe } from './analysis/probe.js';
import { ProbeAnalyses, type ProbePrompt } from './analysis/probe-analyses.js';
import { tokenPromptSpans } from './analysis/spans.js';
import { ACTIVATIONS_FORMAT, openActivations } from './activations-node.js';
import { nextTokenDistributions } from './hooked-model.js';
import { loadModel } from './load-model.js';

afterAll(removeTemporaryFolders);

const LABELS = [100, 101];
const N = 6;
const K = 2;

/** Token prompts `x y 102 ... x_test` (k = 2) over inputs 0..99 and label tokens 100, 101. */
function prompts(count: number): ProbePrompt[] {
  const rng = new Rng(5);
  const spans = tokenPromptSpans(N, K);
  return Array.from({ length: count }, () => {
    const labels = Array.from({ length: N }, () => rng.int(2));
    const tokens = labels.flatMap((y) => [rng.int(100), rng.int(100), LABELS[y], 102]);
    return { tokens: [...tokens, rng.int(100), rng.int(100)], spans, labels, gold: rng.int(2) };
  });
}

/**
 * An activations folder as docs/activations.md describes, written from the gpt2-tiny fixture's
 * own forward passes one prompt at a time (full [heads, q, k] patterns, keys, values, the output
 * similarity and input argmax from nextTokenDistributions): what a user's Python script would save.
 */
async function writeFolder(all: ProbePrompt[]): Promise<string> {
  const dir = await temporaryFolder('acts');
  const model = await loadModel(fixture('gpt2-tiny'));
  const tensors = new Map<string, SafetensorsTensor>();
  const f32 = (data: ArrayLike<number>, shape: number[]): SafetensorsTensor => ({ dtype: 'F32', shape, data: Float32Array.from(data) });
  const { nLayers, nHeads, dHead } = model.config;
  for (const [p, prompt] of all.entries()) {
    const t = prompt.tokens.length;
    const names = Array.from({ length: nLayers }, (_, l) => ['pattern', 'k', 'v'].map((h) => `blocks.${l}.attn.hook_${h}`)).flat();
    const { logits, cache } = model.run(tf.tensor2d(Int32Array.from(prompt.tokens), [1, t], 'int32'), { cache: names });
    const last = tf.tidy(() => tf.softmax(tf.gather(logits.slice([0, t - 1, 0], [1, 1, -1]).reshape([-1]), LABELS)));
    tensors.set(`p${p}.label_probs`, f32(last.dataSync(), [2]));
    for (let l = 0; l < nLayers; l++) {
      tensors.set(`p${p}.blocks.${l}.attn.hook_pattern`, f32(cache.get(`blocks.${l}.attn.hook_pattern`)!.dataSync(), [nHeads, t, t]));
      for (const h of ['k', 'v'])
        tensors.set(`p${p}.blocks.${l}.attn.hook_${h}`, f32(cache.get(`blocks.${l}.attn.hook_${h}`)!.dataSync(), [t, nHeads, dHead]));
    }
    tf.dispose([logits, last, ...cache.values()]);
    const alone = nextTokenDistributions(
      model,
      [...prompt.spans.x, prompt.spans.query].map((s) => prompt.tokens.slice(s.start, s.end)),
    );
    tensors.set(`p${p}.output_similarity`, f32(outputSimilarity(alone[N], alone.slice(0, N)), [N]));
    tensors.set(`p${p}.input_argmax`, {
      dtype: 'I32',
      shape: [N],
      data: Int32Array.from(alone.slice(0, N), (d) => d.indexOf(Math.max(...d))),
    });
  }
  model.dispose();
  await writeSafetensors(join(dir, 'activations.safetensors'), tensors);
  const json = {
    ...ACTIVATIONS_FORMAT,
    model: 'gpt2-tiny',
    labels: ['negative', 'positive'],
    layers: nLayers,
    heads: nHeads,
    kvHeads: nHeads,
    dHead,
    prompts: all.map((p) => ({ tokens: p.tokens, segments: p.spans.segments, labels: p.labels, gold: p.gold })),
  };
  await writeFile(join(dir, 'prompts.json'), JSON.stringify(json));
  return dir;
}

describe('activations computed elsewhere', () => {
  it('give the same analyses as running the model (the fixture gpt2-tiny both ways)', async () => {
    const all = prompts(30);
    const source = await openActivations(await writeFolder(all));
    expect(source.meta).toMatchObject({ model: 'gpt2-tiny', layers: 2, heads: 4, prompts: 30 });
    const saved = new ProbeAnalyses({ numClasses: 2, kvHeads: 4, dHead: 16 });
    for await (const batch of source.batches(7)) for (const { prompt, acts } of batch) saved.add(prompt, acts);
    await source.close();
    const model = await loadModel(fixture('gpt2-tiny'));
    const run = new Probe(model, { labelTokens: LABELS }).add(all).result();
    model.dispose();
    const got = saved.result();
    const close = (a: number | null, b: number | null) =>
      expect(a === null ? b : Math.abs(a - b!)).toSatisfy((d: number | null) => d === null || d < 1e-5);
    expect(got.summary.modelAccuracy).toBe(run.summary.modelAccuracy);
    expect(got.summary.bestHead).toEqual(run.summary.bestHead);
    got.summary.heads.forEach((h, j) => {
      expect([h.agreement, h.accuracy, h.variants.line.agreement]).toEqual([
        run.summary.heads[j].agreement,
        run.summary.heads[j].accuracy,
        run.summary.heads[j].variants.line.agreement,
      ]);
      close(got.outputCorrelation!.span[j].pearson, run.outputCorrelation!.span[j].pearson);
    });
    expect(got.values!.heads.map((h) => h.accuracy)).toEqual(run.values!.heads.map((h) => h.accuracy));
    expect(got.keys!.examples).toBe(run.keys!.examples);
    expect(got.baselines.find((b) => b.name === 'output-similarity')).toEqual(run.baselines.find((b) => b.name === 'output-similarity'));
  });

  it('refuses a folder that does not match its description in one line', async () => {
    const all = prompts(3);
    const dir = await writeFolder(all);
    const bad = async (edit: (json: Record<string, unknown>) => void) => {
      const json = {
        ...ACTIVATIONS_FORMAT,
        model: 'm',
        labels: ['a', 'b'],
        layers: 2,
        heads: 4,
        kvHeads: 4,
        dHead: 16,
        prompts: all.map((p) => ({ tokens: p.tokens, segments: [...p.spans.segments], labels: p.labels, gold: p.gold })),
      };
      edit(json);
      await writeFile(join(dir, 'prompts.json'), JSON.stringify(json));
      const source = await openActivations(dir);
      try {
        for await (const _ of source.batches(3));
      } finally {
        await source.close();
      }
    };
    await expect(bad((j) => (j.version = 2))).rejects.toThrow(/is not format "iclkr-activations" version 1/);
    await expect(bad((j) => (j.heads = 5))).rejects.toThrow(
      /p0\.blocks\.0\.attn\.hook_pattern" has shape \[4, 26, 26\], not \[5, 26\] or \[5, 26, 26\]/,
    );
    await expect(bad((j) => (j.layers = 3))).rejects.toThrow(/has no tensor "p0\.blocks\.2\.attn\.hook_pattern"/);
    await expect(
      bad((j) => {
        (j.prompts as { segments: unknown[] }[])[1].segments.splice(1, 1);
      }),
    ).rejects.toThrow(/prompt 1: segment 1 \(\w+ \[\d+, \d+\)\) does not continue from position 2/);
    await expect(bad((j) => ((j.prompts as { tokens: number[] }[])[0].tokens = [1]))).rejects.toThrow(
      /prompt 0's segments cover 26 of its 1 tokens/,
    );
  });
});
