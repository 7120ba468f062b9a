import { type Matrix, matrixRow, OptionError, ShapeError, tf } from '@iclkr/core';
import { batchRows, DEFAULT_MAX_MEMORY_BYTES, forEachBatch, type ProgressCallback } from './batching.js';
import { checkBandwidth, hasBandwidth, type KernelName, type KernelSpec, prepareKeys, toTensor } from './kernel.js';
import { combineScores } from './combine.js';
import { augmentedTargets, checkFit, outputCount, targetMatrix, type Targets } from './targets.js';

/** How leave-one-out picks the bandwidth. */
export interface LooOptions {
  /** Candidate bandwidths; default: `defaultBandwidthGrid`. */
  readonly grid?: readonly number[];
  /** `grid` (default): best grid value; `golden`: then golden-section search around it (log scale). */
  readonly search?: 'grid' | 'golden';
  /** Score with the unnormalised (1/n) estimator instead of the normalised one. */
  readonly normalize?: boolean;
  readonly maxMemoryBytes?: number;
  readonly onProgress?: ProgressCallback;
}

/** The chosen bandwidth with every bandwidth tried and its leave-one-out loss. */
export interface BandwidthSelection {
  readonly bandwidth: number;
  readonly search: 'grid' | 'golden';
  readonly grid: number[];
  readonly losses: number[];
  /** Candidate bandwidths whose loss overflowed float32 (left out of grid and losses). */
  readonly skipped: number[];
}

function pairScale(kernel: KernelName, x: Matrix): number {
  const n = x.rows;
  const samples = Math.min(n, 512);
  const values: number[] = [];
  for (let s = 0; s < samples; s++) {
    const i = Math.floor((s * n) / samples);
    const a = matrixRow(x, i);
    const b = matrixRow(x, (i + Math.max(1, Math.floor(n / 2))) % n);
    let v = 0;
    for (let k = 0; k < a.length; k++) {
      if (kernel === 'rbf') v += (a[k] - b[k]) ** 2;
      else if (kernel === 'laplacian') v += Math.abs(a[k] - b[k]);
      else v += a[k] * b[k];
    }
    values.push(kernel === 'rbf' ? Math.sqrt(v) : v);
  }
  let scale: number;
  if (kernel === 'attention') {
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    scale = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
  } else {
    values.sort((p, q) => p - q);
    scale = values[Math.floor(values.length / 2)];
  }
  return scale > 0 && Number.isFinite(scale) ? scale : 1;
}

/**
 * Default candidates: the data's own scale (median pair distance for rbf and laplacian, spread
 * of dot products for attention) times 2^(k/2) for k = -12..6.
 */
export function defaultBandwidthGrid(kernel: KernelName, x: Matrix): number[] {
  const scale = pairScale(kernel, x);
  return Array.from({ length: 19 }, (_, k) => scale * 2 ** ((k - 12) / 2));
}

/**
 * Leave-one-out loss of Nadaraya–Watson for each bandwidth in `hs`: the mean over training
 * examples of the squared error between target (one-hot for classes) and the estimate from all
 * other examples. Closed form: the example's own kernel weight is removed, no refitting.
 * Distances are computed once per batch and reused for every bandwidth.
 */
