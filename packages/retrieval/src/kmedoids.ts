/**
 * `kmedoids`: representative demonstrations, the n medoids of the pool under cosine distance
 * 1 - cos (PAM, Kaufman & Rousseeuw 1990, "Finding Groups in Data", ch. 2: BUILD then SWAP, with
 * the swap costs of FastPAM1, Schubert & Rousseeuw 2019, which chooses the same swaps in O(N^2) per
 * pass). Pools larger than `maxItems` are clustered on a seeded sample of that size (CLARA, same
 * book, ch. 3). Query-independent: computed once per n and cached.
 */
import { OptionError, Rng } from '@iclkr/core';
import { BaseRetriever, firstWithout, type Pool, type Query, type Selection } from './retriever.js';
import { cosineSpace } from './space.js';

/** The sample size above which CLARA samples, and its seed. */
export interface KMedoidsOptions {
  /** Most pool items clustered at once (default 2000: a 2000 x 2000 distance matrix, 32 MB). */
  readonly maxItems?: number;
  /** Seed of the CLARA sample (default 0). */
  readonly seed?: number;
}

/** A clustering: medoid items, each item's medoid position, and the total distance to the nearest medoid. */
export interface Medoids {
  readonly medoids: number[];
  readonly assignment: Int32Array;
  readonly cost: number;
}

/** Total distance of every item to its nearest medoid, and that medoid's position. */
export function assign(distances: Float64Array, m: number, medoids: readonly number[]): Medoids {
  const assignment = new Int32Array(m);
  let cost = 0;
  for (let j = 0; j < m; j++) {
    let best = 0;
    for (let p = 1; p < medoids.length; p++) if (distances[medoids[p] * m + j] < distances[medoids[best] * m + j]) best = p;
    assignment[j] = best;
    cost += distances[medoids[best] * m + j];
  }
  return { medoids: [...medoids], assignment, cost };
}

/** PAM's BUILD: the most central item, then each time the item that lowers the total distance most. */
function build(distances: Float64Array, m: number, k: number): number[] {
  const nearest = new Float64Array(m).fill(Number.POSITIVE_INFINITY);
  const medoids: number[] = [];
  while (medoids.length < k) {
    let best = -1;
    let bestCost = Number.POSITIVE_INFINITY;
    for (let c = 0; c < m; c++) {
      if (medoids.includes(c)) continue;
      let cost = 0;
      for (let j = 0; j < m; j++) cost += Math.min(nearest[j], distances[c * m + j]);
      if (cost < bestCost) {
        best = c;
        bestCost = cost;
      }
    }
    medoids.push(best);
    for (let j = 0; j < m; j++) nearest[j] = Math.min(nearest[j], distances[best * m + j]);
  }
  return medoids;
}

/**
 * k-medoids by PAM on a [m, m] distance matrix (row-major, symmetric, zero diagonal): BUILD, then
 * the best swap of a medoid for a non-medoid while it lowers the total distance.
 */
export function kMedoids(distances: Float64Array, m: number, k: number): Medoids {
  const medoids = build(distances, m, k);
  for (;;) {
    // Nearest and second-nearest medoid distance of every item (FastPAM1's bookkeeping).
    const near = new Int32Array(m);
    const d1 = new Float64Array(m);
    const d2 = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      d1[j] = d2[j] = Number.POSITIVE_INFINITY;
      medoids.forEach((c, p) => {
        const d = distances[c * m + j];
        if (d < d1[j]) {
          d2[j] = d1[j];
          d1[j] = d;
          near[j] = p;
        } else if (d < d2[j]) d2[j] = d;
      });
    }
    let best = { delta: -1e-12, p: -1, o: -1 };
    for (let o = 0; o < m; o++) {
      if (medoids.includes(o)) continue;
      // Change in cost if o replaces the medoid at position p: a shared part plus one per p.
      const delta = new Float64Array(k);
      let shared = 0;
      for (let j = 0; j < m; j++) {
        const d = distances[o * m + j];
        const gain = Math.min(d - d1[j], 0);
        shared += gain;
        delta[near[j]] += Math.min(d, d2[j]) - d1[j] - gain;
      }
      for (let p = 0; p < k; p++) if (shared + delta[p] < best.delta) best = { delta: shared + delta[p], p, o };
    }
    if (best.p < 0) return assign(distances, m, medoids);
    medoids[best.p] = best.o;
  }
}

/** The n medoids, largest cluster first; scores are the share of the (sampled) pool each medoid's cluster holds. */
export class KMedoidsRetriever extends BaseRetriever<KMedoidsOptions> {
  readonly name = 'kmedoids';
  private sample: number[] = [];
  private distances = new Float64Array(0);
  private readonly cache = new Map<number, Selection>();

  protected override prepare(pool: Pool): void {
    const size = pool.texts.length;
    const cap = this.options.maxItems ?? 2000;
    this.sample =
      size <= cap ? Array.from({ length: size }, (_, i) => i) : new Rng(this.options.seed ?? 0).sample(size, cap).sort((a, b) => a - b);
    const m = this.sample.length;
    // A text without a known word has cosine 0 even with itself: its own distance is still 0.
    this.distances = Float64Array.from(cosineSpace(pool, this.name).among(this.sample), (c, ij) =>
      ij % (m + 1) === 0 ? 0 : Math.max(0, 1 - c),
    );
    this.cache.clear();
  }

  /** The n medoids as a selection, cached per n. */
  private medoids(n: number): Selection {
    let found = this.cache.get(n);
    if (found === undefined) {
      const m = this.sample.length;
      const { medoids, assignment } = kMedoids(this.distances, m, Math.min(n, m));
      const sizes = medoids.map((_, p) => assignment.filter((a) => a === p).length);
      const order = medoids.map((_, p) => p).sort((a, b) => sizes[b] - sizes[a] || medoids[a] - medoids[b]);
      found = { indices: order.map((p) => this.sample[medoids[p]]), scores: order.map((p) => sizes[p] / m) };
      this.cache.set(n, found);
    }
    return found;
  }

  protected choose(query: Query, n: number, _rng: Rng): Selection {
    if (n + 1 > this.sample.length && this.sample.length < this.pool.texts.length) {
      throw new OptionError(
        `n = ${n} medoids is more than the ${this.sample.length - 1} the k-medoids sample allows`,
        'raise maxItems or ask for fewer demonstrations',
      );
    }
    let chosen = this.medoids(n);
    if (query.index !== undefined && chosen.indices.includes(query.index)) chosen = this.medoids(n + 1);
    return firstWithout(chosen, query.index, n);
  }
}
