import { type Matrix, OptionError, tf } from '@iclkr/core';
import { fittedFor } from './estimator.js';
import { selectBandwidth, type BandwidthSelection, type LooOptions } from './bandwidth.js';
import { batchRows, DEFAULT_MAX_MEMORY_BYTES, type ProgressCallback } from './batching.js';
import { mapQueryBatches } from './gram.js';
import { checkBandwidth, hasBandwidth, type KernelSpec, prepareKeys, toTensor } from './kernel.js';
import { combineScores, combineZeroKeyBlocks, zeroKeyTargets } from './combine.js';
import { augmentedTargets, checkFit, outputCount, type Targets } from './targets.js';

/** Options of the Nadaraya–Watson estimator. */
export interface NadarayaWatsonOptions extends Omit<KernelSpec, 'bandwidth'> {
  /** Fixed bandwidth, or `loo` to choose it by leave-one-out on the training set. */
  readonly bandwidth?: number | 'loo';
  /** `true` (default): sum_i K y_i / sum_i K; `false`: the theorem's (1/n) sum_i K y_i. */
  readonly normalize?: boolean;
  /** Leave-one-out search settings, used when `bandwidth` is `loo`. */
  readonly loo?: LooOptions;
  /** Budget for one batch's intermediate tensors; queries are streamed to stay under it. */
  readonly maxMemoryBytes?: number;
  /** Called as query batches complete. */
  readonly onProgress?: ProgressCallback;
}

/**
 * Nadaraya–Watson kernel regression, y_hat(x) = sum_i K(x, x_i) y_i / sum_i K(x, x_i), for
 * class labels (output: per-class weights) or real targets. fit(X, targets) then predict(Xq).
 */
export class NadarayaWatson {
  readonly options: NadarayaWatsonOptions;
  private readonly spec: KernelSpec;
  private train?: { x: Matrix; targets: Targets };
  /** The bandwidth in use after fit (undefined for kernels without one). */
  bandwidth: number | undefined;
  /** The leave-one-out search, when the bandwidth was chosen that way. */
  selection: BandwidthSelection | undefined;

  constructor(options: NadarayaWatsonOptions) {
    this.options = options;
    this.spec = { ...options, bandwidth: undefined };
    const { kernel, bandwidth } = options;
    if (hasBandwidth(kernel)) {
      if (bandwidth === undefined) {
        throw new OptionError(`kernel ${kernel} needs a bandwidth`, "pass a bandwidth > 0 or 'loo'");
      }
      if (bandwidth !== 'loo') checkBandwidth(bandwidth);
    } else if (bandwidth !== undefined) {
      throw new OptionError(`kernel ${kernel} has no bandwidth`, 'drop the bandwidth or use rbf, laplacian or attention');
    }
  }

  /** Stores the training set and, with `bandwidth: 'loo'`, selects the bandwidth. */
  fit(x: Matrix, targets: Targets): this {
    checkFit(x, targets);
    this.train = { x, targets };
    const { bandwidth } = this.options;
    if (bandwidth === 'loo') {
      this.selection = selectBandwidth(this.spec, x, targets, {
        maxMemoryBytes: this.options.maxMemoryBytes,
        normalize: this.options.normalize,
        ...this.options.loo,
      });
      this.bandwidth = this.selection.bandwidth;
    } else {
      this.bandwidth = bandwidth;
    }
    return this;
  }

  /** Estimates for each query row: [queries, C] class weights, or [queries, 1] values. */
  predict(queries: Matrix): Matrix {
    const { x, targets } = fittedFor(this.train, queries, this.options.kernel);
    const c = outputCount(targets);
    const out = new Float32Array(queries.rows * c);
    const keys = toTensor(x);
    const prepared = prepareKeys(this.spec, keys);
    const yAug = augmentedTargets(targets);
    const normalize = this.options.normalize ?? true;
    const h = this.bandwidth;
    // rbf: per key block, exp by softmax against a virtual key, no [b, n] concat (see combineZeroKeyBlocks).
    const { scoreBlocks, blockWidths } = prepared;
    const blocked =
      normalize && scoreBlocks && blockWidths && h !== undefined
        ? { scoreBlocks, h, targets: zeroKeyTargets(yAug, blockWidths) }
        : undefined;
    try {
      mapQueryBatches(
        queries,
        batchRows(this.options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES, prepared.count, prepared.bytesPerPair),
        (q) =>
          (blocked && combineZeroKeyBlocks(blocked.scoreBlocks(q, blocked.h), blocked.targets)) ??
          combineScores(prepared.scores(q, h), prepared, yAug, normalize),
        (values, start) => out.set(values, start * c),
        this.options.onProgress,
      );
    } finally {
      prepared.dispose();
      tf.dispose([keys, yAug, ...(blocked?.targets ?? [])]);
    }
    return { rows: queries.rows, cols: c, data: out };
  }
}
