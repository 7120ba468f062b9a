import { classTargets, DataError, looksLikeClasses, type Matrix, type NumericTable, OptionError, realTargets } from '@iclkr/core';
import type { ProgressCallback } from './batching.js';
import { hasBandwidth, type KernelSpec } from './kernel.js';
import { accuracy, meanAbsoluteError, meanSquaredError, pearson, spearman } from './metrics.js';
import { NadarayaWatson } from './nadaraya-watson.js';
import { argmaxRows } from './targets.js';

/** Whether the target is a class label or a real value. */
export type RegressionMode = 'classify' | 'regress';

/** Settings of a kernel-regression run on two tables. */
export interface KernelRegressionSettings extends Omit<KernelSpec, 'bandwidth'> {
  /** A bandwidth, or `loo` (the default for rbf, laplacian and attention). */
  readonly bandwidth?: number | 'loo';
  /** Default: classify when a target is not a number or there are at most 20 distinct integers. */
  readonly mode?: RegressionMode;
  readonly normalize?: boolean;
  readonly looSearch?: 'grid' | 'golden';
  readonly maxMemoryBytes?: number;
  /** Progress of the two stages: bandwidth selection, then prediction. */
  readonly onProgress?: (stage: 'loo' | 'predict', done: number, total: number) => void;
}

/** What a kernel-regression run produced (the body of a kernel-regress report). */
export interface KernelRegressionResult {
  readonly mode: RegressionMode;
  readonly bandwidth: number | null;
  readonly predictions: number[] | { label: string; weights: Record<string, number> }[];
  /** Test metrics; null where undefined (a correlation with a constant series), with the reason in `metricNotes`. */
  readonly metrics: Record<string, number | null>;
  readonly metricNotes: Record<string, string>;
  readonly loo: { grid: number[]; losses: number[]; search: string; skipped: number[] } | null;
}

/**
 * Whether a series is constant up to float32 rounding (its range at most 1e-6 of its magnitude):
 * a correlation with it is undefined, and computing one would correlate rounding noise.
 */
function constantSeries(values: ArrayLike<number>): boolean {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return hi - lo <= 1e-6 * Math.max(1, Math.abs(lo), Math.abs(hi));
}

/** Refuses predictions that overflowed float32 (the 1/n form at a small bandwidth, features near 1e30): never a NaN in a report. */
function checkFinite(values: ArrayLike<number>, bandwidth: number | undefined): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new OptionError(
        `the predictions overflow float32${bandwidth === undefined ? '' : ` at bandwidth ${bandwidth.toPrecision(3)}`}`,
        'give a larger bandwidth, scale the features down, or use the normalised estimator',
      );
    }
  }
}

/** The default mode for a target column: classes when non-numeric or few distinct integers. */
export function inferMode(values: readonly string[]): RegressionMode {
  return looksLikeClasses(values) ? 'classify' : 'regress';
}

/** Test features in the training table's column order; a missing or extra column is an error. */
function alignFeatures(train: NumericTable, test: NumericTable): Matrix {
  const index = new Map(test.featureNames.map((name, c) => [name, c]));
  const missing = train.featureNames.filter((n) => !index.has(n));
  const extra = test.featureNames.filter((n) => !train.featureNames.includes(n));
  if (missing.length > 0 || extra.length > 0) {
    const what = [
      missing.length ? `lacks ${missing.map((n) => `'${n}'`).join(', ')}` : '',
      extra.length ? `has extra ${extra.map((n) => `'${n}'`).join(', ')}` : '',
    ].filter(Boolean);
    throw new DataError(
      test.source,
      undefined,
      `feature columns differ from ${train.source}: the test file ${what.join(' and ')}`,
      'give train and test the same feature columns (and the same target column name)',
    );
  }
  const order = train.featureNames.map((n) => index.get(n)!);
  const { rows } = test.features;
  const cols = order.length;
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < cols; c++) data[i * cols + c] = test.features.data[i * test.features.cols + order[c]];
  }
  return { rows, cols, data };
}

