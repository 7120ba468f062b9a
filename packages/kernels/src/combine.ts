import { tf } from '@iclkr/core';

/** How to read a score matrix: K itself, or log K (known to be <= 0 for rbf and laplacian). */
export interface ScoreSpace {
  readonly logSpace: boolean;
  readonly nonPositive: boolean;
}

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
    if (space.logSpace && normalize) {
      // softmax is exp(s - max) / sum, the normalised weights in one op: on wasm it runs XNNPACK's
      // vectorised, threaded kernel (3.4x faster than tf.exp alone on a [838, 20000] block).
      return tf.slice(tf.matMul(tf.softmax(scores), yAug), [0, 0], [-1, c]);
    }
    // log K <= 0 cannot overflow: the 1/n form needs no row maximum.
    if (space.logSpace && space.nonPositive) return tf.div(tf.slice(tf.matMul(tf.exp(scores), yAug), [0, 0], [-1, c]), n);
    if (space.logSpace) {
      const m = tf.max(scores, 1, true);
      const num = tf.slice(tf.matMul(tf.exp(tf.sub(scores, m)), yAug), [0, 0], [-1, c]);
      return tf.mul(num, tf.div(tf.exp(m), n));
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

/** Denominators above this are far from float32 underflow, so the weights relative to K = 1 are exact enough. */
const SAFE_DENOMINATOR = 1e-20;

/**
 * Augmented targets [n, C + 1] split like key blocks of `widths` keys, each [w + 1, C + 2]: the
 * block's rows with a 0 appended, then the virtual key's row (0, ..., 0, 1), for `combineZeroKeyBlocks`.
 */
export function zeroKeyTargets(yAug: tf.Tensor2D, widths: readonly number[]): tf.Tensor2D[] {
  const cols = yAug.shape[1];
  const y = yAug.dataSync() as Float32Array;
  let start = 0;
  return widths.map((w) => {
    const block = new Float32Array((w + 1) * (cols + 1));
    for (let i = 0; i < w; i++) block.set(y.subarray((start + i) * cols, (start + i + 1) * cols), i * (cols + 1));
    block[block.length - 1] = 1;
    start += w;
    return tf.tensor2d(block, [w + 1, cols + 1]);
  });
}

/**
 * The normalised Nadaraya–Watson output [b, C] from log K score blocks that each end in a virtual
 * key with log K = 0 (see PreparedKeys.scoreBlocks), for kernels with log K <= 0. softmax over a
 * block gives p_j = K_j / Z and the virtual key p_0 = 1 / Z, so p_j / p_0 = K_j: exp on XNNPACK's
 * vectorised softmax without joining the blocks into one [b, n] matrix first. Undefined when a
 * row's weights underflow (a query far from every key), for the log-sum-exp path.
 */
export function combineZeroKeyBlocks(blocks: readonly tf.Tensor2D[], targets: readonly tf.Tensor2D[]): tf.Tensor2D | undefined {
  const c = targets[0].shape[1] - 2;
  const sums = tf.addN(
    blocks.map((s, i) => {
      const r = tf.matMul(tf.softmax(s), targets[i]);
      return tf.div(tf.slice(r, [0, 0], [-1, c + 1]), tf.slice(r, [0, c + 1], [-1, 1]));
    }),
  );
  const den = tf.slice(sums, [0, c], [-1, 1]);
  if (!(den.dataSync() as Float32Array).every((d) => d > SAFE_DENOMINATOR)) return undefined;
  return tf.div(tf.slice(sums, [0, 0], [-1, c]), den) as tf.Tensor2D;
}
