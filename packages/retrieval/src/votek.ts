/**
 * `votek`: selective annotation by vote-k (Su et al. 2023, "Selective Annotation Makes Language
 * Models Better Few-Shot Learners", ICLR; their fast_votek and OpenICL's VotekRetriever): a
 * k-nearest-neighbour graph over the pool by cosine, in which each item votes for its k nearest;
 * items are then chosen greedily by a discounted vote score, sum over voters v not yet chosen of
 * rho^-(chosen items v already voted for), so that later picks cover other regions. Query-independent:
 * the graph is built in `fit` and the greedy order computed once and cached.
 */
import type { Rng } from '@iclkr/core';
import { BaseRetriever, firstWithout, type Pool, type Query, type Selection, topN } from './retriever.js';
import { cosineSpace } from './space.js';

/** The graph's neighbour count and the vote discount. */
export interface VotekOptions {
  /** Neighbours each item votes for (default 150, Su et al.'s; at most pool size - 1). */
  readonly k?: number;
  /** Discount base rho of a voter's later votes (default 10, Su et al.'s). */
  readonly rho?: number;
}

/** Pool rows per block of cosines when building the graph (block x pool floats at once). */
const GRAPH_BLOCK = 256;

/** Each item's k nearest other items by cosine (ties to the lower index), from blocks of similarity rows. */
export function knnGraph(size: number, k: number, rowsToPool: (items: readonly number[]) => Float32Array): number[][] {
  const graph: number[][] = [];
  for (let start = 0; start < size; start += GRAPH_BLOCK) {
    const items = Array.from({ length: Math.min(GRAPH_BLOCK, size - start) }, (_, r) => start + r);
    const sims = rowsToPool(items);
    items.forEach((i, r) => graph.push(topN(sims.subarray(r * size, (r + 1) * size), k, i).indices));
  }
  return graph;
}

/**
 * Greedy vote-k over a neighbour graph (graph[v] = the items v votes for): n items in the order
 * chosen, with the discounted vote score each had when chosen (ties to the lower index).
 */
export function voteK(graph: readonly (readonly number[])[], n: number, rho = 10): Selection {
  const size = graph.length;
  const voters: number[][] = graph.map(() => []);
  graph.forEach((targets, v) => {
    for (const u of targets) voters[u].push(v);
  });
  const chosen = new Uint8Array(size);
  const timesVoted = new Float64Array(size);
  const indices: number[] = [];
  const scores: number[] = [];
  while (indices.length < Math.min(n, size)) {
    let best = -1;
    let bestScore = -1;
    for (let u = 0; u < size; u++) {
      if (chosen[u]) continue;
      let s = 0;
      for (const v of voters[u]) if (!chosen[v]) s += rho ** -timesVoted[v];
      if (s > bestScore) {
        best = u;
        bestScore = s;
      }
    }
    chosen[best] = 1;
    indices.push(best);
    scores.push(bestScore);
    for (const v of voters[best]) timesVoted[v]++;
  }
  return { indices, scores };
}

/** Vote-k's greedy order over the pool (the same for every query); scores are the discounted votes. */
export class VotekRetriever extends BaseRetriever<VotekOptions> {
  readonly name = 'votek';
  private graph: number[][] = [];
  private cached: Selection = { indices: [], scores: [] };

  protected override prepare(pool: Pool): void {
    const size = pool.texts.length;
    const space = cosineSpace(pool, this.name);
    this.graph = knnGraph(size, Math.min(this.options.k ?? 150, size - 1), (items) => space.rowsToPool(items));
    this.cached = { indices: [], scores: [] };
  }

  protected choose(query: Query, n: number, _rng: Rng): Selection {
    // The greedy order is a prefix order: a longer run extends a shorter one, so one run serves every n.
    if (this.cached.indices.length < n + 1) this.cached = voteK(this.graph, n + 1, this.options.rho);
    return firstWithout(this.cached, query.index, n);
  }
}
