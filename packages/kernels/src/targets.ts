import { type Matrix, ShapeError, tf } from '@iclkr/core';

/** Training targets: class labels in [0, numClasses) or real values. */
export type Targets =
  | { readonly kind: 'class'; readonly labels: ArrayLike<number>; readonly numClasses: number }
  | { readonly kind: 'real'; readonly values: ArrayLike<number> };

/** Number of outputs an estimator produces for these targets (classes, or 1). */
export function outputCount(targets: Targets): number {
  return targets.kind === 'class' ? targets.numClasses : 1;
}

/** Number of training examples the targets describe. */
export function targetCount(targets: Targets): number {
  return targets.kind === 'class' ? targets.labels.length : targets.values.length;
}

/** Targets as an [n, C] float64 matrix: one-hot rows for classes, a column for real values. */
export function targetMatrix(targets: Targets): Float64Array {
  const n = targetCount(targets);
  const c = outputCount(targets);
  const y = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    if (targets.kind === 'real') {
      y[i] = targets.values[i];
      continue;
    }
    const label = targets.labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= c) {
      throw new ShapeError(`label ${label} of example ${i} is outside [0, ${c})`, 'give labels 0..C-1');
    }
    y[i * c + label] = 1;
  }
  return y;
}

/** [n, C + 1] tensor: the targets with a column of ones (so one matmul gives numerator and denominator). */
export function augmentedTargets(targets: Targets): tf.Tensor2D {
  const n = targetCount(targets);
  const c = outputCount(targets);
  const y = targetMatrix(targets);
  const aug = new Float32Array(n * (c + 1));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) aug[i * (c + 1) + j] = y[i * c + j];
    aug[i * (c + 1) + c] = 1;
  }
  return tf.tensor2d(aug, [n, c + 1]);
}

/** Checks that features and targets describe the same examples. */
export function checkFit(x: Matrix, targets: Targets): void {
  if (x.rows !== targetCount(targets)) {
    throw new ShapeError(`${x.rows} training rows but ${targetCount(targets)} targets`, 'give one target per training row');
  }
  if (x.rows === 0) throw new ShapeError('no training rows', 'give at least one training example');
  targetMatrix(targets);
}

/** Index of the largest value in each row of a [rows, cols] matrix (first on ties). */
export function argmaxRows(m: Matrix): Int32Array {
  const out = new Int32Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let best = 0;
    for (let j = 1; j < m.cols; j++) if (m.data[i * m.cols + j] > m.data[i * m.cols + best]) best = j;
    out[i] = best;
  }
  return out;
}
