/**
 * @iclkr/kernels — kernels over feature matrices, Nadaraya–Watson and kernel ridge estimators,
 * leave-one-out bandwidth selection and the metrics the paper reports.
 */

/** Kernel names, specs and key preparation (rbf, laplacian, attention, linear, cosine, poly, precomputed). */
export {
  checkBandwidth,
  hasBandwidth,
  KERNEL_NAMES,
  type KernelName,
  type KernelSpec,
  type PreparedKeys,
  parseKernelName,
  prepareKeys,
  toTensor,
} from './kernel.js';
/** The kernel matrix K(a_i, b_j) and batched streaming of query blocks against prepared keys. */
export { type GramOptions, gram, mapKernelBatches } from './gram.js';
/** Nadaraya–Watson output from a score block: log-sum-exp safe, normalised or (1/n). */
export { combineScores, type ScoreSpace } from './combine.js';
/** Nadaraya–Watson kernel regression (classification and real-valued), fit/predict. */
export { NadarayaWatson, type NadarayaWatsonOptions } from './nadaraya-watson.js';
/** Kernel ridge regression, fit/predict, solved by Cholesky. */
export { KernelRidge, type KernelRidgeOptions } from './ridge.js';
/** Leave-one-out bandwidth selection (closed form for Nadaraya–Watson) over a grid or golden search. */
export {
  type BandwidthSelection,
  defaultBandwidthGrid,
  type LooOptions,
  looLosses,
  selectBandwidth,
} from './bandwidth.js';
/** Training targets (class labels or real values) and helpers. */
export { argmaxRows, augmentedTargets, outputCount, type Targets, targetMatrix } from './targets.js';
/** Query batching under a memory budget, with progress callbacks. */
export { batchRows, DEFAULT_MAX_MEMORY_BYTES, forEachBatch, type ProgressCallback } from './batching.js';
/** Dense float64 Cholesky factorisation and solve. */
export { cholesky, choleskySolve } from './linalg.js';
/**
 * Metrics: accuracy, agreement, Pearson, Spearman, L1, total variation, KL, MSE, MAE; argmax with tie credit, Wilson intervals
 * of proportions and normal intervals of means.
 */
export {
  accuracy,
  agreement,
  argmax,
  argmaxCredit,
  klDivergence,
  l1Distance,
  meanAbsoluteError,
  meanInterval,
  meanSquaredError,
  pearson,
  ranks,
  spearman,
  totalVariation,
  wilsonProportion,
} from './metrics.js';
/** Kernel regression from one table to another (the job behind `iclkr kernel-regress`). */
export {
  inferMode,
  type KernelRegressionResult,
  type KernelRegressionSettings,
  kernelRegression,
  type RegressionMode,
} from './regression-job.js';
