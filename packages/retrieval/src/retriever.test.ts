import { IclkrError, Rng, tf } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { randomMatrix } from '../test/brute.js';
import { balancedCounts } from './balanced.js';
import { createRetriever, RETRIEVAL_STRATEGY_NAMES } from './registry.js';
import { orderDemonstrations, type Pool } from './retriever.js';

const TEXTS = Array.from(
  { length: 24 },
  (_, i) => `review ${i} is ${['good', 'bad', 'fine'][i % 3]} and ${['long', 'short'][i % 2]} word${i % 5}`,
);
const LABELS = TEXTS.map((_, i) => i % 3);
const FEATURES = randomMatrix(24, 6, 11);
const POOL: Pool = { texts: TEXTS, labels: LABELS, numClasses: 3, features: FEATURES };
const query = (i: number) => ({ text: `query ${i} good word${i}`, features: randomMatrix(1, 6, 100 + i).data });
/** in-distribution reads one feature per text (its mean log-probability per token) and none of the query's. */
const LIKELIHOODS = { rows: 24, cols: 1, data: Float32Array.from(TEXTS, (_, i) => -1 - ((i * 7) % 24) / 10) };
const poolFor = (name: string): Pool => (name === 'in-distribution' ? { ...POOL, features: LIKELIHOODS } : POOL);
const queryFor = (name: string, i: number) => (name === 'in-distribution' ? { text: query(i).text } : query(i));
/** What the model- and world-given strategies are handed here: a toy label entropy (mdl) and a toy kernel (true-kernel, belief). */
const OPTIONS = {
  labelEntropy: (_q: unknown, sets: readonly (readonly number[])[]) => sets.map((s) => s.reduce((a, i) => a + ((i * 5) % 7), 0) / 10),
  kernel: (q: { text: string }) => TEXTS.map((_, i) => Math.cos(i + q.text.length)),
};
/** A fitted retriever of `name` with what it needs. */
const fitted = (name: string) => createRetriever(name, OPTIONS).fit(poolFor(name));
/** Strategies that always choose nothing. */
const EMPTY = new Set(['zero']);

/** Runs `f` and returns the one-line message of the IclkrError it throws. */
function errorLine(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(IclkrError);
    const e = error as IclkrError;
    expect(e.fix.length).toBeGreaterThan(0);
    expect(e.oneLine()).not.toContain('\n');
    return e.oneLine();
  }
  throw new Error('expected an error');
}

