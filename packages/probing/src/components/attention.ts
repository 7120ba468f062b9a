/**
 * Causal multi-head attention with grouped-query support: `nKvHeads` key/value heads, each shared
 * by nHeads / nKvHeads consecutive query heads (Hugging Face's repeat_kv). Hooks, under the
 * component's name: `hook_q` [batch, pos, head, d_head], `hook_k` and `hook_v` (with nKvHeads
 * heads), `hook_rot_q` and `hook_rot_k` when rotary, `hook_attn_scores` and `hook_pattern`
 * [batch, head, q, k], `hook_z` [batch, pos, head, d_head].
 */

import { tf } from '@iclkr/core';
import type { HookPoints } from '../hooks.js';
import { linear, type ParamReader } from '../params.js';
import type { RotaryEmbedding } from './rotary-embeddings.js';

/** [pos, pos] with 0 on and below the diagonal and -Infinity above: added to scores, it hides the future. */
function causalMask(nPos: number): tf.Tensor2D {
  const mask = new Float32Array(nPos * nPos);
  for (let q = 0; q < nPos; q++) mask.fill(-Infinity, q * nPos + q + 1, (q + 1) * nPos);
  return tf.tensor2d(mask, [nPos, nPos]);
}

/** Sizes of one attention layer. */
export interface AttentionShape {
  dModel: number;
  nHeads: number;
  nKvHeads: number;
  dHead: number;
  /** Biases on q, k, v and the output projection. */
  bias: boolean;
}

/** Attention with parameters W_Q [d_model, heads*d_head], W_K/W_V [d_model, kv_heads*d_head], W_O. */
export class Attention {
  readonly W_Q: tf.Tensor;
  readonly W_K: tf.Tensor;
  readonly W_V: tf.Tensor;
  readonly W_O: tf.Tensor;
  readonly b_Q: tf.Tensor | undefined;
  readonly b_K: tf.Tensor | undefined;
  readonly b_V: tf.Tensor | undefined;
  readonly b_O: tf.Tensor | undefined;

  constructor(
    params: ParamReader,
    readonly name: string,
    readonly shape: AttentionShape,
    /** Rotates queries and keys when given (shared by all layers). */
    readonly rotary?: RotaryEmbedding,
  ) {
    const { dModel, nHeads, nKvHeads, dHead, bias } = shape;
    this.W_Q = params.take(`${name}.W_Q`, [dModel, nHeads * dHead]);
    this.W_K = params.take(`${name}.W_K`, [dModel, nKvHeads * dHead]);
    this.W_V = params.take(`${name}.W_V`, [dModel, nKvHeads * dHead]);
    this.W_O = params.take(`${name}.W_O`, [nHeads * dHead, dModel]);
    this.b_Q = params.maybe(bias, `${name}.b_Q`, [nHeads * dHead]);
    this.b_K = params.maybe(bias, `${name}.b_K`, [nKvHeads * dHead]);
    this.b_V = params.maybe(bias, `${name}.b_V`, [nKvHeads * dHead]);
    this.b_O = params.maybe(bias, `${name}.b_O`, [dModel]);
  }

  /** Attends over x [batch, pos, d_model] with a causal mask; returns [batch, pos, d_model]. */
  forward(x: tf.Tensor, hooks: HookPoints): tf.Tensor {
    const { nHeads, nKvHeads, dHead } = this.shape;
    const [batch, nPos] = x.shape as [number, number, number];
    const heads = (w: tf.Tensor, b: tf.Tensor | undefined, n: number) => linear(x, w, b).reshape([batch, nPos, n, dHead]);
    let q = hooks.fire(`${this.name}.hook_q`, heads(this.W_Q, this.b_Q, nHeads));
    let k = hooks.fire(`${this.name}.hook_k`, heads(this.W_K, this.b_K, nKvHeads));
    const v = hooks.fire(`${this.name}.hook_v`, heads(this.W_V, this.b_V, nKvHeads));
    if (this.rotary !== undefined) {
      q = hooks.fire(`${this.name}.hook_rot_q`, this.rotary.apply(q));
      k = hooks.fire(`${this.name}.hook_rot_k`, this.rotary.apply(k));
    }
    const perHead = (t: tf.Tensor) => t.transpose([0, 2, 1, 3]);
    // K^T is formed explicitly: tfjs-wasm multiplies by a transposed operand many times slower.
    const keysT = this.repeatKv(perHead(k)).transpose([0, 1, 3, 2]);
    const scores = tf.mul(tf.matMul(perHead(q), keysT), 1 / Math.sqrt(dHead));
    const masked = hooks.fire(`${this.name}.hook_attn_scores`, tf.add(scores, causalMask(nPos)));
    const pattern = hooks.fire(`${this.name}.hook_pattern`, tf.softmax(masked, -1));
    const z = hooks.fire(`${this.name}.hook_z`, perHead(tf.matMul(pattern, this.repeatKv(perHead(v)))));
    return linear(z.reshape([batch, nPos, nHeads * dHead]), this.W_O, this.b_O);
  }

  /** [batch, kv_head, pos, d_head] to [batch, head, pos, d_head], kv head h serving heads h*r..h*r+r-1. */
  private repeatKv(t: tf.Tensor): tf.Tensor {
    const { nHeads, nKvHeads } = this.shape;
    if (nHeads === nKvHeads) return t;
    const group = nHeads / nKvHeads;
    const kvHead = Int32Array.from({ length: nHeads }, (_, h) => Math.floor(h / group));
    return tf.gather(t, tf.tensor1d(kvHead, 'int32'), 1);
  }
}
