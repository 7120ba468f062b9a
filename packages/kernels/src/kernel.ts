import { type Matrix, OptionError, ShapeError, tf } from '@iclkr/core';
import { keyBlocks } from './blocks.js';

/** The kernels this package evaluates. */
export const KERNEL_NAMES = ['rbf', 'laplacian', 'attention', 'linear', 'cosine', 'poly', 'precomputed'] as const;

/** A kernel's name. */
export type KernelName = (typeof KERNEL_NAMES)[number];

/**
 * A kernel and its parameters:
 * - `rbf`: exp(-|a-b|^2 / (2 h^2)), h = `bandwidth`;
 * - `laplacian`: exp(-|a-b|_1 / h) (L1 distance, as scikit-learn's laplacian_kernel);
 * - `attention`: exp(<a,b> / tau), tau = `bandwidth` (what a softmax attention head computes);
 * - `linear`: <a,b>; `cosine`: <a,b>/(|a||b|); `poly`: (gamma <a,b> + coef0)^degree
 *   (defaults as scikit-learn: degree 3, gamma 1/features, coef0 1);
 * - `precomputed`: the query rows already hold K(query, key) for every key (or log K with `log`).
 */
export interface KernelSpec {
  readonly kernel: KernelName;
  readonly bandwidth?: number;
  readonly degree?: number;
  readonly gamma?: number;
  readonly coef0?: number;
  /** For `precomputed`: the values are log K (e.g. attention logits) rather than K. */
  readonly log?: boolean;
}

/** Kernels with a bandwidth (temperature for `attention`), the ones leave-one-out can tune. */
export function hasBandwidth(name: KernelName): boolean {
  return name === 'rbf' || name === 'laplacian' || name === 'attention';
}

/** Parses a kernel name, with a clear error for anything else. */
export function parseKernelName(value: string): KernelName {
  if ((KERNEL_NAMES as readonly string[]).includes(value)) return value as KernelName;
  throw new OptionError(`unknown kernel '${value}'`, `use one of ${KERNEL_NAMES.join(', ')}`);
}

/** Checks a bandwidth value: finite and positive. */
export function checkBandwidth(h: number, what = 'bandwidth'): number {
  if (!Number.isFinite(h) || h <= 0) {
    throw new OptionError(`${what} ${h} is not a positive number`, `give a ${what} > 0`);
  }
  return h;
}

/**
 * Keys prepared once for scoring many query batches. `scores(q, h)` returns, for a [b, d]
 * query batch, the [b, n] matrix of log K (when `logSpace`) or K. For bandwidth kernels
 * log K = base / divisor(h), so bandwidth search can reuse `base` across bandwidths.
 */
export interface PreparedKeys {
  readonly spec: KernelSpec;
  readonly count: number;
  /** Scores are log K (exponential kernels) rather than K. */
  readonly logSpace: boolean;
  /** log K <= 0 for every pair (rbf, laplacian), so exp cannot overflow. */
  readonly nonPositive: boolean;
  /** Bytes of intermediate tensors per (query, key) pair, for sizing batches. */
  readonly bytesPerPair: number;
  /** Kernel scores for a query batch at bandwidth h (ignored by kernels without one). */
  scores(queries: tf.Tensor2D, h?: number): tf.Tensor2D;
  /**
   * rbf only: log K at bandwidth h in key blocks of `blockWidths` keys, each [b, w + 1] and ending
   * in a column of zeros (a virtual key with log K = 0).
   */
  readonly scoreBlocks?: (queries: tf.Tensor2D, h: number) => tf.Tensor2D[];
  /** Keys in each of the blocks `scoreBlocks` returns, in order. */
  readonly blockWidths?: readonly number[];
  /** Bandwidth-free score (only for bandwidth kernels): log K = base / divisor(h). */
  base(queries: tf.Tensor2D): tf.Tensor2D;
  /** The divisor that turns `base` into log K at bandwidth h. */
  divisor(h: number): number;
  /** Releases the tensors held for the keys. */
  dispose(): void;
}

function sumSquares(x: tf.Tensor2D): tf.Tensor2D {
  return tf.sum(tf.square(x), 1, true) as tf.Tensor2D;
}

/**
 * Squared distances as one matmul: with a' = [a, -|a|^2/2, 1] and b' = [b, 1, -|b|^2/2],
 * <a', b'> = -|a-b|^2 / 2. Features are centred on the key mean first, which keeps the
 * float32 cancellation small.
 */
