import { tf } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { bruteOperator, smallWorld } from '../test/worlds.js';
import { beliefOperators, beliefVectors, dynamicsBlocks } from './belief.js';

const close = (got: ArrayLike<number>, want: number[], rel = 1e-5) => {
  const scale = Math.max(...want.map(Math.abs));
  want.forEach((w, i) => expect(Math.abs(got[i] - w)).toBeLessThanOrEqual(rel * scale));
};

describe('belief-state operators T_x', () => {
  const world = smallWorld(1, 3, 4, 2);
  const xs = [[0], [2], [1, 3], [0, 0], [2, 1, 0], [3, 3, 1]];
  it('equal the matrix product diag(B[:, o_1]) T ... diag(B[:, o_k]) T (brute force), for k = 1, 2, 3', () => {
    for (const k of [1, 2, 3]) {
      const batch = xs.filter((x) => x.length === k);
      const ops = beliefOperators(world, batch);
      const values = ops.dataSync();
      batch.forEach((x, i) => {
        const want = bruteOperator(world.tasks[0].transition, world.tasks[0].emission, 3, 4, x).flat();
        close(values.subarray(i * 9, (i + 1) * 9), want);
      });
      ops.dispose();
    }
  });

  it('concatenate the blocks of per-task dynamics, in task order', () => {
    const own = smallWorld(2, 3, 4, 2, true);
    expect(dynamicsBlocks(own)).toHaveLength(2);
    const ops = beliefOperators(own, [[1, 2]]);
    expect(ops.shape).toEqual([1, 18]);
    const want = own.tasks.flatMap((t) => bruteOperator(t.transition, t.emission, 3, 4, [1, 2]).flat());
    close(ops.dataSync(), want);
    ops.dispose();
  });

  it('belief vectors are the filtering distribution P(state | x) under p_pre (brute force)', () => {
    const vecs = beliefVectors(world, [[1, 3]]);
    // T_[1] diag(B[:, 3]): the operator of x without its last transition.
    const op = bruteOperator(world.tasks[0].transition, world.tasks[0].emission, 3, 4, [1]);
    const pPre = [0.5, 0.5, 0];
    const raw = [0, 1, 2].map((t) => pPre.reduce((s, p, i) => s + p * op[i][t], 0) * world.tasks[0].emission[t * 4 + 3]);
    const total = raw.reduce((s, v) => s + v, 0);
    close(
      vecs.dataSync(),
      raw.map((v) => v / total),
    );
    vecs.dispose();
  });

  it('reject tokens outside the vocabulary and mixed lengths, and keep no tensors', () => {
    expect(() => beliefOperators(world, [[7]])).toThrow(/token 7 is outside the vocabulary/);
    expect(() => beliefVectors(world, [[1], [1, 2]])).toThrow(/share one length/);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) tf.dispose([beliefOperators(world, xs.slice(2, 4)), beliefVectors(world, xs.slice(4))]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
