import { Rng } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { cosine, randomMatrix, rowOf, sortDescending } from '../test/brute.js';
import { mdlCandidateSets, MdlRetriever } from './mdl.js';
import type { Query } from './retriever.js';

const N = 12;
const FEATURES = randomMatrix(N, 5, 3);
const LABELS = Array.from({ length: N }, (_, i) => (i * 7) % 3);
const POOL = { texts: LABELS.map((_, i) => `t${i}`), labels: LABELS, numClasses: 3, features: FEATURES };

/**
 * A toy model's label distribution for a query given demonstrations in prompt order: softmax over
 * the 3 labels of a recency-weighted label count plus the query's own bias, written out in float64.
 */
function toyDistribution(query: Query, set: readonly number[]): number[] {
  const logits = [0, 1, 2].map((c) => 0.3 * c * (query.features?.[0] ?? 0));
  set.forEach((i, pos) => {
    logits[LABELS[i]] += (pos + 1) / set.length;
  });
  const top = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - top));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}
const entropy = (p: readonly number[]) => -p.reduce((s, v) => s + (v > 0 ? v * Math.log(v) : 0), 0);

describe('mdl', () => {
  it('keeps the candidate set of least label entropy: a brute-force entropy over the same sets on a tiny pool', () => {
    const seen: (readonly number[])[][] = [];
    const r = new MdlRetriever({
      candidates: 6,
      sets: 8,
      labelEntropy: (q, sets) => {
        seen.push([...sets]);
        return sets.map((s) => entropy(toyDistribution(q, s)));
      },
    }).fit(POOL);
    const queries = randomMatrix(6, 5, 9);
    for (let q = 0; q < queries.rows; q++) {
      const features = queries.data.subarray(q * 5, (q + 1) * 5);
      const query = { text: 'q', features };
      for (const n of [1, 2, 3]) {
        const got = r.select(query, n, new Rng(100 * q + n));
        const sets = seen[seen.length - 1];
        // The first stage: the 6 nearest by a brute-force cosine sort, the first set their first n.
        const near = sortDescending(Array.from({ length: N }, (_, i) => cosine(Array.from(features), rowOf(FEATURES, i)))).slice(0, 6);
        expect(sets[0]).toEqual(near.slice(0, n));
        for (const s of sets) {
          expect(s).toHaveLength(n);
          expect(new Set(s).size).toBe(n);
          for (const i of s) expect(near).toContain(i);
        }
        const values = sets.map((s) => entropy(toyDistribution(query, s)));
        const best = values.indexOf(Math.min(...values));
        expect(got.indices).toEqual(sets[best]);
        got.scores.forEach((v, k) => expect(v).toBeCloseTo(cosine(Array.from(features), rowOf(FEATURES, got.indices[k])), 5));
      }
    }
  });

  it('draws its candidate sets from the seeded generator, the nearest n first, without repeats', () => {
    const near = [4, 9, 1, 7, 3];
    const sets = mdlCandidateSets(near, 2, 10, new Rng(5));
    expect(sets[0]).toEqual([4, 9]);
    expect(new Set(sets.map((s) => s.join(','))).size).toBe(sets.length);
    expect(mdlCandidateSets(near, 2, 10, new Rng(5))).toEqual(sets);
    // n = the candidate count: the sets are orders of the same items.
    for (const s of mdlCandidateSets(near, 5, 4, new Rng(1))) expect([...s].sort()).toEqual([...near].sort());
  });

  it('never offers the query itself and widens the first stage to n', () => {
    const r = new MdlRetriever({ candidates: 2, labelEntropy: (_q, sets) => sets.map(() => 0) }).fit(POOL);
    const s = r.select({ text: 'q', features: FEATURES.data.subarray(0, 5), index: 0 }, 4, new Rng(0));
    expect(s.indices).toHaveLength(4);
    expect(s.indices).not.toContain(0);
  });
});