function prepareRbf(spec: KernelSpec, keys: tf.Tensor2D): PreparedKeys {
  const [n, d] = keys.shape;
  const [mean, c, norms] = tf.tidy(() => {
    const mu = tf.mean(keys, 0, true);
    const centred = tf.sub(keys, mu) as tf.Tensor2D;
    return [mu, centred, sumSquares(centred)];
  });
  // The keys' side [c, 1, -|c|^2/2], one key a row, laid out here rather than by concat.
  const [cv, nv] = [c.dataSync() as Float32Array, norms.dataSync() as Float32Array];
  tf.dispose([c, norms]);
  const rows = new Float32Array(n * (d + 2));
  for (let i = 0; i < n; i++) {
    rows.set(cv.subarray(i * d, (i + 1) * d), i * (d + 2));
    rows[i * (d + 2) + d] = 1;
    rows[i * (d + 2) + d + 1] = -0.5 * nv[i];
  }
  const blocks = keyBlocks(rows, d + 2);
  const augmentQueries = (q: tf.Tensor2D, scale: number) =>
    tf.tidy(() => {
      const c = tf.sub(q, mean) as tf.Tensor2D;
      return tf.mul(tf.concat([c, tf.mul(sumSquares(c), -0.5), tf.onesLike(sumSquares(c))], 1), scale) as tf.Tensor2D;
    });
  return {
    spec,
    count: n,
    logSpace: true,
    nonPositive: true,
    bytesPerPair: 16,
    base: (q) => tf.tidy(() => blocks.times(augmentQueries(q, 1))),
    divisor: (h) => h * h,
    scores(q, h) {
      const hh = checkBandwidth(h ?? Number.NaN);
      // Scaling the narrow query batch instead of the wide score matrix saves a full pass.
      return tf.tidy(() => blocks.times(augmentQueries(q, 1 / (hh * hh))));
    },
    scoreBlocks(q, h) {
      const hh = checkBandwidth(h);
      return tf.tidy(() => blocks.withZeroKey(augmentQueries(q, 1 / (hh * hh))));
    },
    blockWidths: blocks.widths,
    dispose: () => {
      mean.dispose();
      blocks.dispose();
    },
  };
}

function prepareLaplacian(spec: KernelSpec, keys: tf.Tensor2D): PreparedKeys {
  const keys3 = tf.expandDims(keys, 0);
  const base = (q: tf.Tensor2D) => tf.tidy(() => tf.neg(tf.sum(tf.abs(tf.sub(tf.expandDims(q, 1), keys3)), 2)) as tf.Tensor2D);
  return {
    spec,
    count: keys.shape[0],
    logSpace: true,
    nonPositive: true,
    bytesPerPair: 8 * keys.shape[1] + 16,
    base,
    divisor: (h) => h,
    scores: (q, h) => tf.tidy(() => tf.div(base(q), checkBandwidth(h ?? Number.NaN))),
    dispose: () => keys3.dispose(),
  };
}

function prepareDot(
  spec: KernelSpec,
  keys: tf.Tensor2D,
  transform: (x: tf.Tensor2D) => tf.Tensor2D,
  finish: (s: tf.Tensor2D) => tf.Tensor2D,
  logSpace: boolean,
): PreparedKeys {
  const isAttention = spec.kernel === 'attention';
  const blocks = keyBlocks(
    tf.tidy(() => transform(keys).dataSync() as Float32Array),
    keys.shape[1],
  );
  const base = (q: tf.Tensor2D) => tf.tidy(() => finish(blocks.times(transform(q))));
  return {
    spec,
    count: keys.shape[0],
    logSpace,
    nonPositive: false,
    bytesPerPair: 16,
    base,
    divisor: (h) => (isAttention ? h : 1),
    scores(q, h) {
      if (!isAttention) return base(q);
      const tau = checkBandwidth(h ?? Number.NaN, 'temperature');
      return tf.tidy(() => blocks.times(tf.div(q, tau)));
    },
    dispose: () => blocks.dispose(),
  };
}

function preparePrecomputed(spec: KernelSpec, count: number): PreparedKeys {
  const base = (q: tf.Tensor2D) => {
    if (q.shape[1] !== count) {
      throw new ShapeError(
        `precomputed kernel rows have ${q.shape[1]} columns but there are ${count} keys`,
        'give one kernel value per training example in every row',
      );
    }
    return tf.clone(q);
  };
  return {
    spec,
    count,
    logSpace: spec.log === true,
    nonPositive: false,
    bytesPerPair: 16,
    base,
    divisor: () => 1,
    scores: (q) => base(q),
    dispose: () => {},
  };
}

/**
 * Prepares keys for a kernel. For `precomputed`, `keys` is the [n, n] Gram matrix of the
 * training set (only its row count matters) and queries are rows of kernel values.
 */
export function prepareKeys(spec: KernelSpec, keys: tf.Tensor2D): PreparedKeys {
  const d = keys.shape[1];
  switch (spec.kernel) {
    case 'rbf':
      return prepareRbf(spec, keys);
    case 'laplacian':
      return prepareLaplacian(spec, keys);
    case 'attention':
      return prepareDot(
        spec,
        keys,
        (x) => x,
        (s) => s,
        true,
      );
    case 'linear':
      return prepareDot(
        spec,
        keys,
        (x) => x,
        (s) => s,
        false,
      );
    case 'cosine':
      return prepareDot(
        spec,
        keys,
        // A zero row has no direction: its cosine with anything is defined as 0.
        (x) => tf.div(x, tf.maximum(tf.sqrt(sumSquares(x)), 1e-30)),
        (s) => s,
        false,
      );
    case 'poly': {
      const degree = spec.degree ?? 3;
      const gamma = spec.gamma ?? 1 / d;
      const coef0 = spec.coef0 ?? 1;
      return prepareDot(
        spec,
        keys,
        (x) => x,
        (s) => tf.pow(tf.add(tf.mul(s, gamma), coef0), degree),
        false,
      );
    }
    case 'precomputed':
      return preparePrecomputed(spec, keys.shape[0]);
  }
}

/** Uploads a Matrix as a [rows, cols] float32 tensor. */
export function toTensor(m: Matrix): tf.Tensor2D {
  return tf.tensor2d(m.data, [m.rows, m.cols], 'float32');
}
