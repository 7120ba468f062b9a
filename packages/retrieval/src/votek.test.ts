import { Rng } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { knnGraph, VotekRetriever, voteK } from './votek.js';

/**
 * A hand-worked graph (each item votes for its 2 nearest): 0 -> {1, 2}, 1 -> {0, 2}, 2 -> {1, 0},
 * 3 -> {4, 2}, 4 -> {3, 2}. Voters: 0 {1, 2}, 1 {0, 2}, 2 {0, 1, 3, 4}, 3 {4}, 4 {3}.
 * Step 1: scores 2, 2, 4, 1, 1 -> item 2 (4); its voters 0, 1, 3, 4 have now voted once.
 * Step 2: 0 gets 10^-1 from voter 1 (2 is chosen), 1 gets 10^-1 from 0, 3 and 4 get 10^-1 -> item 0
 *   (ties to the lower index); voter 1 has now voted twice.
 * Step 3: 1's voters are both chosen (0), 3 and 4 get 10^-1 each -> item 3: the second cluster.
 */
const GRAPH = [
  [1, 2],
  [0, 2],
  [1, 0],
  [4, 2],
  [3, 2],
];

describe('vote-k', () => {
  it('selects greedily by discounted votes as worked by hand', () => {
    const s = voteK(GRAPH, 3);
    expect(s.indices).toEqual([2, 0, 3]);
    expect(s.scores[0]).toBe(4);
    expect(s.scores[1]).toBeCloseTo(0.1, 15);
    expect(s.scores[2]).toBeCloseTo(0.1, 15);
  });

  it('builds that graph from cosine neighbours of points at 0, 10, 20, 90 and 100 degrees', () => {
    const deg = [0, 10, 20, 90, 100].map((d) => (d * Math.PI) / 180);
    const features = { rows: 5, cols: 2, data: Float32Array.from(deg.flatMap((a) => [Math.cos(a), Math.sin(a)])) };
    const pool = { texts: ['a', 'b', 'c', 'd', 'e'], labels: [0, 0, 0, 1, 1], numClasses: 2, features };
    const rows = (items: readonly number[]) => Float32Array.from(items.flatMap((i) => deg.map((b) => Math.cos(deg[i] - b))));
    expect(knnGraph(5, 2, rows).map((n) => [...n].sort())).toEqual(GRAPH.map((n) => [...n].sort()));
    const r = new VotekRetriever({ k: 2 }).fit(pool);
    const s = r.select({ text: 'anything', features: Float32Array.from([0, 1]) }, 3, new Rng(0));
    expect(s.indices).toEqual([2, 0, 3]);
    // Query-independent, and a longer run extends a shorter one; the query's own item is skipped.
    expect(r.select({ text: 'x', features: Float32Array.from([1, 0]) }, 2, new Rng(5)).indices).toEqual([2, 0]);
    expect(r.select({ text: 'c', index: 2, features: features.data.subarray(4, 6) }, 2, new Rng(0)).indices).toEqual([0, 3]);
  });
});
