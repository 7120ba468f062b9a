/**
 * Causal multi-head attention with grouped-query support: `nKvHeads` key/value heads, each shared
 * by nHeads / nKvHeads consecutive query heads (Hugging Face's repeat_kv), and optional ALiBi
 * (Press et al.: head h's scores get -slope_h (q - k)). Hooks, under the component's name: `hook_q`
 * [batch, pos, head, d_head], `hook_k` and `hook_v` (with nKvHeads heads), `hook_rot_q` and
 * `hook_rot_k` when rotary, `hook_attn_scores` and `hook_pattern` [batch, head, q, k], `hook_z`
 * [batch, pos, head, d_head].
 */

import { tf } from '@iclkr/core';
import type { HookPoints } from '../hooks.js';
import { attentionKernelsRun, fusedAttention, fusedAttentionPacked, stagedAttention } from '../attention-kernel.js';
import { channelMatMul } from '../ops.js';
import { linear, type ParamReader } from '../params.js';
import type { RotaryEmbedding } from './rotary-embeddings.js';

/**
 * ALiBi slopes of `nHeads` heads (Press et al.): 2^(-8(h+1)/n) for n a power of 2; otherwise the
 * slopes of the power of 2 below n, then every other slope of twice that power.
 */
export function alibiSlopes(nHeads: number): number[] {
  const powerOfTwo = (n: number) => Array.from({ length: n }, (_, h) => 2 ** ((-8 * (h + 1)) / n));
  const below = 2 ** Math.floor(Math.log2(nHeads));
  if (below === nHeads) return powerOfTwo(nHeads);
  return [
    ...powerOfTwo(below),
    ...powerOfTwo(2 * below)
      .filter((_, i) => i % 2 === 0)
      .slice(0, nHeads - below),
  ];
}

/**
 * What is added to the scores [q, batch, head, k]: -Infinity above the diagonal (the future is
 * hidden), and -slope_h (q - k) on and below it with ALiBi; shaped [q, 1, head or 1, k].
 */
function scoreBias(nPos: number, slopes: readonly number[] | undefined): tf.Tensor4D {
  const heads = slopes?.length ?? 1;
  const bias = new Float32Array(nPos * heads * nPos);
  for (let q = 0; q < nPos; q++) {
    for (let h = 0; h < heads; h++) {
      const row = (q * heads + h) * nPos;
      for (let k = 0; k <= q; k++) bias[row + k] = slopes === undefined ? 0 : -slopes[h]! * (q - k);
      bias.fill(-Infinity, row + q + 1, row + nPos);
    }
  }
  return tf.tensor4d(bias, [nPos, 1, heads, nPos]);
}

