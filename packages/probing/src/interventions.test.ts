// Interventions against independent expectations, on our GPT and the GPT-2 and Llama fixtures:
// ablating every head of a layer against a forward pass built by hand without that layer's
// attention output; self-patching and empty knock-outs bit-identical; a knock-out of all keys but
// one copies that key's value; the mean-ablation mean against a float64 loop; no leaks; one-line errors.
import { IclkrError, OptionError, tf } from '@iclkr/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../test/fixtures.js';
import { randomIds, randomParams } from '../test/naive-gpt.js';
import { createGpt } from './gpt/init.js';
import { HookPoints, type Interventions } from './hooks.js';
import { combine, headMean, knockOut, meanAblation, patchActivation, scaleAttention, zeroAblation } from './interventions.js';
import { loadModel } from './load-model.js';
import type { Transformer } from './model.js';

const MODELS: [string, () => Promise<Transformer>][] = [
  [
    'our GPT',
    async () =>
      createGpt(
        { vocabSize: 11, nCtx: 12, nLayers: 2, nHeads: 3, dModel: 12, dMlp: 24, positions: 'learned', tiedEmbeddings: false },
        randomParams(
          { vocabSize: 11, nCtx: 12, nLayers: 2, nHeads: 3, dModel: 12, dMlp: 24, positions: 'learned', tiedEmbeddings: false },
          3,
        ),
      ),
  ],
  ['gpt2-tiny', () => loadModel(fixture('gpt2-tiny'))],
  ['llama-tiny', () => loadModel(fixture('llama-tiny'))],
];

function values(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** Logits and the kept activations' values of one run; everything disposed. */
function runValues(model: Transformer, ids: number[][], interventions?: Interventions, cache: readonly string[] = []) {
  const { logits, cache: kept } = model.run(ids, { cache, interventions });
  const out = { logits: Float32Array.from(values(logits)), cache: new Map([...kept].map(([k, t]) => [k, Float32Array.from(values(t))])) };
  tf.dispose([logits, ...kept.values()]);
  return out;
}

/**
 * The forward pass written out with layer `skip`'s attention output left out of the residual
 * stream (only its output bias b_O added, which is what the layer adds when every head is silent).
 */
function logitsSkippingAttention(model: Transformer, ids: number[][], skip: number): Float32Array {
  const t = tf.tidy(() => {
    const hooks = new HookPoints(() => false);
    const input = tf.tensor2d(ids, [ids.length, ids[0]!.length], 'int32');
    let x = model.embed.forward(input, hooks);
    if (model.posEmbed !== undefined) x = tf.add(x, model.posEmbed.forward(ids[0]!.length, hooks));
    model.blocks.forEach((block, l) => {
      if (l !== skip) {
        x = block.forward(x, hooks);
        return;
      }
      const bias = block.attn.b_O;
      const mid = bias === undefined ? x : tf.add(x, bias);
      if (block.mlp === undefined || block.ln2 === undefined) x = mid;
      else if (block.parallel) x = tf.add(mid, block.mlp.forward(block.ln2.forward(x, hooks), hooks));
      else x = tf.add(mid, block.mlp.forward(block.ln2.forward(mid, hooks), hooks));
    });
    return model.unembed.forward(model.lnFinal.forward(x, hooks));
  });
  const out = Float32Array.from(values(t));
  t.dispose();
  return out;
}

/** The one-line error `f` throws. */
function failure(f: () => unknown): IclkrError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(IclkrError);
    expect((error as Error).message).not.toContain('\n');
    return error as IclkrError;
  }
  throw new Error('expected a failure');
}

