import { tf } from '@iclkr/core';

/** How to read a score matrix: K itself, or log K (known to be <= 0 for rbf and laplacian). */
export interface ScoreSpace {
  readonly logSpace: boolean;
  readonly nonPositive: boolean;
}

/** Denominators above this are far from float32 underflow, so the fast path is exact enough. */
const SAFE_DENOMINATOR = 1e-20;

/**
 * Combines a [b, n] score matrix (log K or K) with augmented targets [n, C + 1] into the
 * [b, C] Nadaraya–Watson output. In log space the row maximum is subtracted before exp
 * (log-sum-exp), so tiny bandwidths give no NaN and a query far from every key falls back to
 * its nearest key. The unnormalised form is (1/n) sum_i K(x, x_i) y_i.
 */
export function combineScores(scores: tf.Tensor2D, space: ScoreSpace, yAug: tf.Tensor2D, normalize: boolean): tf.Tensor2D {
  return tf.tidy(() => {
    const n = yAug.shape[0];
    const c = yAug.shape[1] - 1;
    if (space.logSpace && space.nonPositive) {
      // log K <= 0 cannot overflow: skip the row maximum (two full passes) unless a row's
      // weights underflow, which only happens for queries far from every key.
      const sums = tf.matMul(tf.exp(scores), yAug);
      const num = tf.slice(sums, [0, 0], [-1, c]);
      if (!normalize) return tf.div(num, n);
      const den = tf.slice(sums, [0, c], [-1, 1]);
      if ((den.dataSync() as Float32Array).every((d) => d > SAFE_DENOMINATOR)) return tf.div(num, den);
    }
    if (space.logSpace) {
      const m = tf.max(scores, 1, true);
      const sums = tf.matMul(tf.exp(tf.sub(scores, m)), yAug);
      const num = tf.slice(sums, [0, 0], [-1, c]);
      if (!normalize) return tf.mul(num, tf.div(tf.exp(m), n));
      return tf.div(num, tf.slice(sums, [0, c], [-1, 1]));
    }
    const sums = tf.matMul(scores, yAug);
    const num = tf.slice(sums, [0, 0], [-1, c]);
    if (!normalize) return tf.div(num, n);
    const den = tf.slice(sums, [0, c], [-1, 1]);
    // Signed kernels (linear, cosine, poly) can sum to ~0: use the most similar key instead.
    const scale = tf.max(tf.abs(scores), 1, true);
    const degenerate = tf.lessEqual(tf.abs(den), tf.mul(scale, 1e-6));
    const nearest = tf.gather(tf.slice(yAug, [0, 0], [-1, c]), tf.argMax(scores, 1));
    return tf.where(tf.broadcastTo(degenerate, num.shape), nearest, tf.div(num, den));
  }) as tf.Tensor2D;
}