describe('every strategy', () => {
  it('returns n distinct pool indices with one finite score each, never the query itself, the same for the same seed', () => {
    for (const name of RETRIEVAL_STRATEGY_NAMES) {
      const r = fitted(name);
      for (const n of [1, 5, 23]) {
        const a = r.select({ ...queryFor(name, n), index: 3 }, n, new Rng(7));
        expect(a.indices, name).toHaveLength(EMPTY.has(name) ? 0 : n);
        if (EMPTY.has(name)) continue;
        expect(new Set(a.indices).size, name).toBe(n);
        expect(a.indices, name).not.toContain(3);
        expect(a.scores.every(Number.isFinite), name).toBe(true);
        expect(fitted(name).select({ ...queryFor(name, n), index: 3 }, n, new Rng(7)), name).toEqual(a);
      }
      expect(r.select(queryFor(name, 0), 0, new Rng(0))).toEqual({ indices: [], scores: [] });
    }
  });

  it('draws differently for another seed where it is random, and identically where it is not', () => {
    for (const name of RETRIEVAL_STRATEGY_NAMES) {
      // mdl's candidate sets are seeded draws, but whether a drawn set beats the nearest one depends on the model.
      if (name === 'mdl') continue;
      const r = fitted(name);
      const same =
        JSON.stringify(r.select(queryFor(name, 1), 8, new Rng(1))) === JSON.stringify(r.select(queryFor(name, 1), 8, new Rng(2)));
      expect(same, name).toBe(name !== 'random' && name !== 'balanced');
    }
  });

  it('does not leave tensors behind over repeated fits and selections', () => {
    for (const name of RETRIEVAL_STRATEGY_NAMES) fitted(name).select(queryFor(name, 0), 4, new Rng(0));
    const before = tf.memory().numTensors;
    for (let rep = 0; rep < 3; rep++) {
      for (const name of RETRIEVAL_STRATEGY_NAMES) {
        const r = fitted(name);
        for (let q = 0; q < 3; q++) r.select(queryFor(name, q), 4, new Rng(q));
      }
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('random and balanced', () => {
  it('random is a seeded Fisher-Yates shuffle of the pool cut to n (the draw iclkr probe always made)', () => {
    const r = createRetriever('random').fit(POOL);
    const ref = new Rng(5).shuffle(TEXTS.map((_, i) => i)).slice(0, 6);
    expect(r.select(query(0), 6, new Rng(5)).indices).toEqual(ref);
  });

  it('balanced takes as equal a count per class as n allows', () => {
    const r = createRetriever('balanced').fit(POOL);
    for (const [n, counts] of [
      [6, [2, 2, 2]],
      [9, [3, 3, 3]],
    ] as const) {
      const s = r.select(query(0), n, new Rng(n));
      expect([0, 1, 2].map((c) => s.indices.filter((i) => LABELS[i] === c).length)).toEqual(counts);
    }
    const seven = r.select(query(0), 7, new Rng(3));
    expect([0, 1, 2].map((c) => seven.indices.filter((i) => LABELS[i] === c).length).sort()).toEqual([2, 2, 3]);
    // A class too small to give its share: the others make up the difference, still as evenly as they can.
    expect(balancedCounts([1, 10, 10], 9, new Rng(0))).toEqual([1, 4, 4]);
    expect(balancedCounts([1, 10, 10], 8, new Rng(0)).sort()).toEqual([1, 3, 4]);
    expect(balancedCounts([0, 2, 2], 4, new Rng(0))).toEqual([0, 2, 2]);
  });
});

describe('in-distribution', () => {
  it('takes the highest mean log-probabilities, best first, for every query (a brute-force sort)', () => {
    const r = createRetriever('in-distribution').fit(poolFor('in-distribution'));
    const best = (exclude?: number) =>
      TEXTS.map((_, i) => i)
        .filter((i) => i !== exclude)
        .sort((a, b) => LIKELIHOODS.data[b] - LIKELIHOODS.data[a] || a - b)
        .slice(0, 6);
    for (const index of [5, undefined]) {
      const got = r.select({ text: `query ${index}`, index }, 6, new Rng(index ?? 0));
      expect(got.indices).toEqual(best(index));
      expect(got.scores).toEqual(best(index).map((i) => LIKELIHOODS.data[i]));
    }
  });
});

describe('orderDemonstrations', () => {
  const selection = { indices: [10, 11, 12, 13], scores: [0.9, 0.2, 0.5, 0.2] };
  it("keeps the strategy's order, puts the best last (ties in selected order), or shuffles by seed", () => {
    expect(orderDemonstrations(selection, 'selected')).toEqual(selection);
    expect(orderDemonstrations(selection, 'ascending')).toEqual({ indices: [11, 13, 12, 10], scores: [0.2, 0.2, 0.5, 0.9] });
    const shuffled = orderDemonstrations(selection, 'random', new Rng(4));
    expect(orderDemonstrations(selection, 'random', new Rng(4))).toEqual(shuffled);
    expect([...shuffled.indices].sort()).toEqual(selection.indices);
    shuffled.indices.forEach((i, k) => expect(shuffled.scores[k]).toBe(selection.scores[i - 10]));
    expect(errorLine(() => orderDemonstrations(selection, 'random'))).toMatch(/order 'random' needs a seeded generator/);
  });
});

describe('errors name the problem and the fix in one line', () => {
  it('refuses impossible requests and malformed pools or queries', () => {
    const knn = () => createRetriever('knn').fit(POOL);
    const cases: [() => unknown, RegExp][] = [
      [() => knn().select(query(0), 25, new Rng(0)), /n = 25 demonstrations is more than the 24 the pool can give; ask for at most 24/],
      [() => knn().select({ ...query(0), index: 0 }, 24, new Rng(0)), /more than the 23 the pool can give/],
      [() => createRetriever('bm25').fit({ texts: [], labels: [], numClasses: 2 }), /the demonstration pool is empty; give at least one/],
      [
        () => createRetriever('nearest'),
        new RegExp(
          "unknown retrieval strategy 'nearest'; use one of random, balanced, bm25, knn, model-kernel, in-distribution, dpp, votek, " +
            'kmedoids, zero, mdl, hidden-knn, attention-kernel, true-kernel, belief',
        ),
      ],
      [
        () => createRetriever('knn').fit({ ...POOL, features: { rows: 24, cols: 5, data: FEATURES.data } }),
        /pool features are 24 x 5 \(144 values\) for 24 texts/,
      ],
      [() => createRetriever('knn').fit({ ...POOL, features: { ...FEATURES, rows: 23 } }), /pool features are 23 x 6/],
      [
        () => knn().select({ text: 'q', features: new Float32Array(5) }, 2, new Rng(0)),
        /the query has 5 features but the pool's rows have 6/,
      ],
      [
        () =>
          createRetriever('knn').fit({
            ...POOL,
            features: { ...FEATURES, data: FEATURES.data.map((v, i) => (i === 20 ? Number.NaN : v)) },
          }),
        /pool features: holds NaN at row 3, column 2; give finite feature values/,
      ],
      [
        () => knn().select({ text: 'q', features: Float32Array.from([0, 0, Number.POSITIVE_INFINITY, 0, 0, 0]) }, 2, new Rng(0)),
        /query features: holds Infinity at row 0, column 2/,
      ],
      [
        () => createRetriever('random').fit({ texts: ['a', 'b'], labels: [0, 2], numClasses: 2 }),
        /pool label 2 of item 1 is outside the 2 classes \[0, 2\)/,
      ],
      [() => createRetriever('random').fit({ texts: ['a', 'b'], labels: [0, 0.5], numClasses: 2 }), /pool label 0.5 of item 1 is outside/],
      [() => createRetriever('random').fit({ texts: ['a', 'b'], labels: [0], numClasses: 2 }), /the pool has 2 texts but 1 labels/],
      [
        () => createRetriever('model-kernel').fit({ texts: TEXTS, labels: LABELS, numClasses: 3 }),
        /model-kernel needs the pool features P\(o \| x\).*; compute them with the model/,
      ],
      [
        () => createRetriever('model-kernel').fit(POOL).select({ text: 'q' }, 2, new Rng(0)),
        /the pool has features but the query has none \(model-kernel\); give the query features/,
      ],
      [
        () => createRetriever('knn').fit({ texts: TEXTS, labels: LABELS, numClasses: 3 }).select(query(0), 2, new Rng(0)),
        /the query has features but the pool has none/,
      ],
      [
        () => createRetriever('in-distribution').fit({ texts: TEXTS, labels: LABELS, numClasses: 3 }),
        /in-distribution needs one feature per pool text, its mean log-probability per token under the model; compute them/,
      ],
      [() => createRetriever('in-distribution').fit(POOL), /in-distribution needs one feature per pool text.* \(got 6 columns\)/],
      [() => knn().select({ text: 'q', index: 24 }, 2, new Rng(0)), /query index 24 is not a pool item/],
      [() => knn().select(query(0), 1.5, new Rng(0)), /n = 1.5 is not a whole number/],
      [() => createRetriever('knn').select(query(0), 1, new Rng(0)), /the knn retriever is not fitted; call fit\(pool\) before select/],
      [() => createRetriever('dpp', { scale: -1 }), /scale -1 is not a positive number/],
      [() => createRetriever('votek', { k: 2.5 }), /k 2.5 is not a positive integer/],
      [() => createRetriever('bm25', { b: 2 }), /b 2 is not in \[0, 1\]/],
      [() => createRetriever('mdl').fit(POOL), /mdl needs a model: .*; give a model \(--model DIR/],
      [() => createRetriever('mdl', { sets: 0 }), /sets 0 is not a positive integer/],
      [() => createRetriever('hidden-knn').fit({ texts: TEXTS, labels: LABELS, numClasses: 3 }), /hidden-knn needs the pool features/],
      [
        () => createRetriever('attention-kernel').fit({ texts: TEXTS, labels: LABELS, numClasses: 3 }),
        /attention-kernel needs the pool features: each example's key vector/,
      ],
      [() => createRetriever('attention-kernel').fit(POOL).select({ text: 'q' }, 2, new Rng(0)), /the query has none \(attention-kernel\)/],
      [() => createRetriever('true-kernel').fit(POOL), /true-kernel needs the world's true kernel.*; choose it in a task world/],
      [() => createRetriever('belief').fit(POOL), /belief needs the world's belief-state kernel/],
      [
        () =>
          createRetriever('belief', { kernel: () => [1, 2] })
            .fit(POOL)
            .select(query(0), 2, new Rng(0)),
        /belief kernel: gave 2 values for a pool of 24; give one per pool item/,
      ],
      [() => createRetriever('zero').fit(POOL).select(query(0), -1, new Rng(0)), /n = -1 is not a whole number/],
    ];
    for (const [f, pattern] of cases) expect(errorLine(f)).toMatch(pattern);
  });
});