/** Sizes of one attention layer. */
export interface AttentionShape {
  dModel: number;
  nHeads: number;
  nKvHeads: number;
  dHead: number;
  /** Biases on q, k, v and the output projection. */
  bias: boolean;
  /** Bias on the output projection (default `bias`): Qwen2 has biases on q, k and v only. */
  outBias?: boolean;
  /** ALiBi: linear biases on the scores instead of position embeddings. */
  alibi?: boolean;
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
  /** ALiBi slopes per head, when the shape asks for ALiBi. */
  readonly slopes: readonly number[] | undefined;

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
    this.b_O = params.maybe(shape.outBias ?? bias, `${name}.b_O`, [dModel]);
    this.slopes = shape.alibi === true ? alibiSlopes(nHeads) : undefined;
  }

  /** Attends over x [batch, pos, d_model] with a causal mask; returns [batch, pos, d_model]. */
  forward(x: tf.Tensor, hooks: HookPoints): tf.Tensor {
    const { nHeads, nKvHeads, dHead } = this.shape;
    const [batch, nPos] = x.shape as [number, number, number];
    if (this.attendsPacked(hooks)) {
      const packed = fusedAttentionPacked(this.packedQkv(x), nHeads, nKvHeads, this.kernelSlopes(), 1 / Math.sqrt(dHead));
      const z = hooks.fire(`${this.name}.hook_z`, packed);
      return linear(z.reshape([batch, nPos, nHeads * dHead]), this.W_O, this.b_O);
    }
    const [qFlat, kFlat, vFlat] = this.projectQkv(x);
    let q = hooks.fire(`${this.name}.hook_q`, qFlat.reshape([batch, nPos, nHeads, dHead]));
    let k = hooks.fire(`${this.name}.hook_k`, kFlat.reshape([batch, nPos, nKvHeads, dHead]));
    const v = hooks.fire(`${this.name}.hook_v`, vFlat.reshape([batch, nPos, nKvHeads, dHead]));
    if (this.rotary !== undefined) {
      q = hooks.fire(`${this.name}.hook_rot_q`, this.rotary.apply(q));
      k = hooks.fire(`${this.name}.hook_rot_k`, this.rotary.apply(k));
    }
    const z = hooks.fire(
      `${this.name}.hook_z`,
      attentionKernelsRun(dHead) ? this.attendInKernels(q, k, v, hooks) : this.attend(q, k, v, hooks),
    );
    return linear(z.reshape([batch, nPos, nHeads * dHead]), this.W_O, this.b_O);
  }

  /**
   * z [batch, pos, head, d_head] from q, k, v in the attention kernels: fused, unless a hook keeps
   * or changes the scores or the pattern, which then pass through the hooks between stages.
   */
  private attendInKernels(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, hooks: HookPoints): tf.Tensor {
    const slopes = this.kernelSlopes();
    const scale = 1 / Math.sqrt(this.shape.dHead);
    const [scores, pattern] = ['hook_attn_scores', 'hook_pattern'].map((hook) => `${this.name}.${hook}`) as [string, string];
    if (![scores, pattern].some((name) => hooks.wants(name) || hooks.intervenes(name))) return fusedAttention(q, k, v, slopes, scale);
    return stagedAttention(q, k, v, slopes, scale, {
      scores: (s) => hooks.fire(scores, s),
      pattern: (p) => hooks.fire(pattern, p),
    });
  }

  /** z [batch, pos, head, d_head] from q, k, v through tfjs kernels (on backends other than wasm), firing the score and pattern hooks. */
  private attend(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, hooks: HookPoints): tf.Tensor {
    const { nHeads, dHead } = this.shape;
    const [batch, nPos] = q.shape as [number, number];
    // Products run in the layout (position, batch x head, ...) of channelMatMul; the 1/sqrt(d_head)
    // scale goes on the queries, the smaller tensor.
    const c = batch * nHeads;
    const queries = tf.transpose(tf.mul(q, 1 / Math.sqrt(dHead)), [1, 0, 2, 3]).reshape([nPos, c, dHead]) as tf.Tensor3D;
    const keysT = tf.transpose(this.repeatKv(k), [3, 0, 2, 1]).reshape([dHead, c, nPos]) as tf.Tensor3D;
    const values = tf.transpose(this.repeatKv(v), [1, 0, 2, 3]).reshape([nPos, c, dHead]) as tf.Tensor3D;
    const products = channelMatMul(queries, keysT).reshape([nPos, batch, nHeads, nPos]);
    const scores = this.fireQBHK(hooks, 'hook_attn_scores', tf.add(products, scoreBias(nPos, this.slopes)));
    const pattern = this.fireQBHK(hooks, 'hook_pattern', tf.softmax(scores, -1));
    const mixed = channelMatMul(pattern.reshape([nPos, c, nPos]) as tf.Tensor3D, values);
    return tf.transpose(mixed.reshape([nPos, batch, nHeads, dHead]), [1, 0, 2, 3]);
  }

  /**
   * q, k and v [batch, pos, width]. Weights that train (tf.Variables) take one product: the
   * input's transpose in the weight gradient is formed once. Fixed weights take three, since
   * concatenating them and splitting the product costs more than it saves on wasm (SplitV of a
   * [512, 2304] product took 48 ms; the whole GPT-2-small layer about 0.4 s).
   */
  private projectQkv(x: tf.Tensor): [tf.Tensor, tf.Tensor, tf.Tensor] {
    if (!(this.W_Q instanceof tf.Variable)) {
      return [linear(x, this.W_Q, this.b_Q), linear(x, this.W_K, this.b_K), linear(x, this.W_V, this.b_V)];
    }
    const { nHeads, nKvHeads, dHead } = this.shape;
    const widths = [nHeads * dHead, nKvHeads * dHead, nKvHeads * dHead];
    return tf.split(this.packedQkv(x), widths, -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
  }

  /** x [batch, pos, d_model] times [W_Q W_K W_V] (plus the biases): each row q, then k, then v. */
  private packedQkv(x: tf.Tensor): tf.Tensor {
    const bias = this.b_Q === undefined ? undefined : tf.concat([this.b_Q, this.b_K!, this.b_V!]);
    return linear(x, tf.concat([this.W_Q, this.W_K, this.W_V], 1), bias);
  }

  /**
   * Whether the pass can read q, k and v in place from the packed projection: weights that train
   * (they take one product, see projectQkv), no rotation, the kernels here, and no hook on q, k, v,
   * the scores or the pattern.
   */
  private attendsPacked(hooks: HookPoints): boolean {
    if (!(this.W_Q instanceof tf.Variable) || this.rotary !== undefined || !attentionKernelsRun(this.shape.dHead)) return false;
    return !['hook_q', 'hook_k', 'hook_v', 'hook_attn_scores', 'hook_pattern'].some((hook) => {
      const name = `${this.name}.${hook}`;
      return hooks.wants(name) || hooks.intervenes(name);
    });
  }

  /** Each head's ALiBi slope, zeros without ALiBi (the kernels' form). */
  private kernelSlopes(): number[] {
    return [...(this.slopes ?? new Array<number>(this.shape.nHeads).fill(0))];
  }

  /**
   * Fires hook `name` on t [q, batch, head, k] in the [batch, head, q, k] layout, transposing only
   * when it is kept or intervened on (and back, for the pass to continue with the replacement).
   */
  private fireQBHK(hooks: HookPoints, hook: string, t: tf.Tensor): tf.Tensor {
    const name = `${this.name}.${hook}`;
    if (hooks.intervenes(name)) return tf.transpose(hooks.fire(name, tf.transpose(t, [1, 2, 0, 3])), [2, 0, 1, 3]);
    if (hooks.wants(name)) hooks.fire(name, tf.transpose(t, [1, 2, 0, 3]));
    return t;
  }

  /** [batch, pos, kv_head, d_head] to [batch, pos, head, d_head], kv head h serving heads h*r..h*r+r-1. */
  private repeatKv(t: tf.Tensor): tf.Tensor {
    const { nHeads, nKvHeads, dHead } = this.shape;
    if (nHeads === nKvHeads) return t;
    const [batch, nPos] = t.shape as [number, number];
    return tf.tile(t.expandDims(3), [1, 1, 1, nHeads / nKvHeads, 1]).reshape([batch, nPos, nHeads, dHead]);
  }
}
