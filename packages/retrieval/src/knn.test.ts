import { Rng } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { cosine, randomMatrix, rowOf, sortDescending } from '../test/brute.js';
import { AttentionKernelRetriever } from './attention-kernel.js';
import { HiddenKnnRetriever } from './hidden-knn.js';
import { KnnRetriever } from './knn.js';
import { ModelKernelRetriever } from './model-kernel.js';
import { createRetriever } from './registry.js';
import { tokenize } from './text.js';

const TEXTS = [
  'a gripping and moving film',
  'the film is dull and slow',
  'moving , gripping , beautiful',
  'dull dull dull',
  'an utterly forgettable film',
  'beautiful photography but a slow story',
];

/** Reference TF-IDF (scikit-learn's defaults) as dense float64 vectors, built from the formula. */
function denseTfidf(texts: string[], query: string): { pool: number[][]; query: number[] } {
  const docs = texts.map(tokenize);
  const words = [...new Set(docs.flat())];
  const idf = words.map((w) => Math.log((1 + docs.length) / (1 + docs.filter((d) => d.includes(w)).length)) + 1);
  const vec = (tokens: string[]) => words.map((w, k) => tokens.filter((t) => t === w).length * idf[k]);
  return { pool: docs.map(vec), query: vec(tokenize(query)) };
}

describe('knn (KATE)', () => {
  it('matches a brute-force sort of cosine similarities on feature vectors', () => {
    const features = randomMatrix(40, 7, 1);
    const queries = randomMatrix(5, 7, 2);
    const r = new KnnRetriever().fit({
      texts: Array.from({ length: 40 }, (_, i) => `t${i}`),
      labels: new Array(40).fill(0),
      numClasses: 1,
      features,
    });
    for (let q = 0; q < queries.rows; q++) {
      const query = rowOf(queries, q);
      const ref = Array.from({ length: 40 }, (_, i) => cosine(query, rowOf(features, i)));
      const s = r.select({ text: '', features: queries.data.subarray(q * 7, (q + 1) * 7) }, 6, new Rng(0));
      expect(s.indices).toEqual(sortDescending(ref).slice(0, 6));
      s.scores.forEach((v, k) => expect(v).toBeCloseTo(ref[s.indices[k]], 5));
    }
  });

  it('falls back to TF-IDF of the texts, matching a brute-force dense TF-IDF cosine sort', () => {
    const r = new KnnRetriever().fit({ texts: TEXTS, labels: [1, 0, 1, 0, 0, 1], numClasses: 2 });
    for (const q of ['a slow and dull film', 'gripping beautiful photography', 'nothing in common']) {
      const ref = denseTfidf(TEXTS, q);
      const sims = ref.pool.map((row) => cosine(ref.query, row));
      const s = r.select({ text: q }, TEXTS.length, new Rng(0));
      expect(s.indices).toEqual(sortDescending(sims));
      s.scores.forEach((v, k) => expect(v).toBeCloseTo(sims[s.indices[k]], 6));
    }
  });

  it('leaves the query out when it is a pool item', () => {
    const r = new KnnRetriever().fit({ texts: TEXTS, labels: [1, 0, 1, 0, 0, 1], numClasses: 2 });
    expect(r.select({ text: TEXTS[3], index: 3 }, 2, new Rng(0)).indices).not.toContain(3);
    expect(r.select({ text: TEXTS[3] }, 1, new Rng(0)).indices).toEqual([3]);
  });
});

describe('model-kernel', () => {
  it("ranks by the inner product P(o|x)^T P(o|x') of the given distributions (a brute-force sort)", () => {
    const rng = new Rng(4);
    const dist = (v: number) => {
      const p = Array.from({ length: v }, () => rng.gamma(0.3));
      const z = p.reduce((a, b) => a + b, 0);
      return p.map((x) => x / z);
    };
    const rows = Array.from({ length: 30 }, () => dist(12));
    const features = { rows: 30, cols: 12, data: Float32Array.from(rows.flat()) };
    const r = new ModelKernelRetriever().fit({
      texts: rows.map((_, i) => `x${i}`),
      labels: new Array(30).fill(0),
      numClasses: 1,
      features,
    });
    const q = dist(12);
    const ref = rows.map((row) => row.reduce((s, v, k) => s + v * q[k], 0));
    const s = r.select({ text: 'q', features: Float32Array.from(q) }, 5, new Rng(0));
    expect(s.indices).toEqual(sortDescending(ref).slice(0, 5));
    s.scores.forEach((v, k) => expect(v).toBeCloseTo(ref[s.indices[k]], 6));
  });
});

describe('hidden-knn', () => {
  it('matches a brute-force cosine sort of the given hidden states, never the query itself', () => {
    const features = randomMatrix(30, 9, 21);
    const r = new HiddenKnnRetriever().fit({
      texts: Array.from({ length: 30 }, (_, i) => `x${i}`),
      labels: new Array(30).fill(0),
      numClasses: 1,
      features,
    });
    const q = randomMatrix(1, 9, 22);
    const ref = Array.from({ length: 30 }, (_, i) => cosine(rowOf(q, 0), rowOf(features, i)));
    const s = r.select({ text: 'q', features: q.data }, 7, new Rng(0));
    expect(s.indices).toEqual(sortDescending(ref).slice(0, 7));
    s.scores.forEach((v, k) => expect(v).toBeCloseTo(ref[s.indices[k]], 5));
    const without = r.select({ text: 'q', features: q.data, index: s.indices[0] }, 7, new Rng(0));
    expect(without.indices).toEqual(sortDescending(ref).slice(1, 8));
  });
});

describe('attention-kernel', () => {
  it('ranks by the inner product of the given query vector with each key (a brute-force sort)', () => {
    const keys = randomMatrix(25, 4, 31);
    const r = new AttentionKernelRetriever().fit({
      texts: Array.from({ length: 25 }, (_, i) => `x${i}`),
      labels: new Array(25).fill(0),
      numClasses: 1,
      features: keys,
    });
    const q = randomMatrix(1, 4, 32);
    const ref = Array.from({ length: 25 }, (_, i) => rowOf(q, 0).reduce((s, v, k) => s + v * rowOf(keys, i)[k], 0));
    const s = r.select({ text: 'q', features: q.data }, 6, new Rng(0));
    expect(s.indices).toEqual(sortDescending(ref).slice(0, 6));
    s.scores.forEach((v, k) => expect(v).toBeCloseTo(ref[s.indices[k]], 5));
  });
});

describe('true-kernel and belief', () => {
  it('rank by the kernel function given, best first', () => {
    const values = [0.3, -1, 2.5, 0.3, 7, 0];
    for (const name of ['true-kernel', 'belief']) {
      const r = createRetriever(name, { kernel: () => values }).fit({ texts: TEXTS, labels: [1, 0, 1, 0, 0, 1], numClasses: 2 });
      expect(r.select({ text: 'q' }, 4, new Rng(0))).toEqual({ indices: [4, 2, 0, 3], scores: [7, 2.5, 0.3, 0.3] });
      expect(r.select({ text: 'q', index: 4 }, 2, new Rng(0)).indices).toEqual([2, 0]);
    }
  });
});
