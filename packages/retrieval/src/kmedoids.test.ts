import { Rng } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { combinations, cosine, randomMatrix, rowOf } from '../test/brute.js';
import { KMedoidsRetriever, kMedoids } from './kmedoids.js';

/** Cosine distances 1 - cos among the rows, float64. */
function distances(rows: number[][]): Float64Array {
  const m = rows.length;
  return Float64Array.from({ length: m * m }, (_, ij) => (ij % (m + 1) === 0 ? 0 : 1 - cosine(rows[Math.floor(ij / m)], rows[ij % m])));
}

/** Total distance of every item to its nearest medoid. */
function costOf(d: Float64Array, m: number, medoids: readonly number[]): number {
  let cost = 0;
  for (let j = 0; j < m; j++) cost += Math.min(...medoids.map((c) => d[c * m + j]));
  return cost;
}

/** Brute force: the medoid set of size k with the least total distance of every item to its nearest medoid. */
function exhaustive(d: Float64Array, m: number, k: number): { medoids: number[]; cost: number } {
  let best = { medoids: [] as number[], cost: Number.POSITIVE_INFINITY };
  for (const medoids of combinations(m, k)) {
    const cost = costOf(d, m, medoids);
    if (cost < best.cost - 1e-12) best = { medoids, cost };
  }
  return best;
}

describe('k-medoids (PAM)', () => {
  it('reaches the optimum of an exhaustive search over all medoid sets on tiny clustered pools', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      for (const k of [2, 3, 4]) {
        // k random directions in 6-D, 10 items spread over them with small noise.
        const centres = randomMatrix(k, 6, seed);
        const noise = randomMatrix(10, 6, seed + 100);
        const rows = Array.from({ length: 10 }, (_, i) => rowOf(centres, i % k).map((v, c) => v + 0.1 * noise.data[i * 6 + c]));
        const d = distances(rows);
        const pam = kMedoids(d, 10, k);
        const best = exhaustive(d, 10, k);
        expect(pam.cost, `seed ${seed}, k ${k}`).toBeCloseTo(best.cost, 9);
        // The medoid set itself may differ where two sets tie (a two-item cluster has two medoids): check its cost directly.
        expect(costOf(d, 10, pam.medoids)).toBeCloseTo(best.cost, 9);
      }
    }
  });

  it('ends, on unclustered pools too, where no single swap lowers the cost (checked by trying every swap), never below the optimum', () => {
    let optimal = 0;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      for (const k of [2, 3, 4]) {
        const features = randomMatrix(10, 3, seed);
        const d = distances(Array.from({ length: 10 }, (_, i) => rowOf(features, i)));
        const pam = kMedoids(d, 10, k);
        expect(costOf(d, 10, pam.medoids)).toBeCloseTo(pam.cost, 12);
        for (let p = 0; p < k; p++) {
          for (let o = 0; o < 10; o++) {
            if (pam.medoids.includes(o)) continue;
            const swapped = pam.medoids.map((c, q) => (q === p ? o : c));
            expect(costOf(d, 10, swapped)).toBeGreaterThanOrEqual(pam.cost - 1e-12);
          }
        }
        const best = exhaustive(d, 10, k);
        expect(pam.cost).toBeGreaterThanOrEqual(best.cost - 1e-12);
        if (pam.cost < best.cost + 1e-9) optimal++;
      }
    }
    // PAM is a local search: it finds the exhaustive optimum on 17 of these 18 pools (seed 6, k 4 stops at a local one).
    expect(optimal).toBe(17);
  });

  it('returns the medoids largest cluster first, with cluster shares as scores, the same for every query', () => {
    // Two directions: 4 items near (1, 0) and 2 near (0, 1); item 1 and item 4 are their centres.
    const rows = [
      [1, 0.1],
      [1, 0.02],
      [1, -0.05],
      [1, 0.07],
      [0.03, 1],
      [-0.1, 1],
    ];
    const features = { rows: 6, cols: 2, data: Float32Array.from(rows.flat()) };
    const r = new KMedoidsRetriever().fit({ texts: rows.map((_, i) => `t${i}`), labels: [0, 0, 0, 0, 1, 1], numClasses: 2, features });
    const s = r.select({ text: 'anything', features: Float32Array.from([0, 1]) }, 2, new Rng(0));
    expect(s.indices).toEqual([1, 4]);
    expect(s.scores).toEqual([4 / 6, 2 / 6]);
    expect(r.select({ text: 'other', features: Float32Array.from([1, 0]) }, 2, new Rng(9))).toEqual(s);
    // The query's own index is never its demonstration.
    expect(r.select({ text: 't1', index: 1, features: Float32Array.from(rows[1]) }, 2, new Rng(0)).indices).not.toContain(1);
  });

  it('clusters a seeded sample of a pool larger than maxItems (CLARA), deterministically', () => {
    const texts = Array.from({ length: 60 }, (_, i) => `word${i % 7} other${i % 3} item${i}`);
    const a = new KMedoidsRetriever({ maxItems: 20, seed: 3 }).fit({ texts, labels: new Array(60).fill(0), numClasses: 1 });
    const b = new KMedoidsRetriever({ maxItems: 20, seed: 3 }).fit({ texts, labels: new Array(60).fill(0), numClasses: 1 });
    const s = a.select({ text: 'q' }, 4, new Rng(0));
    expect(s.indices).toHaveLength(4);
    expect(b.select({ text: 'q' }, 4, new Rng(1))).toEqual(s);
    expect(s.scores.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 12);
  });
});