describe.each(MODELS)('interventions on %s', (_name, load) => {
  let model: Transformer;
  let ids: number[][];
  const T = 8;

  beforeAll(async () => {
    model = await load();
    ids = randomIds(Math.min(model.config.vocabSize, 11), 2, T, 7);
  });
  afterAll(() => model.dispose());

  it('ablating every head of a layer equals a pass built by hand without that layer attention output', () => {
    const { nLayers, nHeads } = model.config;
    for (let layer = 0; layer < nLayers; layer++) {
      const all = combine(...Array.from({ length: nHeads }, (_, head) => zeroAblation(model.config, { layer, head })));
      const got = runValues(model, ids, all).logits;
      const want = logitsSkippingAttention(model, ids, layer);
      expect(maxAbsDiff(got, want)).toBeLessThan(1e-5);
      // And the ablation changes the model (the test has power).
      expect(maxAbsDiff(got, runValues(model, ids).logits)).toBeGreaterThan(1e-3);
    }
  });

  it('patching a prompt own activations into itself changes nothing (bit-identical), at all or some positions', () => {
    const hooks = ['blocks.0.attn.hook_z', 'blocks.1.hook_resid_mid', 'blocks.1.attn.hook_pattern', 'blocks.0.attn.hook_v'];
    const plain = model.run(ids, { cache: hooks });
    const base = Float32Array.from(values(plain.logits));
    const all = combine(...hooks.map((h) => patchActivation(h, plain.cache.get(h)!)));
    expect(runValues(model, ids, all).logits).toEqual(base);
    const some = combine(...hooks.map((h) => patchActivation(h, plain.cache.get(h)!, { positions: [1, 5] })));
    expect(runValues(model, ids, some).logits).toEqual(base);
    // Patched from another prompt at one position, the change starts there: earlier positions keep their logits.
    const other = model.run(randomIds(Math.min(model.config.vocabSize, 11), 2, T, 99), { cache: ['blocks.0.hook_resid_post'] });
    const patched = runValues(
      model,
      ids,
      patchActivation('blocks.0.hook_resid_post', other.cache.get('blocks.0.hook_resid_post')!, { positions: [5] }),
    ).logits;
    const vocab = model.config.vocabSize;
    expect(patched.slice(0, 5 * vocab)).toEqual(base.slice(0, 5 * vocab));
    expect(maxAbsDiff(patched.slice(5 * vocab, 6 * vocab), base.slice(5 * vocab, 6 * vocab))).toBeGreaterThan(1e-4);
    tf.dispose([plain.logits, ...plain.cache.values(), other.logits, ...other.cache.values()]);
  });

  it('knock-out of no positions changes nothing; of all keys but one, the head copies that key value', () => {
    const base = runValues(model, ids).logits;
    expect(runValues(model, ids, knockOut(model.config, { layer: 1, head: 1, query: T - 1, keys: [] })).logits).toEqual(base);
    const { nHeads, nKvHeads, dHead } = model.config;
    const head = nHeads - 1;
    const kvHead = Math.floor(head / (nHeads / nKvHeads));
    const kept = 3;
    const query = T - 2;
    const keys = Array.from({ length: query + 1 }, (_, k) => k).filter((k) => k !== kept);
    const layer = 1;
    const names = [`blocks.${layer}.attn.hook_z`, `blocks.${layer}.attn.hook_v`, `blocks.${layer}.attn.hook_pattern`];
    const { cache } = runValues(model, ids, knockOut(model.config, { layer, head, query, keys }), names);
    const z = cache.get(names[0]!)!;
    const v = cache.get(names[1]!)!;
    const pattern = cache.get(names[2]!)!;
    for (let b = 0; b < ids.length; b++) {
      const zRow = z.slice(((b * T + query) * nHeads + head) * dHead, ((b * T + query) * nHeads + head + 1) * dHead);
      const vRow = v.slice(((b * T + kept) * nKvHeads + kvHead) * dHead, ((b * T + kept) * nKvHeads + kvHead + 1) * dHead);
      expect(maxAbsDiff(zRow, vRow)).toBeLessThan(1e-6);
      // The cache shows the changed pattern: all of the row on the kept key.
      const row = pattern.slice(((b * nHeads + head) * T + query) * T, ((b * nHeads + head) * T + query + 1) * T);
      expect(row[kept]).toBe(1);
    }
    // Per-row queries and keys: a knock-out on row 1 only leaves row 0 bit-identical.
    const perRow = runValues(model, ids, knockOut(model.config, { layer: 0, head: 0, query: [T - 1, T - 1], keys: [[], [0, 2]] })).logits;
    const half = base.length / 2;
    expect(perRow.slice(0, half)).toEqual(base.slice(0, half));
    expect(maxAbsDiff(perRow.slice(half), base.slice(half))).toBeGreaterThan(0);
  });

  it('attention scaling multiplies the row by its factors and renormalises (against a float64 loop); 0/1 factors are the knock-out', () => {
    const { nHeads } = model.config;
    const layer = 1;
    const head = 0;
    const query = T - 1;
    const hook = `blocks.${layer}.attn.hook_pattern`;
    const factors = Array.from({ length: T }, (_, k) => (k % 3 === 0 ? 0.25 : k % 3 === 1 ? 1 : 0.5));
    // Layer 1's pattern is computed from layer 0's output, which the scaling (in layer 1) leaves alone.
    const plain = runValues(model, ids, undefined, [hook]).cache.get(hook)!;
    const scaled = runValues(model, ids, scaleAttention(model.config, { layer, head, query, keep: [factors, factors] }), [hook]).cache.get(
      hook,
    )!;
    for (let b = 0; b < ids.length; b++) {
      const at = ((b * nHeads + head) * T + query) * T;
      const row = Array.from(plain.slice(at, at + T), (p, k) => p * factors[k]!);
      const total = row.reduce((x, y) => x + y, 0);
      expect(
        maxAbsDiff(
          scaled.slice(at, at + T),
          row.map((x) => x / total),
        ),
      ).toBeLessThan(1e-6);
      // Other rows of the same head are untouched.
      expect(scaled.slice(at - T, at)).toEqual(plain.slice(at - T, at));
    }
    const keys = [0, 2, 3];
    const keep = Array.from({ length: T }, (_, k) => (keys.includes(k) ? 0 : 1));
    expect(runValues(model, ids, scaleAttention(model.config, { layer, head, query, keep: [keep, keep] })).logits).toEqual(
      runValues(model, ids, knockOut(model.config, { layer, head, query, keys })).logits,
    );
    const tooMuch = { interventions: scaleAttention(model.config, { layer, head, query, keep: [[2], [1]] }) };
    expect(failure(() => model.run(ids, tooMuch)).message).toContain('[0, 1]');
  });

  it('mean-ablation uses the reference batch mean (against a float64 loop over single-prompt runs)', () => {
    const { nHeads, dHead } = model.config;
    const reference = [randomIds(11, 1, 5, 1)[0]!, randomIds(11, 1, 8, 2)[0]!, randomIds(11, 1, 3, 3)[0]!];
    const address = { layer: 0, head: 1 };
    const hook = 'blocks.0.attn.hook_z';
    const sum = new Float64Array(dHead);
    let count = 0;
    for (const prompt of reference) {
      const z = runValues(model, [prompt], undefined, [hook]).cache.get(hook)!;
      for (let pos = 0; pos < prompt.length; pos++) {
        for (let d = 0; d < dHead; d++) sum[d]! += z[(pos * nHeads + address.head) * dHead + d]!;
      }
      count += prompt.length;
    }
    const want = sum.map((s) => s / count);
    const mean = headMean(model, reference, address, 2);
    expect(maxAbsDiff(mean, want)).toBeLessThan(1e-6);
    const z = runValues(model, ids, meanAblation(model.config, address, mean), [hook]).cache.get(hook)!;
    for (let pos = 0; pos < T; pos++) {
      const slice = z.slice((pos * nHeads + address.head) * dHead, (pos * nHeads + address.head + 1) * dHead);
      expect(maxAbsDiff(slice, Float32Array.from(mean))).toBe(0);
    }
  });

  it('interventions compose in order, stay in their call, and leak no tensors', () => {
    const hook = 'blocks.0.hook_resid_mid';
    const plain = runValues(model, ids, undefined, [hook]);
    const twice = runValues(model, ids, { [hook]: [(x) => tf.mul(x, 2), (x) => tf.add(x, 1)] }, [hook]).cache.get(hook)!;
    expect(
      maxAbsDiff(
        twice,
        plain.cache.get(hook)!.map((x) => 2 * x + 1),
      ),
    ).toBeLessThan(1e-5);
    expect(runValues(model, ids).logits).toEqual(plain.logits);
    const mean = headMean(model, ids, { layer: 1, head: 0 });
    const source = model.run(ids, { cache: ['blocks.1.attn.hook_z'] });
    const all = combine(
      zeroAblation(model.config, { layer: 0, head: 0 }),
      meanAblation(model.config, { layer: 1, head: 0 }, mean),
      patchActivation('blocks.1.attn.hook_z', source.cache.get('blocks.1.attn.hook_z')!, { positions: [2] }),
      knockOut(model.config, { layer: 1, head: 1, query: T - 1, keys: [0, 1] }),
    );
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      runValues(model, ids, all, ['blocks.1.attn.hook_pattern', 'blocks.1.attn.hook_z']);
      expect(tf.memory().numTensors).toBe(before);
    }
    failure(() => model.run(ids, knockOutRun(model, T + 3)));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([source.logits, ...source.cache.values()]);
  });

  it('refuses an unknown hook, a head or layer out of range, and knock-out positions outside the prompt in one line', () => {
    const config = model.config;
    expect(failure(() => model.run(ids, { interventions: { 'blocks.9.attn.hook_z': (x) => x } })).message).toContain('no hook');
    expect(failure(() => model.run(ids, { interventions: { hook_nonsense: (x) => x } }))).toBeInstanceOf(OptionError);
    expect(failure(() => zeroAblation(config, { layer: config.nLayers, head: 0 })).message).toContain('layer');
    expect(failure(() => knockOut(config, { layer: 0, head: config.nHeads, query: 0, keys: [] })).message).toContain('head');
    expect(failure(() => model.run(ids, knockOutRun(model, T))).message).toContain('outside the prompt');
    const badKey = { interventions: knockOut(config, { layer: 0, head: 0, query: 3, keys: [4] }) };
    expect(failure(() => model.run(ids, badKey)).message).toContain('outside the prompt');
    const everything = { interventions: knockOut(config, { layer: 0, head: 0, query: 1, keys: [0, 1] }) };
    expect(failure(() => model.run(ids, everything)).message).toContain('every key');
  });
});

function knockOutRun(model: Transformer, query: number) {
  return { interventions: knockOut(model.config, { layer: 0, head: 0, query, keys: [0] }) };
}
