// Transformer.run takes plain arrays of token ids (as JSON has them) as well as an int32 tensor (issue 20).
import { ShapeError, tf } from '@iclkr/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idsTensor, randomParams } from '../test/naive-gpt.js';
import { createGpt } from './gpt/init.js';

const CONFIG = { vocabSize: 11, nCtx: 9, nLayers: 1, nHeads: 2, dModel: 8, dMlp: 16, positions: 'alibi' as const, tiedEmbeddings: false };

describe('Transformer.run with arrays of token ids', () => {
  let model: ReturnType<typeof createGpt>;
  beforeAll(() => {
    model = createGpt(CONFIG, randomParams(CONFIG, 1));
  });
  afterAll(() => model.dispose());

  it('gives what the int32 tensor gives, and leaves no tensor behind', () => {
    const input = idsTensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const fromTensor = model.run(input);
    const want = fromTensor.logits.arraySync();
    tf.dispose([fromTensor.logits, input]);
    const before = tf.memory().numTensors;
    const { logits, cache } = model.run(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { cache: ['blocks.0.hook_resid_post'] },
    );
    expect(logits.arraySync()).toEqual(want);
    expect(cache.get('blocks.0.hook_resid_post')?.shape).toEqual([2, 3, 8]);
    tf.dispose([logits, ...cache.values()]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses what is not equally long rows of non-negative integer ids with a typed error', () => {
    const bad: [unknown, RegExp][] = [
      [[], /got an empty array/],
      [[1, 2, 3], /items are not all arrays/],
      [[[1, 2], [3]], /equally long, got lengths 2, 1/],
      [[[]], /non-empty/],
      [[[1.5, 2]], /input id 1.5 is not a non-negative integer/],
      [[[-1]], /input id -1/],
      ['1 2 3', /got string/],
    ];
    const before = tf.memory().numTensors;
    for (const [ids, message] of bad) {
      expect(() => model.run(ids as number[][])).toThrow(ShapeError);
      expect(() => model.run(ids as number[][])).toThrow(message);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
