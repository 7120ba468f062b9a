/**
 * Rotary position embedding in Hugging Face's rotate-half layout: the first and second halves of
 * each head vector are the pairs that rotate, by angle pos * theta^(-2i/d_head).
 */

import { tf } from '@iclkr/core';

/** Precomputed cos/sin tables [n_ctx, d_head]; owns them until `dispose()`. */
export class RotaryEmbedding {
  private readonly cos: tf.Tensor2D;
  private readonly sin: tf.Tensor2D;

  constructor(
    readonly dHead: number,
    readonly theta: number,
    nCtx: number,
  ) {
    const half = dHead / 2;
    const cos = new Float32Array(nCtx * dHead);
    const sin = new Float32Array(nCtx * dHead);
    for (let p = 0; p < nCtx; p++) {
      for (let i = 0; i < half; i++) {
        const angle = p * theta ** (-(2 * i) / dHead);
        for (const j of [i, i + half]) {
          cos[p * dHead + j] = Math.cos(angle);
          sin[p * dHead + j] = Math.sin(angle);
        }
      }
    }
    this.cos = tf.tensor2d(cos, [nCtx, dHead]);
    this.sin = tf.tensor2d(sin, [nCtx, dHead]);
  }

  /** Rotates x [batch, pos, head, d_head] by each position's angles. */
  apply(x: tf.Tensor): tf.Tensor {
    const nPos = x.shape[1]!;
    const half = this.dHead / 2;
    const cos = this.cos.slice([0, 0], [nPos, this.dHead]).reshape([1, nPos, 1, this.dHead]);
    const sin = this.sin.slice([0, 0], [nPos, this.dHead]).reshape([1, nPos, 1, this.dHead]);
    const [x1, x2] = tf.split(x, [half, half], 3);
    const rotated = tf.concat([tf.neg(x2), x1], 3);
    return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
  }

  /** Frees the cos/sin tables. */
  dispose(): void {
    tf.dispose([this.cos, this.sin]);
  }
}