export function looLosses(
  spec: KernelSpec,
  x: Matrix,
  targets: Targets,
  hs: readonly number[],
  options: Omit<LooOptions, 'grid' | 'search'> = {},
): number[] {
  checkFit(x, targets);
  if (x.rows < 2) throw new ShapeError('leave-one-out needs at least 2 training rows', 'give more training data');
  hs.forEach((h) => checkBandwidth(h));
  const n = x.rows;
  const c = outputCount(targets);
  const y = targetMatrix(targets);
  const losses = new Float64Array(hs.length);
  const keys = toTensor(x);
  const prepared = prepareKeys(spec, keys);
  const yAug = augmentedTargets(targets);
  try {
    const size = batchRows(options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES, n, prepared.bytesPerPair * 2);
    forEachBatch(
      n,
      size,
      (start, count) => {
        const base = tf.tidy(() => {
          const q = tf.slice(keys, [start, 0], [count, -1]);
          const self = tf.cast(tf.oneHot(tf.range(start, start + count, 1, 'int32'), n), 'bool');
          return tf.where(self, tf.fill([count, n], Number.NEGATIVE_INFINITY), prepared.base(q));
        });
        hs.forEach((h, k) => {
          const pred = tf.tidy(() =>
            combineScores(
              tf.div(base, prepared.divisor(h)),
              { logSpace: true, nonPositive: prepared.nonPositive },
              yAug,
              options.normalize ?? true,
            ),
          );
          const p = pred.dataSync();
          pred.dispose();
          for (let r = 0; r < count; r++) {
            for (let j = 0; j < c; j++) losses[k] += (p[r * c + j] - y[(start + r) * c + j]) ** 2;
          }
        });
        base.dispose();
      },
      options.onProgress,
    );
  } finally {
    prepared.dispose();
    tf.dispose([keys, yAug]);
  }
  return Array.from(losses, (l) => l / n);
}

const GOLDEN = (Math.sqrt(5) - 1) / 2;

/** Chooses the bandwidth that minimises the leave-one-out loss (see `looLosses`). */
export function selectBandwidth(spec: KernelSpec, x: Matrix, targets: Targets, options: LooOptions = {}): BandwidthSelection {
  if (!hasBandwidth(spec.kernel)) {
    throw new OptionError(`kernel ${spec.kernel} has no bandwidth to select`, 'use rbf, laplacian or attention');
  }
  const grid = [...(options.grid ?? defaultBandwidthGrid(spec.kernel, x))].sort((a, b) => a - b);
  if (grid.length === 0) throw new OptionError('empty bandwidth grid', 'give at least one candidate bandwidth');
  const search = options.search ?? 'grid';
  const tried = new Map<number, number>();
  // A loss that overflows (exp(<a,b>/tau) past float32 in the 1/n form, a bandwidth near 0) is
  // infinite: such bandwidths are never chosen, and the selection lists them as skipped.
  const finite = (l: number) => (Number.isFinite(l) ? l : Number.POSITIVE_INFINITY);
  const losses = looLosses(spec, x, targets, grid, options).map(finite);
  grid.forEach((h, k) => tried.set(h, losses[k]));
  if (losses.every((l) => l === Number.POSITIVE_INFINITY)) {
    throw new OptionError(
      `the leave-one-out loss overflows float32 at every candidate bandwidth (${grid[0].toPrecision(3)} to ${grid[grid.length - 1].toPrecision(3)})`,
      'give a larger bandwidth, or use the normalised estimator',
    );
  }
  const best = () => [...tried.entries()].reduce((a, b) => (b[1] < a[1] ? b : a))[0];
  if (search === 'golden' && grid.length > 1) {
    const i = grid.indexOf(best());
    let lo = Math.log(grid[Math.max(0, i - 1)]);
    let hi = Math.log(grid[Math.min(grid.length - 1, i + 1)]);
    const loss = (t: number) => {
      const h = Math.exp(t);
      if (!tried.has(h)) tried.set(h, finite(looLosses(spec, x, targets, [h], options)[0]));
      return tried.get(h)!;
    };
    for (let iter = 0; iter < 16; iter++) {
      const a = hi - GOLDEN * (hi - lo);
      const b = lo + GOLDEN * (hi - lo);
      if (loss(a) <= loss(b)) hi = b;
      else lo = a;
    }
  }
  const all = [...tried.entries()].sort((a, b) => a[0] - b[0]);
  const kept = all.filter((e) => e[1] < Number.POSITIVE_INFINITY);
  return {
    bandwidth: best(),
    search,
    grid: kept.map((e) => e[0]),
    losses: kept.map((e) => e[1]),
    skipped: all.filter((e) => e[1] === Number.POSITIVE_INFINITY).map((e) => e[0]),
  };
}
