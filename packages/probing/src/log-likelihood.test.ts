// spanLogLikelihoods against the log-softmax of the logits karpathy/llm.c computed for the gpt2-tiny
// fixture (../shared/fixtures), in float64: a causal model's logits for a prefix are the full
// sequence's first rows, so every prefix of the reference rows has its answer there too.
import { tf } from '@iclkr/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, readReference } from '../test/fixtures.js';
import type { HookedModel } from './hooked-model.js';
import { loadModel } from './load-model.js';
import { spanLogLikelihoods } from './log-likelihood.js';

describe('spanLogLikelihoods', () => {
  let model: HookedModel;
  let rows: number[][];
  let logits: Float32Array;
  const [positions, vocab] = [24, 512];
  beforeAll(async () => {
    model = await loadModel(fixture('gpt2-tiny'));
    const { ids, expected } = await readReference(fixture('gpt2-tiny'));
    rows = (ids.arraySync() as number[][]).map((r) => [...r]);
    ids.dispose();
    logits = expected.get('logits')!;
  });
  afterAll(() => model.dispose());

  /** Mean of log softmax(reference logits at p - 1)[token p] over the span, in float64. */
  const reference = (row: number, start: number, end: number) => {
    let total = 0;
    for (let p = start; p < end; p++) {
      const at = (row * positions + p - 1) * vocab;
      const values = Array.from(logits.subarray(at, at + vocab));
      const max = Math.max(...values);
      const logSum = max + Math.log(values.reduce((s, v) => s + Math.exp(v - max), 0));
      total += values[rows[row][p]] - logSum;
    }
    return total / (end - start);
  };

  it('matches the reference implementation for whole rows, prefixes and inner spans, in any batch size', () => {
    const cases = [
      { row: 0, length: 24, start: 1, end: 24 },
      { row: 1, length: 24, start: 5, end: 13 },
      { row: 1, length: 10, start: 1, end: 10 },
      { row: 0, length: 3, start: 2, end: 3 },
      { row: 0, length: 17, start: 9, end: 17 },
    ];
    const sequences = cases.map((c) => rows[c.row].slice(0, c.length));
    const spans = cases.map(({ start, end }) => ({ start, end }));
    for (const batchSize of [1, 2, 64]) {
      const progress: number[] = [];
      const got = spanLogLikelihoods(model, sequences, spans, { batchSize, onProgress: (done, total) => progress.push(done / total) });
      expect(progress.at(-1)).toBe(1);
      expect(progress.length).toBe(batchSize === 1 ? 5 : batchSize === 2 ? 3 : 1);
      cases.forEach((c, i) =>
        expect(Math.abs(got[i] - reference(c.row, c.start, c.end)), `case ${i}, batch ${batchSize}`).toBeLessThan(3e-4),
      );
    }
  });

  it('leaks no tensors and rejects spans it cannot score', () => {
    const before = tf.memory().numTensors;
    spanLogLikelihoods(
      model,
      [rows[0].slice(0, 5), rows[1]],
      [
        { start: 1, end: 5 },
        { start: 1, end: 24 },
      ],
      { batchSize: 1 },
    );
    expect(tf.memory().numTensors).toBe(before);
    const seq = [rows[0].slice(0, 5)];
    expect(() => spanLogLikelihoods(model, seq, [{ start: 0, end: 5 }])).toThrow(
      /span \[0, 5\) of sequence 0 \(5 tokens\) is not inside \[1, 5\)/,
    );
    expect(() => spanLogLikelihoods(model, seq, [{ start: 2, end: 6 }])).toThrow(/span \[2, 6\)/);
    expect(() => spanLogLikelihoods(model, seq, [{ start: 3, end: 3 }])).toThrow(/non-empty/);
    expect(() => spanLogLikelihoods(model, seq, [])).toThrow(/1 sequences but 0 spans/);
    expect(() => spanLogLikelihoods(model, seq, [{ start: 1, end: 5 }], { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
  });
});
