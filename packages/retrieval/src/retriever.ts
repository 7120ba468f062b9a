/** The retriever contract: fit on a pool of demonstrations, then select n of them for each query, with scores. */
import { DataError, type Matrix, OptionError, type Rng, ShapeError } from '@iclkr/core';

/** The demonstrations to choose from: texts, their class ids, and optional feature rows (one per text). */
export interface Pool {
  readonly texts: readonly string[];
  readonly labels: ArrayLike<number>;
  readonly numClasses: number;
  /** Row-major features, one row per text (the Matrix shape of @iclkr/kernels). */
  readonly features?: Matrix;
}

/** One query: its text, its features (same width as the pool's), and its pool index when it is itself a pool item. */
export interface Query {
  readonly text: string;
  /** When the query is pool item `index`, that item is never chosen as its own demonstration. */
  readonly index?: number;
  readonly features?: Float32Array;
}

/** What a retriever chose: pool indices in the order the strategy chose them, and the score each got. */
export interface Selection {
  readonly indices: number[];
  readonly scores: number[];
}

/** A demonstration selector, estimator-style: `fit(pool)` once, then `select(query, n, rng)` per query. */
export interface Retriever {
  /** The strategy's registry name. */
  readonly name: string;
  fit(pool: Pool): this;
  select(query: Query, n: number, rng: Rng): Selection;
}

/** The orders a selection can be laid out in a prompt. */
export const DEMONSTRATION_ORDERS = ['selected', 'ascending', 'random'] as const;

/** How demonstrations are ordered: as chosen, by ascending score (the best nearest the query), or shuffled. */
export type DemonstrationOrder = (typeof DEMONSTRATION_ORDERS)[number];

/**
 * A selection reordered for the prompt. `ascending` puts the highest score last, right before the
 * query (KATE's reversed order; ties keep the selected order); `random` shuffles with `rng`.
 */
export function orderDemonstrations(selection: Selection, order: DemonstrationOrder, rng?: Rng): Selection {
  const positions = selection.indices.map((_, i) => i);
  if (order === 'ascending') positions.sort((a, b) => selection.scores[a] - selection.scores[b] || a - b);
  else if (order === 'random') {
    if (rng === undefined) throw new OptionError("order 'random' needs a seeded generator", 'pass an Rng to orderDemonstrations');
    rng.shuffle(positions);
  } else if (order !== 'selected') {
    throw new OptionError(`unknown order '${String(order)}'`, `use one of ${DEMONSTRATION_ORDERS.join(', ')}`);
  }
  return { indices: positions.map((p) => selection.indices[p]), scores: positions.map((p) => selection.scores[p]) };
}

/** Throws unless every value of `values` is finite, naming the row and column of the first that is not. */
export function checkFinite(values: ArrayLike<number>, cols: number, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      const at = cols > 0 ? `row ${Math.floor(i / cols)}, column ${i % cols}` : `value ${i}`;
      throw new DataError(
        what,
        undefined,
        `holds ${values[i]} at ${at}`,
        'give finite feature values (drop or recompute the rows with NaN or infinity)',
      );
    }
  }
}

/** Checks a pool: non-empty, one integer label in [0, numClasses) per text, and features (if any) of one row per text, finite. */
export function checkPool(pool: Pool): void {
  const size = pool.texts.length;
  if (size === 0) throw new OptionError('the demonstration pool is empty', 'give at least one demonstration to choose from');
  if (!Number.isInteger(pool.numClasses) || pool.numClasses < 1) {
    throw new OptionError(`numClasses ${pool.numClasses} is not a positive integer`, 'give the number of classes the labels index');
  }
  if (pool.labels.length !== size) {
    throw new ShapeError(`the pool has ${size} texts but ${pool.labels.length} labels`, 'give one label per text');
  }
  for (let i = 0; i < size; i++) {
    const y = pool.labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= pool.numClasses) {
      throw new OptionError(
        `pool label ${y} of item ${i} is outside the ${pool.numClasses} classes [0, ${pool.numClasses})`,
        'give class ids in [0, numClasses), or raise numClasses',
      );
    }
  }
  const f = pool.features;
  if (f === undefined) return;
  if (f.rows !== size || f.data.length !== f.rows * f.cols || f.cols < 1) {
    throw new ShapeError(
      `pool features are ${f.rows} x ${f.cols} (${f.data.length} values) for ${size} texts`,
      'give one feature row per pool text, row-major, with rows * cols values',
    );
  }
  checkFinite(f.data, f.cols, 'pool features');
}

