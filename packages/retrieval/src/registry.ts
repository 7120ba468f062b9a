/** The strategies by name: what each does, whether it needs feature rows, and a factory with checked options. */
import { OptionError } from '@iclkr/core';
import { BalancedRetriever } from './balanced.js';
import { type Bm25Options, Bm25Retriever } from './bm25.js';
import { type DppOptions, DppRetriever } from './dpp.js';
import { InDistributionRetriever } from './in-distribution.js';
import { type KMedoidsOptions, KMedoidsRetriever } from './kmedoids.js';
import { KnnRetriever } from './knn.js';
import { AttentionKernelRetriever } from './attention-kernel.js';
import { HiddenKnnRetriever } from './hidden-knn.js';
import { type KernelScoreOptions, KernelScoreRetriever } from './kernel-score.js';
import { type MdlOptions, MdlRetriever } from './mdl.js';
import { ModelKernelRetriever } from './model-kernel.js';
import { RandomRetriever } from './random.js';
import type { Retriever } from './retriever.js';
import { type VotekOptions, VotekRetriever } from './votek.js';
import { ZeroRetriever } from './zero.js';

/** Every strategy's options, in one object (each strategy reads its own). */
export type RetrieverOptions = Bm25Options & DppOptions & VotekOptions & KMedoidsOptions & MdlOptions & KernelScoreOptions;

/** What the registry knows of a strategy. */
export interface StrategyInfo {
  /** One line: what it chooses. */
  readonly description: string;
  /** Where it comes from. */
  readonly citation: string;
  /**
   * `required`: the pool (and, unless query-independent, the queries) must carry features;
   * `optional`: used when given, else TF-IDF; `unused`.
   */
  readonly features: 'required' | 'optional' | 'unused';
  /**
   * What a language model gives the strategy: for required features, each text's next-token
   * distribution, its mean log-probability per token, its mean-pooled hidden state at a layer, or
   * one head's key (pool) and query (x_test) vectors; for `mdl`, the model's label entropy on the
   * query with a candidate set of demonstrations (a scoring function, options.labelEntropy).
   */
  readonly model?: 'next-token' | 'log-likelihood' | 'hidden' | 'attention' | 'label-entropy';
  /**
   * A task world's kernel the strategy ranks by (options.kernel): the theorem's where it fits, else
   * the belief-state one (`true`), or the belief-state inner product (`belief`). Text has neither.
   */
  readonly worldKernel?: 'true' | 'belief';
  /** The same demonstrations for every query. */
  readonly queryIndependent: boolean;
  create(options: RetrieverOptions): Retriever;
}

