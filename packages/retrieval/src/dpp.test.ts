import { Rng } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { combinations, cosine, determinant, randomMatrix, rowOf, sortDescending, submatrix } from '../test/brute.js';
import { DppRetriever, dppKernel, greedyMapDpp } from './dpp.js';

/** A PSD kernel L = B B^T from random feature rows. */
function gramOf(rows: number, cols: number, seed: number): Float64Array {
  const b = randomMatrix(rows, cols, seed);
  const out = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < rows; j++) out[i * rows + j] = rowOf(b, i).reduce((s, v, k) => s + v * rowOf(b, j)[k], 0);
  return out;
}

/** Brute force: the k-subset with the largest log det L_Y. */
function bestSubset(kernel: Float64Array, m: number, k: number): { items: number[]; logDet: number } {
  let best = { items: [] as number[], logDet: Number.NEGATIVE_INFINITY };
  for (const items of combinations(m, k)) {
    const logDet = Math.log(determinant(submatrix(kernel, m, items)));
    if (logDet > best.logDet) best = { items, logDet };
  }
  return best;
}

describe('greedy DPP MAP inference', () => {
  it("picks the largest diagonal first, and its gains multiply to the chosen set's determinant (direct elimination)", () => {
    for (const seed of [1, 2, 3]) {
      const m = 8;
      const kernel = gramOf(m, 6, seed);
      const { items, gains } = greedyMapDpp(kernel, m, 4);
      expect(items[0]).toBe(sortDescending(Array.from({ length: m }, (_, i) => kernel[i * m + i]))[0]);
      for (let k = 1; k <= 4; k++) {
        const direct = Math.log(determinant(submatrix(kernel, m, items.slice(0, k))));
        expect(gains.slice(0, k).reduce((s, g) => s + Math.log(g), 0)).toBeCloseTo(direct, 9);
      }
      // Greedy is an approximation: never above the brute-force optimum.
      expect(gains.reduce((s, g) => s + Math.log(g), 0)).toBeLessThanOrEqual(bestSubset(kernel, m, 4).logDet + 1e-9);
    }
  });

  it('finds the brute-force optimum where greedy is exact: groups of near-duplicates with distinct quality', () => {
    // Three orthogonal directions, two or three items each: the best set takes the strongest item of each group.
    const items = [
      [3, 0.1, 0],
      [2.9, 0, 0.1],
      [0, 2, 0.1],
      [0.1, 1.8, 0],
      [0, 0.2, 1.5],
      [0.1, 0, 1.4],
      [0.2, 0.1, 1.45],
    ];
    const m = items.length;
    const kernel = Float64Array.from({ length: m * m }, (_, ij) =>
      items[Math.floor(ij / m)].reduce((s, v, k) => s + v * items[ij % m][k], 0),
    );
    const greedy = greedyMapDpp(kernel, m, 3);
    const best = bestSubset(kernel, m, 3);
    expect([...greedy.items].sort()).toEqual(best.items);
    expect(greedy.items).toEqual([0, 2, 4]);
    expect(greedy.gains.reduce((s, g) => s + Math.log(g), 0)).toBeCloseTo(best.logDet, 9);
  });

  it('stops when no item adds volume (duplicates), and the retriever fills from the most relevant', () => {
    const kernel = Float64Array.from([1, 1, 1, 1]);
    expect(greedyMapDpp(kernel, 2, 2).items).toEqual([0]);
    const features = { rows: 4, cols: 2, data: Float32Array.from([1, 0, 1, 0, 1, 0, 0, 1]) };
    const r = new DppRetriever().fit({ texts: ['a', 'b', 'c', 'd'], labels: [0, 0, 0, 0], numClasses: 1, features });
    const s = r.select({ text: 'q', features: Float32Array.from([1, 0.1]) }, 3, new Rng(0));
    expect(new Set(s.indices).size).toBe(3);
    expect(s.indices.slice(0, 2)).toEqual([0, 3]);
  });
});

describe('dpp retriever', () => {
  it("builds OpenICL's kernel on the top candidates and returns their cosine relevance as scores", () => {
    const features = randomMatrix(30, 5, 7);
    const query = randomMatrix(1, 5, 8);
    const r = new DppRetriever({ candidates: 10, scale: 0.1 }).fit({
      texts: Array.from({ length: 30 }, (_, i) => `t${i}`),
      labels: new Array(30).fill(0),
      numClasses: 1,
      features,
    });
    const s = r.select({ text: 'q', features: query.data }, 4, new Rng(0));
    const rel = Array.from({ length: 30 }, (_, i) => cosine(rowOf(query, 0), rowOf(features, i)));
    const candidates = sortDescending(rel).slice(0, 10);
    // Reference: the same kernel written from OpenICL's get_kernel, then greedy on it.
    const shifted = candidates.map((i) => (rel[i] + 1) / 2);
    const top = Math.max(...shifted);
    const rr = shifted.map((v) => Math.exp((v - top) / 0.2));
    const L = Float64Array.from({ length: 100 }, (_, ij) => {
      const [a, b] = [Math.floor(ij / 10), ij % 10];
      return rr[a] * ((cosine(rowOf(features, candidates[a]), rowOf(features, candidates[b])) + 1) / 2) * rr[b];
    });
    const kernel = dppKernel(
      candidates.map((i) => rel[i]),
      Float64Array.from({ length: 100 }, (_, ij) =>
        cosine(rowOf(features, candidates[Math.floor(ij / 10)]), rowOf(features, candidates[ij % 10])),
      ),
      0.1,
    );
    kernel.forEach((v, ij) => expect(v).toBeCloseTo(L[ij], 12));
    expect(s.indices).toEqual(greedyMapDpp(L, 10, 4).items.map((i) => candidates[i]));
    expect(s.indices[0]).toBe(candidates[0]);
    s.scores.forEach((v, k) => expect(v).toBeCloseTo(rel[s.indices[k]], 5));
  });
});
