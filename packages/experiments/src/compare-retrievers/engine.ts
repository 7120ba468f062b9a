/**
 * The comparison itself, the same for task worlds and text: for every prompt case and strategy, the
 * strategy chooses n of the case's pool for each n; the model runs each resulting prompt once
 * (identical prompts once in all), and every method — the model's in-context prediction, the
 * chosen head's vote, the explicit kernel-regression classifiers and the baselines — is scored on
 * the same chosen demonstrations. A side (world or text) supplies the cases, the pool-level views
 * (computed once per pool and reused across queries, strategies and n) and the prompt layout.
 */
import { Rng } from '@iclkr/core';
import { argmaxCredit } from '@iclkr/kernels';
import { demonstrationWeights, type HookedModel, type PromptSpans, type VoteVariant } from '@iclkr/probing';
import {
  createRetriever,
  type DemonstrationOrder,
  orderDemonstrations,
  type Pool,
  type Query,
  RETRIEVAL_STRATEGIES,
  type RetrievalStrategy,
  type Retriever,
  type SparseVector,
  sparseDot,
  type StrategyInfo,
  TfIdf,
} from '@iclkr/retrieval';
import type { ExperimentIo } from '../io.js';
import { throwIfAborted } from '../meta.js';
import { entropy, type HeadChoice, promptViews } from './model-views.js';

/** The methods a comparison scores, in table order. */
export const COMPARE_METHODS = ['icl', 'head', 'nw-tfidf', 'nw-hidden', 'nw-output', 'bayes', 'majority', 'oracle'] as const;

/** A method's name. */
export type CompareMethod = (typeof COMPARE_METHODS)[number];

/** What each method is, in a line. */
export const METHOD_DESCRIPTIONS: Record<CompareMethod, string> = {
  icl: "the model's in-context prediction: its next-token probabilities restricted to the label tokens",
  head: "the chosen head's vote argmax_y sum_i a_i e(y_i), a_i its final-position attention into demonstration i (Table 2's reconstruction)",
  'nw-tfidf': 'Nadaraya-Watson over the same demonstrations with the TF-IDF cosine of the inputs',
  'nw-hidden': "Nadaraya-Watson over the same demonstrations with the cosine of the model's mean-pooled hidden states (each input alone)",
  'nw-output': "Nadaraya-Watson over the same demonstrations with the model's output similarity P(o|x_test) . P(o|x_i)",
  bayes: 'the exact Bayesian predictive of the world given the same prompt',
  majority: 'the majority label of the chosen demonstrations (ties share the credit)',
  oracle: "the majority label of the chosen demonstrations of x_test's class (all of them when none is)",
};

/** A view of a pool item or query computed by the model (each text alone). */
export type PoolView = 'distribution' | 'hidden' | 'key' | 'likelihood';

/** One prompt case: a query with its gold label and the pool its demonstrations come from. */
export interface PromptCase {
  /** Cases with the same id share one pool (and its fitted retrievers). */
  readonly poolId: number;
  readonly pool: Pool;
  readonly query: string;
  readonly gold: number;
  /** Latent input classes of the pool items and the query (task worlds with classes). */
  readonly classes?: readonly number[];
  readonly queryClass?: number;
}

/** A prompt as the model reads it, and its spans. */
export interface LaidPrompt {
  readonly tokens: number[];
  readonly spans: PromptSpans;
}

/** What the engine needs from a world or a text data set. */
export interface ComparisonSide {
  readonly model: HookedModel;
  readonly numClasses: number;
  /** The token of each label id. */
  readonly labelTokens: readonly number[];
  readonly cases: readonly PromptCase[];
  /** Prompts per forward pass. */
  readonly batch: number;
  /** A pool's rows of a view (once per pool: the side caches them). */
  poolView(poolId: number, view: PoolView): { rows: number; cols: number; data: Float32Array };
  /** The query's own row of a view ('key' reads the head's scaled query vector). */
  queryView(caseIndex: number, view: Exclude<PoolView, 'likelihood'>): Float32Array;
  /** The world's kernel K(x_test, x_i) against the case's pool (task worlds only). */
  kernel?(caseIndex: number, kind: 'true' | 'belief'): ArrayLike<number>;
  /** The prompt with pool items `chosen` (in prompt order) as demonstrations. */
  prompt(caseIndex: number, chosen: readonly number[]): LaidPrompt;
  /** The exact Bayesian predictive over the label ids for each (case, chosen) (task worlds only). */
  bayes?(items: readonly { readonly caseIndex: number; readonly chosen: readonly number[] }[]): Float64Array[];
}

