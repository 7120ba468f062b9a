/**
 * @iclkr/retrieval — demonstration selectors for in-context learning. Each is an estimator:
 * `fit(pool)` once, then `select(query, n, rng)` returns pool indices with the score each got, in
 * the order the strategy chose them; `orderDemonstrations` lays them out for a prompt.
 */

/** The contract: pools, queries, selections, the Retriever interface and the shared checks. */
export {
  BaseRetriever,
  checkPool,
  checkQuery,
  checkShots,
  type Pool,
  type Query,
  type Retriever,
  type Selection,
} from './retriever.js';
/** Prompt orders of a selection (`selected`, `ascending`: best nearest the query, `random`: seeded) and the reordering. */
export { DEMONSTRATION_ORDERS, type DemonstrationOrder, orderDemonstrations } from './retriever.js';
/** The n highest scores, best first (ties to the lower index), as a selection. */
export { topN } from './retriever.js';
/** The strategy registry, its names, a name parser and the factory with checked options. */
export {
  createRetriever,
  parseStrategy,
  RETRIEVAL_STRATEGIES,
  RETRIEVAL_STRATEGY_NAMES,
  type RetrievalStrategy,
  type RetrieverOptions,
  type StrategyInfo,
} from './registry.js';
/** `random`: uniform draws without replacement. */
export { RandomRetriever } from './random.js';
/** `balanced`: equal counts per class, random within class; the per-class counts on their own. */
export { BalancedRetriever, balancedCounts } from './balanced.js';
/** `bm25`: Okapi BM25 ranking and the index behind it. */
export { Bm25Index, type Bm25Options, Bm25Retriever } from './bm25.js';
/** `knn`: KATE nearest neighbours by cosine (features, else TF-IDF). */
export { KnnRetriever } from './knn.js';
/** `model-kernel`: the model's similarity P(o|x)^T P(o|x') from caller-given next-token distributions. */
export { ModelKernelRetriever } from './model-kernel.js';
/** `in-distribution`: the pool texts of lowest perplexity under the model, from caller-given mean log-probabilities. */
export { InDistributionRetriever } from './in-distribution.js';
/** `dpp`: greedy DPP MAP over the most relevant candidates; the greedy inference and OpenICL's kernel on their own. */
export { type DppOptions, DppRetriever, dppKernel, greedyMapDpp } from './dpp.js';
/** `votek`: vote-k selective annotation; the kNN graph and the greedy vote on their own. */
export { knnGraph, voteK, type VotekOptions, VotekRetriever } from './votek.js';
/** `kmedoids`: representative medoids by PAM (BUILD + SWAP) on cosine distance, CLARA sampling for large pools. */
export { assign, type KMedoidsOptions, KMedoidsRetriever, kMedoids, type Medoids } from './kmedoids.js';
/** `zero`: no demonstrations (the zero-shot baseline). */
export { ZeroRetriever } from './zero.js';
/** `mdl`: the candidate set of least model label entropy (Wu et al. 2022); the candidate sets on their own. */
export { type LabelEntropy, MDL_DEFAULTS, type MdlOptions, MdlRetriever, mdlCandidateSets } from './mdl.js';
/** `hidden-knn`: nearest by cosine of caller-given hidden states (mean-pooled, a chosen layer). */
export { HiddenKnnRetriever } from './hidden-knn.js';
/** `attention-kernel`: one head's pre-softmax query-key score from caller-given keys and query vectors. */
export { AttentionKernelRetriever } from './attention-kernel.js';
/** `true-kernel` and `belief`: ranked by a caller-given kernel against the pool (a task world's own kernels). */
export { type KernelScoreOptions, KernelScoreRetriever, type PoolKernel } from './kernel-score.js';
/** Lexical features: word tokens, sparse TF-IDF vectors with cosine against a pool, sparse dot products. */
export { type SparseVector, sparseDot, TfIdf, tokenize } from './text.js';
/** Cosine similarity over a pool (its feature rows via @iclkr/kernels, else TF-IDF), shared by the similarity strategies. */
export { type CosineSpace, cosineSpace } from './space.js';
