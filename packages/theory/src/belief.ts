import { OptionError, tf } from '@iclkr/core';
import type { World } from './world.js';

/**
 * The merged HMM's blocks: in-distribution tasks grouped by shared dynamics (the same transition
 * and emission arrays), each with its share of the pre-training start distribution
 * p_pre = sum_theta prior_theta start_theta.
 */
export interface DynamicsBlock {
  readonly transition: Float64Array;
  readonly emission: Float64Array;
  readonly start: Float64Array;
}

/** The blocks of the pre-training HMM (one when every task shares the world's dynamics). */
export function dynamicsBlocks(world: World): DynamicsBlock[] {
  const blocks: { transition: Float64Array; emission: Float64Array; start: Float64Array }[] = [];
  for (const task of world.tasks) {
    if (task.prior === 0) continue;
    let block = blocks.find((b) => b.transition === task.transition && b.emission === task.emission);
    if (!block) {
      block = { transition: task.transition, emission: task.emission, start: new Float64Array(world.d) };
      blocks.push(block);
    }
    for (let s = 0; s < world.d; s++) block.start[s] += task.prior * task.start[s];
  }
  return blocks;
}

function checkInputs(world: World, xs: readonly (readonly number[])[]): number {
  const k = xs[0]?.length ?? 0;
  for (const x of xs) {
    if (x.length !== k || k === 0) throw new OptionError('inputs of a batch must share one length >= 1', 'group inputs by length');
    for (const o of x) {
      if (!Number.isInteger(o) || o < 0 || o >= world.m) {
        throw new OptionError(`token ${o} is outside the vocabulary [0, ${world.m})`, 'use token ids of this world');
      }
    }
  }
  return k;
}

/** Emission columns B[:, o] as rows of an [m, d] tensor, to gather per token. */
function emissionColumns(world: World, emission: Float64Array): tf.Tensor2D {
  const { d, m } = world;
  const cols = new Float32Array(m * d);
  for (let s = 0; s < d; s++) for (let o = 0; o < m; o++) cols[o * d + s] = emission[s * m + o];
  return tf.tensor2d(cols, [m, d]);
}

/**
 * vec(T_x) for a batch of inputs of one length, T_x = diag(B[:, o_1]) T diag(B[:, o_2]) T ...
 * diag(B[:, o_k]) T (SPEC §2), as a [batch, blocks * d * d] float32 tensor; with per-task
 * dynamics the merged operator is block-diagonal and its blocks are concatenated. The first two
 * scalings are filled in directly, then each further token is a column scaling and one
 * [batch * d, d] x [d, d] product (batched small products are far slower on tfjs-wasm).
 */
export function beliefOperators(world: World, xs: readonly (readonly number[])[]): tf.Tensor2D {
  const k = checkInputs(world, xs);
  const { d, m } = world;
  const b = xs.length;
  const parts = dynamicsBlocks(world).map((block) => {
    const { transition: T, emission: B } = block;
    // diag(B[:, o_1]) T, times diag(B[:, o_2]) on the right when k >= 2.
    const first = new Float32Array(b * d * d);
    const right = new Float64Array(d);
    xs.forEach((x, i) => {
      for (let t = 0; t < d; t++) right[t] = k >= 2 ? B[t * m + x[1]] : 1;
      for (let s = 0; s < d; s++) {
        const e = B[s * m + x[0]];
        if (e === 0) continue;
        const row = (i * d + s) * d;
        const tRow = s * d;
        for (let t = 0; t < d; t++) first[row + t] = e * T[tRow + t] * right[t];
      }
    });
    return tf.tidy(() => {
      if (k === 1) return tf.tensor2d(first, [b, d * d]);
      const t = tf.tensor2d(Float32Array.from(T), [d, d]);
      const cols = emissionColumns(world, B);
      let op = tf.matMul(tf.tensor2d(first, [b * d, d]), t);
      for (let j = 2; j < k; j++) {
        const scale = tf.gather(
          cols,
          tf.tensor1d(
            Int32Array.from(xs, (x) => x[j]),
            'int32',
          ),
        );
        const scaled = tf.mul(tf.reshape(op, [b, d, d]), tf.expandDims(scale, 1));
        op = tf.matMul(tf.reshape(scaled, [b * d, d]), t);
      }
      return tf.reshape(op, [b, d * d]);
    });
  });
  if (parts.length === 1) return parts[0] as tf.Tensor2D;
  const joined = tf.concat(parts, 1) as tf.Tensor2D;
  tf.dispose(parts);
  return joined;
}

/**
 * Belief vectors: the filtering distribution P(current hidden state | x) under the pre-training
 * mixture, p_pre^T diag(B[:, o_1]) T ... T diag(B[:, o_k]) normalised, summed over the merged HMM's
 * blocks (all blocks share the d states), as a [batch, d] tensor. Two inputs with the same
 * belief are interchangeable as far as the next token is concerned.
 */
export function beliefVectors(world: World, xs: readonly (readonly number[])[]): tf.Tensor2D {
  const k = checkInputs(world, xs);
  const { d } = world;
  return tf.tidy(() => {
    const parts = dynamicsBlocks(world).map((block) => {
      const t = tf.tensor2d(Float32Array.from(block.transition), [d, d]);
      const cols = emissionColumns(world, block.emission);
      const emit = (j: number) =>
        tf.gather(
          cols,
          tf.tensor1d(
            Int32Array.from(xs, (x) => x[j]),
            'int32',
          ),
        );
      // No per-step rescaling: it would lose the blocks' relative weights. float32 holds about
      // 38 decades, enough for inputs of a few dozen tokens.
      let alpha = tf.mul(tf.tensor2d(Float32Array.from(block.start), [1, d]), emit(0));
      for (let j = 1; j < k; j++) alpha = tf.mul(tf.matMul(alpha, t), emit(j));
      return alpha;
    });
    const joint = parts.length === 1 ? parts[0] : tf.addN(parts);
    return tf.div(joint, tf.maximum(tf.sum(joint, 1, true), 1e-30));
  }) as tf.Tensor2D;
}