/** Checks a query against a fitted pool: features of the pool's width (finite) and an index inside the pool. */
export function checkQuery(pool: Pool, query: Query): void {
  const width = pool.features?.cols;
  if (query.features !== undefined) {
    if (width === undefined) {
      throw new ShapeError('the query has features but the pool has none', 'give the pool features too, or drop the query features');
    }
    if (query.features.length !== width) {
      throw new ShapeError(
        `the query has ${query.features.length} features but the pool's rows have ${width}`,
        'compute query and pool features the same way',
      );
    }
    checkFinite(query.features, width, 'query features');
  }
  const i = query.index;
  if (i !== undefined && (!Number.isInteger(i) || i < 0 || i >= pool.texts.length)) {
    throw new OptionError(
      `query index ${i} is not a pool item (the pool has ${pool.texts.length})`,
      'give the index of the query in the pool, or none',
    );
  }
}

/** Checks n against the items a query may use (the pool without the query itself). */
export function checkShots(n: number, available: number): void {
  if (!Number.isInteger(n) || n < 0)
    throw new OptionError(`n = ${n} is not a whole number of demonstrations`, 'ask for 0 or more demonstrations');
  if (n > available) {
    throw new OptionError(
      `n = ${n} demonstrations is more than the ${available} the pool can give`,
      `ask for at most ${available}, or give a larger pool`,
    );
  }
}

/**
 * The shared part of every strategy: its options, validation in `fit` and `select`, the query's
 * own index left out. Strategies implement `prepare` (after the pool is checked) and `choose`.
 */
export abstract class BaseRetriever<Options extends object = object> implements Retriever {
  abstract readonly name: string;
  private fitted: Pool | undefined;

  /** The strategy's options (every field optional, so `{}` means the defaults). */
  constructor(protected readonly options: Options = {} as Options) {}

  /** The fitted pool (an error before `fit`). */
  protected get pool(): Pool {
    if (this.fitted === undefined) throw new OptionError(`the ${this.name} retriever is not fitted`, 'call fit(pool) before select');
    return this.fitted;
  }

  fit(pool: Pool): this {
    checkPool(pool);
    this.fitted = pool;
    this.prepare(pool);
    return this;
  }

  select(query: Query, n: number, rng: Rng): Selection {
    const pool = this.pool;
    checkQuery(pool, query);
    checkShots(n, pool.texts.length - (query.index === undefined ? 0 : 1));
    if (n === 0) return { indices: [], scores: [] };
    return this.choose(query, n, rng);
  }

  /** Work done once per pool (indexes, features); the pool is already checked. */
  protected prepare(_pool: Pool): void {}

  /** n >= 1 indices (never `query.index`) with their scores; query and n are already checked. */
  protected abstract choose(query: Query, n: number, rng: Rng): Selection;
}

/**
 * The n best items by score, highest first (ties to the lower index), skipping `exclude`: a
 * bounded heap, O(N log n), the shared ranking of the query-dependent strategies and of VoteK's graph.
 */
export function topN(scores: ArrayLike<number>, n: number, exclude?: number): Selection {
  const better = (a: number, b: number) => scores[a] > scores[b] || (scores[a] === scores[b] && a < b);
  // A min-heap on `better`: the root is the worst item kept so far.
  const heap: number[] = [];
  const siftDown = (at: number) => {
    for (;;) {
      const l = 2 * at + 1;
      const r = l + 1;
      let worst = at;
      if (l < heap.length && better(heap[worst], heap[l])) worst = l;
      if (r < heap.length && better(heap[worst], heap[r])) worst = r;
      if (worst === at) return;
      [heap[at], heap[worst]] = [heap[worst], heap[at]];
      at = worst;
    }
  };
  for (let i = 0; i < scores.length && n > 0; i++) {
    if (i === exclude) continue;
    if (heap.length < n) {
      heap.push(i);
      for (let at = heap.length - 1; at > 0; ) {
        const parent = (at - 1) >> 1;
        if (!better(heap[parent], heap[at])) break;
        [heap[at], heap[parent]] = [heap[parent], heap[at]];
        at = parent;
      }
    } else if (better(i, heap[0])) {
      heap[0] = i;
      siftDown(0);
    }
  }
  const indices = heap.sort((a, b) => (better(a, b) ? -1 : 1));
  return { indices, scores: indices.map((i) => scores[i]) };
}

/** The first n items of a selection other than `item` (a query-independent choice made without the query itself). */
export function firstWithout(selection: Selection, item: number | undefined, n: number): Selection {
  const keep = selection.indices
    .map((_, r) => r)
    .filter((r) => selection.indices[r] !== item)
    .slice(0, n);
  return { indices: keep.map((r) => selection.indices[r]), scores: keep.map((r) => selection.scores[r]) };
}