/** How a comparison is run. */
export interface ComparisonSettings {
  readonly strategies: readonly RetrievalStrategy[];
  readonly shots: readonly number[];
  readonly order: DemonstrationOrder;
  readonly seed: number;
  /** The head behind `attention-kernel` and the `head` method (absent: no head method). */
  readonly head?: HeadChoice;
  /** The vote variant the head method reads (the one its key position belongs to). */
  readonly variant: VoteVariant;
  /** Options every retriever gets (bm25's k1, mdl's candidates, ...). */
  readonly mdl?: { readonly candidates?: number; readonly sets?: number };
}

/** Per strategy, method and n: the credit of each case (1 right, 0 wrong, 1/t for a t-way tie including the gold label). */
export type Credits = Map<string, number[]>;

/** The key of a (strategy, method, n) cell. */
export const cellKey = (strategy: string, method: string, n: number): string => `${strategy}\u0000${method}\u0000${n}`;

/** A stable 32-bit hash of a name, so a strategy's random draws do not depend on which other strategies run. */
function nameHash(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h | 0;
}

const info = (s: RetrievalStrategy): StrategyInfo => RETRIEVAL_STRATEGIES[s];

/** The pool views the strategies and methods need. */
export function neededViews(strategies: readonly RetrievalStrategy[]): Set<PoolView> {
  const views = new Set<PoolView>(['distribution', 'hidden']);
  for (const s of strategies) {
    const model = info(s).model;
    if (model === 'attention') views.add('key');
    if (model === 'log-likelihood') views.add('likelihood');
  }
  return views;
}

/** The methods a side can score. */
export function methodsOf(side: ComparisonSide, head: HeadChoice | undefined): CompareMethod[] {
  return COMPARE_METHODS.filter((m) => {
    if (m === 'head') return head !== undefined;
    if (m === 'bayes') return side.bayes !== undefined;
    if (m === 'oracle') return side.cases.every((c) => c.classes !== undefined && c.queryClass !== undefined);
    return true;
  });
}

