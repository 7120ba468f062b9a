/**
 * @iclkr/theory — HMM task worlds, sampling, the exact Bayesian predictive, the theorem's
 * belief-state kernel and the convergence experiment (SPEC §2).
 */

/** World types: the JSON form (WorldSpec, TaskSpec) and the compiled form (World, Task). */
export type { Task, TaskSpec, World, WorldSpec } from './world.js';
/** World validation: compile a WorldSpec to flat float64 matrices (DataError naming the JSON path and the fix). */
export { compileWorld, SUM_TOLERANCE } from './world.js';
/** World JSON: parse (validated; bad JSON is a DataError) and print (small fields first, one matrix row per line). */
export { parseWorldJson, worldToJson } from './world-json.js';
/** The paper's random HMM world (Table 3): shared dynamics, the task is its start state, a delimiter state that restarts. */
export { type RandomWorldParams, randomWorld } from './generators/random.js';
/** Xie et al.'s GINC world with generate_data.py's parameter names and defaults (5 in-distribution + 5 OOD concepts). */
export { type GincParams, gincWorld } from './generators/ginc.js';
/** The classification world: C classes, L shared label tokens, a task is a labelling (class -> label). */
export { type ClassifyParams, classifyWorld, MAX_FRESH_LABELLINGS } from './generators/classify.js';
/** Named worlds (paper-table3, ginc, classify, recall) built from a seed; an unknown name is an OptionError. */
export { PRESET_NAMES, PRESETS, type PresetName, type PresetParams, presetParams, worldFromPreset } from './presets.js';
/** Seeded streaming sampling: ICL segments and prompts, a prompt's token sequence, pre-training documents. */
export {
  type Document,
  type DocumentOptions,
  documents,
  type LabelMode,
  type Prompt,
  type PromptOptions,
  promptTokens,
  samplePrefixPrompt,
  samplePrompt,
  sampleSegment,
  type Segment,
  type SegmentOptions,
} from './sample.js';
/** Corpus format (browser-safe): document-aligned token chunks, the corpus.json description, little-endian token bytes. */
export {
  CORPUS_FILES,
  CORPUS_FORMAT,
  CORPUS_VERSION,
  type CorpusChunk,
  type CorpusDescription,
  type CorpusDtype,
  corpusChunks,
  corpusDtype,
  corpusRng,
  decodeTokens,
  describeCorpus,
  dtypeBytes,
  parseCorpusDescription,
  tokenBytes,
} from './corpus.js';
/** Exact Bayesian predictive of ICL prompts: P(task | prompt) and P(y | prompt), restart or continuous mode, float64. */
export {
  BAYES_MODES,
  type BayesMode,
  type BayesOptions,
  type BayesPrediction,
  bayesPredictive,
  type IclPrompt,
} from './bayes.js';
/** Scaled forward/backward passes of one HMM, kept on the states that emit each token (the engine of bayesPredictive). */
export { compileDynamics, type Dynamics, ScaledPass } from './forward.js';
/** Belief-state operators vec(T_x), belief vectors p_pre^T T_x, and the merged HMM's dynamics blocks. */
export { beliefOperators, beliefVectors, type DynamicsBlock, dynamicsBlocks } from './belief.js';
/** The theorem's kernel vec(T_x)^T (Sigma + lambda I)^-1 vec(T_x') by Woodbury, with eta and eps_theta. */
export {
  MAX_OPERATOR_DIMENSION,
  sampleInputs,
  THEOREM_KERNEL_DEFAULTS,
  TheoremKernel,
  type TheoremKernelOptions,
} from './theorem-kernel.js';
/**
 * The convergence experiment (the paper's Table 3): estimator vs exact Bayes per n, with intervals;
 * the estimator kernels' values per prompt.
 */
export {
  BOUNDS_AUTO_FLOPS,
  type ConvergenceProgress,
  type ConvergenceResult,
  type ConvergenceSettings,
  DEFAULT_TEMPERATURE,
  defaultEstimatorKernel,
  ESTIMATOR_KERNELS,
  estimatorKernelRows,
  type EstimatorKernel,
  PAPER_TABLE3,
  runConvergence,
} from './convergence.js';
