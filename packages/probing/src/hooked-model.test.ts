// nextTokenDistributions against a direct softmax of each prompt's own forward pass, one at a time;
// run's logitPositions against the rows of the same pass without it.
import { OptionError, tf } from '@iclkr/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idsTensor, randomIds, randomParams } from '../test/naive-gpt.js';
import { createGpt } from './gpt/init.js';
import { nextTokenDistributions } from './hooked-model.js';

const CONFIG = { vocabSize: 11, nCtx: 9, nLayers: 1, nHeads: 2, dModel: 8, dMlp: 16, positions: 'alibi' as const, tiedEmbeddings: false };

/** Softmax of the last position's logits of one prompt run alone, in float64. */
function direct(model: ReturnType<typeof createGpt>, prompt: number[], restrict?: number[]): number[] {
  const input = idsTensor([prompt]);
  const { logits } = model.run(input);
  const last = Array.from(logits.dataSync().slice((prompt.length - 1) * 11, prompt.length * 11));
  tf.dispose([logits, input]);
  const kept = restrict === undefined ? last : restrict.map((id) => last[id]!);
  const max = Math.max(...kept);
  const exps = kept.map((x) => Math.exp(x - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

describe('nextTokenDistributions', () => {
  let model: ReturnType<typeof createGpt>;
  beforeAll(() => {
    model = createGpt(CONFIG, randomParams(CONFIG, 1));
  });
  afterAll(() => model.dispose());
  const prompts = [...randomIds(11, 3, 4, 2), ...randomIds(11, 2, 7, 3), [5], ...randomIds(11, 4, 4, 4)];

  it('equals each prompt run alone, for prompts of mixed lengths in any batch size', () => {
    for (const batchSize of [1, 2, 64]) {
      const progress: number[] = [];
      const got = nextTokenDistributions(model, prompts, { batchSize, onProgress: (done, total) => progress.push(done / total) });
      expect(progress.at(-1)).toBe(1);
      expect(progress.length).toBe(Math.ceil(prompts.length / batchSize));
      expect(got).toHaveLength(prompts.length);
      got.forEach((p, i) => {
        const want = direct(model, prompts[i]!);
        expect(p).toHaveLength(11);
        for (let v = 0; v < 11; v++) expect(Math.abs(p[v]! - want[v]!)).toBeLessThan(1e-6);
      });
    }
  });

  it('restricts to the given ids, in their order, renormalised', () => {
    const restrict = [7, 2, 9];
    nextTokenDistributions(model, prompts, { restrict }).forEach((p, i) => {
      const want = direct(model, prompts[i]!, restrict);
      expect(p).toHaveLength(3);
      for (let v = 0; v < 3; v++) expect(Math.abs(p[v]! - want[v]!)).toBeLessThan(1e-6);
    });
  });

  it('leaks no tensors and rejects empty prompts and ids outside the vocabulary', () => {
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) nextTokenDistributions(model, prompts, { restrict: [1, 2], batchSize: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(() => nextTokenDistributions(model, [[1], []])).toThrow(/prompt 1 is empty/);
    expect(() => nextTokenDistributions(model, [[1]], { restrict: [11] })).toThrow(OptionError);
    expect(() => nextTokenDistributions(model, [[1]], { batchSize: 0 })).toThrow(OptionError);
  });
});

describe('run with logitPositions', () => {
  let model: ReturnType<typeof createGpt>;
  beforeAll(() => {
    model = createGpt(CONFIG, randomParams(CONFIG, 2));
  });
  afterAll(() => model.dispose());

  it('gives the full pass logits at one position per row, and nothing else (reference: the same pass without the option)', () => {
    const ids = idsTensor(randomIds(11, 3, 6, 5));
    const positions = [5, 0, 3];
    const full = model.run(ids);
    const some = model.run(ids, { logitPositions: positions });
    expect(some.logits.shape).toEqual([3, 1, 11]);
    const all = full.logits.arraySync();
    const picked = some.logits.arraySync();
    positions.forEach((p, b) => all[b]![p]!.forEach((v, j) => expect(picked[b]![0]![j]).toBeCloseTo(v, 5)));
    tf.dispose([ids, full.logits, some.logits]);
  });

  it('refuses a position per row that is missing or outside the sequence', () => {
    const ids = idsTensor(randomIds(11, 2, 4, 6));
    expect(() => model.run(ids, { logitPositions: [1] })).toThrow(OptionError);
    expect(() => model.run(ids, { logitPositions: [1] })).toThrow(/1 entries for a batch of 2/);
    expect(() => model.run(ids, { logitPositions: [1, 4] })).toThrow(/holds 4, outside the sequence \[0, 4\)/);
    ids.dispose();
  });
});