/** Class votes sum_i w_i e(y_i) over the chosen demonstrations. */
function votes(weights: ArrayLike<number>, labels: readonly number[], classes: number): Float64Array {
  const out = new Float64Array(classes);
  labels.forEach((y, i) => {
    out[y] += weights[i];
  });
  return out;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

const rowOf = (m: { cols: number; data: Float32Array }, i: number) => m.data.subarray(i * m.cols, (i + 1) * m.cols);

/** A fitted retriever for a case's pool, with the model's and world's views it needs. */
function fitRetriever(
  side: ComparisonSide,
  settings: ComparisonSettings,
  strategy: RetrievalStrategy,
  caseIndex: number,
  current: { caseIndex: number },
): Retriever {
  const c = side.cases[caseIndex];
  const i = info(strategy);
  const features =
    i.model === 'next-token'
      ? side.poolView(c.poolId, 'distribution')
      : i.model === 'hidden'
        ? side.poolView(c.poolId, 'hidden')
        : i.model === 'attention'
          ? side.poolView(c.poolId, 'key')
          : i.model === 'log-likelihood'
            ? side.poolView(c.poolId, 'likelihood')
            : undefined;
  return createRetriever(strategy, {
    ...settings.mdl,
    labelEntropy:
      i.model === 'label-entropy'
        ? (_query, sets) => {
            const prompts = sets.map((s) => side.prompt(current.caseIndex, s).tokens);
            return promptViews(side.model, prompts, side.labelTokens, undefined, side.batch).distributions.map(entropy);
          }
        : undefined,
    kernel: i.worldKernel !== undefined && side.kernel !== undefined ? () => side.kernel!(current.caseIndex, i.worldKernel!) : undefined,
  }).fit({ ...c.pool, features });
}

/** The query of a case as a strategy reads it (its features where the strategy ranks by them). */
function queryFor(side: ComparisonSide, strategy: RetrievalStrategy, caseIndex: number): Query {
  const c = side.cases[caseIndex];
  const model = info(strategy).model;
  const view = model === 'next-token' ? 'distribution' : model === 'hidden' ? 'hidden' : model === 'attention' ? 'key' : undefined;
  return { text: c.query, features: view === undefined ? undefined : side.queryView(caseIndex, view) };
}

/**
 * Runs the comparison: per strategy, n and case, the chosen demonstrations and every method's
 * credit. Progress stages: `choose` (per strategy), `icl` (the model's passes), `bayes`.
 */
export function compareOnSide(
  side: ComparisonSide,
  settings: ComparisonSettings,
  io: ExperimentIo,
): { credits: Credits; methods: CompareMethod[] } {
  const { strategies, shots, order, seed } = settings;
  const methods = methodsOf(side, settings.head);
  const cells: { strategy: RetrievalStrategy; n: number; caseIndex: number; chosen: number[] }[] = [];
  const current = { caseIndex: 0 };
  strategies.forEach((strategy, s) => {
    throwIfAborted(io.signal);
    let fitted: { poolId: number; retriever: Retriever } | undefined;
    side.cases.forEach((c, caseIndex) => {
      // Fitted once per pool; the world-kernel and label-entropy callbacks read the case being chosen for.
      current.caseIndex = caseIndex;
      if (fitted === undefined || fitted.poolId !== c.poolId) {
        fitted = { poolId: c.poolId, retriever: fitRetriever(side, settings, strategy, caseIndex, current) };
      }
      const query = queryFor(side, strategy, caseIndex);
      for (const n of shots) {
        const rng = new Rng((seed * 1_000_003 + caseIndex * 7919 + n * 104_729 + nameHash(strategy)) | 0);
        const picked = fitted.retriever.select(query, n, rng);
        cells.push({ strategy, n, caseIndex, chosen: orderDemonstrations(picked, order, rng).indices });
      }
      io.progress(caseIndex + 1, side.cases.length, `choose (${strategy}, ${s + 1}/${strategies.length})`);
    });
  });
  throwIfAborted(io.signal);
  const laid = cells.map((cell) => side.prompt(cell.caseIndex, cell.chosen));
  const model = promptViews(
    side.model,
    laid.map((p) => p.tokens),
    side.labelTokens,
    methods.includes('head') ? settings.head : undefined,
    side.batch,
    (done, total) => io.progress(done, total, 'icl'),
  );
  throwIfAborted(io.signal);
  const bayes = methods.includes('bayes') ? side.bayes!(cells) : undefined;
  const tfidf = new Map<number, { index: TfIdf; rows: SparseVector[] }>();
  const tfidfOf = (poolId: number, pool: Pool) => {
    let t = tfidf.get(poolId);
    if (t === undefined) {
      const index = new TfIdf(pool.texts);
      t = { index, rows: index.rows };
      tfidf.set(poolId, t);
    }
    return t;
  };
  const credits: Credits = new Map();
  const credit = (cell: (typeof cells)[number], method: CompareMethod, value: number) => {
    const key = cellKey(cell.strategy, method, cell.n);
    const list = credits.get(key) ?? [];
    if (list.length === 0) credits.set(key, list);
    list.push(value);
  };
  const variant = settings.variant;
  cells.forEach((cell, k) => {
    const c = side.cases[cell.caseIndex];
    const labels = cell.chosen.map((i) => c.pool.labels[i]);
    const C = side.numClasses;
    for (const method of methods) {
      let v: number;
      if (method === 'icl') v = argmaxCredit(model.distributions[k], c.gold);
      else if (method === 'head') v = argmaxCredit(votes(demonstrationWeights(model.rows[k], laid[k].spans, variant), labels, C), c.gold);
      else if (method === 'nw-tfidf') {
        const t = tfidfOf(c.poolId, c.pool);
        const q = t.index.transform(c.query);
        v = argmaxCredit(
          votes(
            cell.chosen.map((i) => sparseDot(q, t.rows[i])),
            labels,
            C,
          ),
          c.gold,
        );
      } else if (method === 'nw-hidden' || method === 'nw-output') {
        const view = method === 'nw-hidden' ? 'hidden' : 'distribution';
        const rows = side.poolView(c.poolId, view);
        const q = side.queryView(cell.caseIndex, view);
        const w = cell.chosen.map((i) => {
          const r = rowOf(rows, i);
          if (view === 'hidden') return cosine(q, r);
          let dot = 0;
          for (let j = 0; j < r.length; j++) dot += q[j] * r[j];
          return dot;
        });
        v = argmaxCredit(votes(w, labels, C), c.gold);
      } else if (method === 'bayes') v = argmaxCredit(bayes![k], c.gold);
      else if (method === 'majority')
        v = argmaxCredit(
          votes(
            labels.map(() => 1),
            labels,
            C,
          ),
          c.gold,
        );
      else {
        const same = cell.chosen.filter((i) => c.classes![i] === c.queryClass);
        const use = same.length > 0 ? same : cell.chosen;
        v = argmaxCredit(
          votes(
            use.map(() => 1),
            use.map((i) => c.pool.labels[i]),
            C,
          ),
          c.gold,
        );
      }
      credit(cell, method, v);
    }
  });
  return { credits, methods };
}
