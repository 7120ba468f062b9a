import { OptionError, Rng, tf } from '@iclkr/core';
import { pearson } from '@iclkr/kernels';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelConfig } from '../config.js';
import type { HookedModel } from '../hooked-model.js';
import type { RunOptions, RunResult } from '../model.js';
import { Probe } from './probe.js';
import type { ProbePrompt, ProbeResult } from './probe-analyses.js';
import { type Segment, spansFromSegments, tokenPromptSpans } from './spans.js';
import { createGpt, initGptParams } from '../gpt/init.js';

/**
 * A hand-built "model" over tokens 0..3 (inputs 0 and 1, label words 2 and 3) whose every
 * activation is known, so each analysis has an answer computed by hand:
 * - it predicts the label word of x_test (token 2 + x_test) with probability 0.9;
 * - head 0 attends from the final position, equally, to the y_i of demonstrations whose x_i equals
 *   x_test (a same-input kernel); head 1 attends only to position 0 (x_1);
 * - keys and values, and the residual stream, are the one-hot token.
 */
const V = 4;
const CONFIG: ModelConfig = {
  nLayers: 1,
  dModel: V,
  nHeads: 2,
  nKvHeads: 2,
  dHead: V,
  dMlp: 0,
  vocabSize: V,
  nCtx: 64,
  normalization: 'layernorm',
  normEps: 1e-5,
  positions: 'alibi',
  ropeTheta: 10000,
  mlp: 'gelu',
  attnBias: false,
  mlpBias: false,
};

class KnownModel implements HookedModel {
  readonly config = CONFIG;
  run(input: tf.Tensor2D, options: RunOptions = {}): RunResult {
    const [b, t] = input.shape;
    const ids = input.arraySync();
    const names = options.cache as readonly string[];
    const logits = new Float32Array(b * t * V);
    const pattern = new Float32Array(b * 2 * t * t);
    const oneHot = new Float32Array(b * t * V);
    for (let p = 0; p < b; p++) {
      const query = ids[p][t - 1];
      for (let q = 0; q < t; q++) {
        const probs = [0.1 / 3, 0.1 / 3, 0.1 / 3, 0.1 / 3];
        probs[2 + (ids[p][q] % 2)] = 0.9;
        probs.forEach((pr, o) => {
          logits[(p * t + q) * V + o] = Math.log(pr);
        });
        oneHot[(p * t + q) * V + ids[p][q]] = 1;
        for (let k = 0; k <= q; k++) pattern[((p * 2 + 1) * t + q) * t + k] = q === t - 1 ? (k === 0 ? 1 : 0) : 1 / (q + 1);
        for (let k = 0; k <= q; k++) pattern[((p * 2 + 0) * t + q) * t + k] = 1 / (q + 1);
      }
      // Head 0's final row: equal weight on y_i where x_i (the token before it) equals x_test.
      const same = [];
      for (let k = 1; k < t - 1; k++) if (ids[p][k] >= 2 && ids[p][k - 1] === query) same.push(k);
      for (let k = 0; k < t; k++)
        pattern[(p * 2 * t + (t - 1)) * t + k] = same.length === 0 ? 1 / t : same.includes(k) ? 1 / same.length : 0;
    }
    const cache = new Map<string, tf.Tensor>();
    const heads = tf.tensor4d(oneHot, [b, t, 1, V]).tile([1, 1, 2, 1]);
    const all: Record<string, () => tf.Tensor> = {
      'blocks.0.attn.hook_pattern': () => tf.tensor4d(pattern, [b, 2, t, t]),
      'blocks.0.attn.hook_k': () => heads.clone(),
      'blocks.0.attn.hook_v': () => heads.clone(),
      'blocks.0.hook_resid_post': () => tf.tensor3d(oneHot, [b, t, V]),
    };
    for (const name of names) if (all[name]) cache.set(name, all[name]());
    heads.dispose();
    return { logits: tf.tensor3d(logits, [b, t, V]), cache };
  }
  dispose(): void {}
}