/** The strategies, in the order help texts list them. */
export const RETRIEVAL_STRATEGIES = {
  random: {
    description: 'uniform random demonstrations, without replacement (seeded)',
    citation: 'Brown et al. 2020; OpenICL RandomRetriever',
    features: 'unused',
    queryIndependent: false,
    create: () => new RandomRetriever(),
  },
  balanced: {
    description: 'as equal a count per class as n allows, random within class',
    citation: 'Min et al. 2022; Zhao et al. 2021',
    features: 'unused',
    queryIndependent: false,
    create: () => new BalancedRetriever(),
  },
  bm25: {
    description: 'Okapi BM25 (k1 = 1.2, b = 0.75) of the query against each pool text, best first',
    citation: 'Robertson & Zaragoza 2009; OpenICL BM25Retriever',
    features: 'unused',
    queryIndependent: false,
    create: (o) => new Bm25Retriever(o),
  },
  knn: {
    description: 'KATE: nearest by cosine of feature vectors (TF-IDF of the texts when none are given)',
    citation: 'Liu et al. 2022, What Makes Good In-Context Examples for GPT-3?',
    features: 'optional',
    queryIndependent: false,
    create: () => new KnnRetriever(),
  },
  'model-kernel': {
    description: "the model's own similarity P(o|x)^T P(o|x') from next-token distributions of each text alone",
    citation: 'Han et al. 2023, Explaining Emergent In-Context Learning as Kernel Regression',
    features: 'required',
    model: 'next-token',
    queryIndependent: false,
    create: () => new ModelKernelRetriever(),
  },
  'in-distribution': {
    description: 'the pool texts the model finds most likely: highest mean log-probability per token (the same for every query)',
    citation: 'Gonen et al. 2022, Demystifying Prompts in Language Models via Perplexity; Han et al. 2023, §6',
    features: 'required',
    model: 'log-likelihood',
    queryIndependent: true,
    create: () => new InDistributionRetriever(),
  },
  dpp: {
    description: 'top candidates by relevance, then greedy DPP MAP on L = diag(r) S diag(r)',
    citation: 'Chen et al. 2018; Ye et al. 2023; OpenICL DPPRetriever',
    features: 'optional',
    queryIndependent: false,
    create: (o) => new DppRetriever(o),
  },
  votek: {
    description: 'vote-k: kNN graph over the pool, greedy discounted votes (the same for every query)',
    citation: 'Su et al. 2023, Selective Annotation Makes Language Models Better Few-Shot Learners',
    features: 'optional',
    queryIndependent: true,
    create: (o) => new VotekRetriever(o),
  },
  kmedoids: {
    description: 'the n medoids of the pool under cosine distance, PAM (the same for every query)',
    citation: 'Kaufman & Rousseeuw 1990; Schubert & Rousseeuw 2019',
    features: 'optional',
    queryIndependent: true,
    create: (o) => new KMedoidsRetriever(o),
  },
  zero: {
    description: 'no demonstrations: the query alone (zero-shot), whatever n is asked',
    citation: 'OpenICL ZeroRetriever (Wu et al. 2023)',
    features: 'unused',
    queryIndependent: true,
    create: () => new ZeroRetriever(),
  },
  mdl: {
    description: "the candidate set (from the query's nearest by cosine) on which the model's label entropy is least",
    citation: 'Wu et al. 2022, Self-adaptive In-context Learning; OpenICL MDLRetriever',
    features: 'optional',
    model: 'label-entropy',
    queryIndependent: false,
    create: (o) => new MdlRetriever(o),
  },
  'hidden-knn': {
    description: "nearest by cosine of the model's hidden states at a layer, mean-pooled over each input run alone",
    citation: 'Han et al. 2023, §5 (the explicit kernel regression on hidden states)',
    features: 'required',
    model: 'hidden',
    queryIndependent: false,
    create: () => new HiddenKnnRetriever(),
  },
  'attention-kernel': {
    description: "the model's own kernel: one head's pre-softmax q . k / sqrt(d_head) of x_test's final position and each label position",
    citation: 'Han et al. 2023, Explaining Emergent In-Context Learning as Kernel Regression',
    features: 'required',
    model: 'attention',
    queryIndependent: false,
    create: () => new AttentionKernelRetriever(),
  },
  'true-kernel': {
    description: "a task world's true kernel: the theorem's vec(T_x)^T Sigma^-1 vec(T_x') where it fits, else the belief-state one",
    citation: 'Han et al. 2023, Theorem 1',
    features: 'unused',
    worldKernel: 'true',
    queryIndependent: false,
    create: (o) => new KernelScoreRetriever('true-kernel', o, "the world's true kernel"),
  },
  belief: {
    description: "a task world's belief-state kernel: the inner product of p_pre^T T_x and p_pre^T T_x'",
    citation: 'Han et al. 2023, §4',
    features: 'unused',
    worldKernel: 'belief',
    queryIndependent: false,
    create: (o) => new KernelScoreRetriever('belief', o, "the world's belief-state kernel"),
  },
} as const satisfies Record<string, StrategyInfo>;

/** A strategy's name. */
export type RetrievalStrategy = keyof typeof RETRIEVAL_STRATEGIES;

/** The strategy names, in registry order. */
export const RETRIEVAL_STRATEGY_NAMES = Object.keys(RETRIEVAL_STRATEGIES) as RetrievalStrategy[];

/** A strategy name, or an error listing the known ones. */
export function parseStrategy(name: string): RetrievalStrategy {
  if (Object.hasOwn(RETRIEVAL_STRATEGIES, name)) return name as RetrievalStrategy;
  throw new OptionError(`unknown retrieval strategy '${name}'`, `use one of ${RETRIEVAL_STRATEGY_NAMES.join(', ')}`);
}

const positive = (v: number | undefined, what: string, integer: boolean) => {
  if (v === undefined) return;
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new OptionError(`${what} ${v} is not a positive ${integer ? 'integer' : 'number'}`, `give ${what} > 0`);
  }
};

/** A fresh (unfitted) retriever of the named strategy, with its options checked. */
export function createRetriever(name: string, options: RetrieverOptions = {}): Retriever {
  const strategy = parseStrategy(name);
  positive(options.k1, 'k1', false);
  if (options.b !== undefined && !(options.b >= 0 && options.b <= 1))
    throw new OptionError(`b ${options.b} is not in [0, 1]`, 'give BM25 b between 0 and 1');
  positive(options.candidates, 'candidates', true);
  positive(options.scale, 'scale', false);
  positive(options.k, 'k', true);
  positive(options.rho, 'rho', false);
  positive(options.maxItems, 'maxItems', true);
  positive(options.sets, 'sets', true);
  if (options.seed !== undefined && !Number.isInteger(options.seed))
    throw new OptionError(`seed ${options.seed} is not an integer`, 'give a whole-number seed');
  return RETRIEVAL_STRATEGIES[strategy].create(options);
}