/**
 * Fits Nadaraya–Watson on `train` and predicts every row of `test`; when the test table has the
 * target column, also scores the predictions (accuracy, or MSE/MAE/Pearson/Spearman).
 */
export function kernelRegression(train: NumericTable, test: NumericTable, settings: KernelRegressionSettings): KernelRegressionResult {
  if (!train.target || !train.targetName) {
    throw new DataError(train.source, undefined, 'the training table has no target column', 'pass --target NAME');
  }
  const queries = alignFeatures(train, test);
  const mode = settings.mode ?? inferMode(train.target);
  const bandwidth = settings.bandwidth ?? (hasBandwidth(settings.kernel) ? 'loo' : undefined);
  const progress = (stage: 'loo' | 'predict'): ProgressCallback | undefined =>
    settings.onProgress && ((done, total) => settings.onProgress!(stage, done, total));
  const nw = new NadarayaWatson({
    ...settings,
    bandwidth,
    loo: { search: settings.looSearch, onProgress: progress('loo') },
    onProgress: progress('predict'),
  });
  const lines = { source: train.source, lines: train.lines };
  const selection = () =>
    nw.selection
      ? { grid: nw.selection.grid, losses: nw.selection.losses, search: nw.selection.search, skipped: nw.selection.skipped }
      : null;

  if (mode === 'regress') {
    const values = realTargets(train.target, train.source, train.lines);
    const pred = nw.fit(train.features, { kind: 'real', values }).predict(queries);
    checkFinite(pred.data, nw.bandwidth);
    const predictions = Array.from(pred.data);
    const metrics: Record<string, number | null> = { n: predictions.length };
    const metricNotes: Record<string, string> = {};
    if (test.target) {
      const gold = realTargets(test.target, test.source, test.lines);
      Object.assign(metrics, { mse: meanSquaredError(predictions, gold), mae: meanAbsoluteError(predictions, gold) });
      const constant = constantSeries(predictions) ? 'the predictions are' : constantSeries(gold) ? "the test file's target is" : null;
      for (const [name, r] of [
        ['pearson', pearson],
        ['spearman', spearman],
      ] as const) {
        metrics[name] = constant === null ? r(predictions, gold) : null;
        if (constant !== null) metricNotes[name] = `undefined: ${constant} constant (up to float32 rounding)`;
      }
    }
    return { mode, bandwidth: nw.bandwidth ?? null, predictions, metrics, metricNotes, loo: selection() };
  }

  const { labels, labelNames } = classTargets(train.target, undefined, lines);
  if (labelNames.length < 2) {
    throw new OptionError(
      `the training target has a single class '${labelNames[0]}'`,
      'give training data with at least two classes, or use --mode regress',
    );
  }
  const weights = nw.fit(train.features, { kind: 'class', labels, numClasses: labelNames.length }).predict(queries);
  checkFinite(weights.data, nw.bandwidth);
  const predicted = argmaxRows(weights);
  const c = labelNames.length;
  const predictions = Array.from(predicted, (label, i) => ({
    label: labelNames[label],
    weights: Object.fromEntries(labelNames.map((name, j) => [name, weights.data[i * c + j]])),
  }));
  const metrics: Record<string, number | null> = { n: predictions.length };
  if (test.target) {
    const gold = test.target.map((v) => labelNames.indexOf(v.trim()));
    const unseen = gold.indexOf(-1);
    if (unseen >= 0) {
      throw new DataError(
        test.source,
        test.lines[unseen],
        `test label '${test.target[unseen].trim()}' is not one of the training labels (${labelNames.join(', ')})`,
        'give train and test the same label set, or drop the target column from the test file to only predict',
      );
    }
    metrics.accuracy = accuracy(predicted, gold);
  }
  return { mode, bandwidth: nw.bandwidth ?? null, predictions, metrics, metricNotes: {}, loo: selection() };
}