/** Prompts `x y 3 ... x_test` (token 3 doubles as delimiter: spans only need positions) with noisy labels. */
function prompts(count: number, n: number, seed: number): ProbePrompt[] {
  const rng = new Rng(seed);
  const spans = tokenPromptSpans(n, 1);
  return Array.from({ length: count }, () => {
    const xs = Array.from({ length: n }, () => rng.int(2));
    const labels = xs.map((x) => (rng.uniform() < 0.25 ? 1 - x : x));
    const query = rng.int(2);
    const tokens = [...xs.flatMap((x, i) => [x, 2 + labels[i], 3]), query];
    return {
      tokens,
      spans,
      labels,
      gold: query,
      classes: xs,
      queryClass: query,
      trueKernels: { same: xs.map((x) => (x === query ? 1 : 0)) },
    };
  });
}

/** By hand: the label most frequent among demonstrations with x_i = x_test (ties and none: label 0). */
function sameInputVote(p: ProbePrompt): number {
  const x = p.tokens[p.tokens.length - 1];
  const counts = [0, 0];
  p.labels.forEach((y, i) => {
    if (p.tokens[3 * i] === x) counts[y]++;
  });
  return counts[1] > counts[0] ? 1 : 0;
}

describe('Probe on a model with known attention', () => {
  const all = prompts(60, 6, 1);
  let result: ProbeResult;
  beforeAll(() => {
    const probe = new Probe(new KnownModel(), { labelTokens: [2, 3], probePrompts: 40 });
    probe.add(all.slice(0, 25)).add(all.slice(25));
    result = probe.result();
  });
  const head = (h: number) => result.summary.heads.find((s) => s.head === h)!;
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

  it('scores each head against answers computed by hand', () => {
    expect(result.summary.prompts).toBe(60);
    expect(result.summary.modelAccuracy).toBe(1);
    expect(head(0).accuracy).toBeCloseTo(mean(all.map((p) => (sameInputVote(p) === p.gold ? 1 : 0))), 12);
    expect(head(1).accuracy).toBeCloseTo(mean(all.map((p) => (p.labels[0] === p.gold ? 1 : 0))), 12);
    // The model predicts gold, so agreement equals accuracy.
    expect(head(0).agreement).toBe(head(0).accuracy);
  });

  it('correlates head 0 exactly with the same-input kernel it implements', () => {
    const same = result.trueCorrelation.same.span;
    expect(same[0].pearson).toBeCloseTo(1, 6);
    expect(result.summary.heads[0].kernelCorrelation).toBeCloseTo(1, 6);
    // Head 1 by hand: per-prompt Pearson of a = e_1 with the indicator, averaged where defined.
    const byHand = all.flatMap((p) => {
      const k = p.trueKernels!.same as number[];
      const r = pearson(
        k.map((_, i) => (i === 0 ? 1 : 0)),
        k,
      );
      return Number.isFinite(r) ? [r] : [];
    });
    expect(same[1].pearson).toBeCloseTo(mean(byHand), 10);
  });

  it('reads the model output similarity and the explicit kernel-regression baselines', () => {
    const byName = Object.fromEntries(result.baselines.map((b) => [b.name, b]));
    // P(o|x) is the same for equal inputs, so both the output similarity and the one-hot hidden-state
    // cosine weigh same-input demonstrations most: every such vote predicts sameInputVote.
    const expected = mean(all.map((p) => (sameInputVote(p) === p.gold ? 1 : 0)));
    expect(byName['hidden-cosine:L0'].all.accuracy).toBeCloseTo(expected, 12);
    expect(byName['true-kernel:same'].all.accuracy).toBeCloseTo(expected, 12);
    expect(result.outputCorrelation!.span[0].pearson).toBeCloseTo(1, 6);
  });

  it('probes keys and values: the one-hot token at the label position gives y_i, at the input gives argmax P(o | x_i)', () => {
    const offsets = result.values!.offsets;
    expect(result.values!.examples).toBeGreaterThan(0);
    // Only the first 40 prompts feed the probes (probePrompts), and only demonstrations whose offset window fits.
    expect(result.values!.examples).toBeLessThanOrEqual(40 * 6);
    expect(result.values!.heads[0].accuracy[offsets.indexOf(0)]).toBe(1);
    expect(result.keys!.heads[0].accuracy[offsets.indexOf(-1)]).toBe(1);
    // The prompts' classes are their input tokens, which the one-hot key at x_i holds.
    expect(result.keyClasses!.heads[0].accuracy[offsets.indexOf(-1)]).toBe(1);
    expect(result.keyClasses!.examples).toBe(result.keys!.examples);
  });

  it('averages the attention map over prompts', () => {
    expect(result.map.prompts).toBe(60);
    // Head 1's final row is all on x_1: the first map cell of head 1 holds 1 in every prompt.
    expect(result.map.values[0][1][0]).toBeCloseTo(1, 12);
  });

  it('refuses bad input with one-line errors', () => {
    const model = new KnownModel();
    expect(() => new Probe(model, { labelTokens: [2, 9] })).toThrow(/outside the model's vocabulary/);
    expect(() => new Probe(model, { labelTokens: [2, 2] })).toThrow(/share a first token/);
    const p = prompts(1, 3, 2)[0];
    expect(() => new Probe(model, { labelTokens: [2, 3] }).add([{ ...p, labels: [0, 5, 1] }])).toThrow(OptionError);
    const long = prompts(1, 30, 2)[0];
    expect(() => new Probe(model, { labelTokens: [2, 3] }).add([long])).toThrow(/more than the model's context of 64/);
    const blind: HookedModel = {
      config: CONFIG,
      run: (ids) => ({ logits: tf.zeros([...ids.shape, V]) as tf.Tensor3D, cache: new Map() }),
      dispose() {},
    };
    expect(() => new Probe(blind, { labelTokens: [2, 3] }).add([p])).toThrow(/does not report attention patterns/);
  });
});

describe('Probe on prompts of different lengths', () => {
  it('gives in one right-padded batch what it gives prompt by prompt (a random GPT, learned positions)', () => {
    const config = {
      vocabSize: 12,
      nCtx: 40,
      nLayers: 2,
      nHeads: 2,
      dModel: 16,
      dMlp: 32,
      positions: 'learned' as const,
      tiedEmbeddings: false,
    };
    const rng = new Rng(9);
    const prompts: ProbePrompt[] = Array.from({ length: 12 }, () => {
      const segments: Segment[] = [];
      const tokens: number[] = [];
      const labels: number[] = [];
      const piece = (kind: Segment['kind'], line: number, ids: number[]) => {
        segments.push({ kind, line, start: tokens.length, end: tokens.length + ids.length });
        tokens.push(...ids);
      };
      for (let i = 0; i < 3; i++) {
        labels.push(rng.int(2));
        piece(
          'x',
          i,
          Array.from({ length: 1 + rng.int(4) }, () => rng.int(8)),
        );
        piece('y', i, [8 + labels[i]]);
        piece('delimiter', i, [10]);
      }
      piece(
        'query',
        3,
        Array.from({ length: 1 + rng.int(4) }, () => rng.int(8)),
      );
      return { tokens, spans: spansFromSegments(segments), labels, gold: rng.int(2) };
    });
    const model = createGpt(config, initGptParams(config, new Rng(2)));
    const options = { labelTokens: [8, 9], resolution: 5 };
    const batched = new Probe(model, options).add(prompts).result();
    const single = new Probe(model, options);
    for (const p of prompts) single.add([p]);
    const alone = single.result();
    model.dispose();
    expect(new Set(prompts.map((p) => p.tokens.length)).size).toBeGreaterThan(3);
    expect(batched.summary.heads.map((h) => [h.agreement, h.accuracy])).toEqual(alone.summary.heads.map((h) => [h.agreement, h.accuracy]));
    batched.map.values.flat().forEach((row, j) => row.forEach((v, c) => expect(v).toBeCloseTo(alone.map.values.flat()[j][c], 5)));
    batched.outputCorrelation!.span.forEach((h, j) => expect(h.pearson!).toBeCloseTo(alone.outputCorrelation!.span[j].pearson!, 5));
    expect(batched.values!.heads.map((h) => h.accuracy)).toEqual(alone.values!.heads.map((h) => h.accuracy));
  });
});
