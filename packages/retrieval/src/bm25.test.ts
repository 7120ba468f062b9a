import { Rng } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { Bm25Index, Bm25Retriever } from './bm25.js';
import { tokenize } from './text.js';

// Three documents: lengths 3, 6 and 5 words, so avgdl = 14 / 3.
const DOCS = ['The cat sat.', 'The dog sat on the mat', 'a cat and a dog'];

/**
 * Reference: the BM25 formula written out term by term for this corpus (k1 = 1.2, b = 0.75,
 * idf = ln(1 + (N - df + 0.5) / (df + 0.5)) with N = 3).
 */
function handBm25(query: string[]): number[] {
  const k1 = 1.2;
  const b = 0.75;
  const avgdl = 14 / 3;
  const idf: Record<string, number> = {
    cat: Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5)), // docs 0 and 2
    sat: Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5)), // docs 0 and 1
    the: Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5)), // docs 0 and 1 (twice in 1)
    dog: Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5)), // docs 1 and 2
    mat: Math.log(1 + (3 - 1 + 0.5) / (1 + 0.5)), // doc 1 only
  };
  const tf = [
    { the: 1, cat: 1, sat: 1 },
    { the: 2, dog: 1, sat: 1, on: 1, mat: 1 },
    { a: 2, cat: 1, and: 1, dog: 1 },
  ] as Record<string, number>[];
  const len = [3, 6, 5];
  return tf.map((counts, d) =>
    query.reduce((s, t) => {
      const f = counts[t] ?? 0;
      return s + (f === 0 ? 0 : (idf[t] * f * (k1 + 1)) / (f + k1 * (1 - b + (b * len[d]) / avgdl)));
    }, 0),
  );
}

describe('bm25', () => {
  it('scores a query against a 3-document corpus as the hand-written Okapi formula', () => {
    const index = new Bm25Index(DOCS.map(tokenize));
    for (const query of [['cat', 'sat'], ['the', 'mat'], ['dog', 'the', 'the'], ['unseen']]) {
      const scores = Array.from(index.scores(query));
      handBm25(query).forEach((ref, d) => expect(scores[d]).toBeCloseTo(ref, 12));
    }
    // A worked value: "cat" in doc 0 (tf 1, |d| 3) = ln(1.6) * 2.2 / (1 + 1.2 (0.25 + 0.75 * 9 / 14)).
    expect(index.scores(['cat'])[0]).toBeCloseTo((Math.log(1.6) * 2.2) / (1 + 1.2 * (0.25 + (0.75 * 9) / 14)), 12);
  });

  it('retrieves the best-scoring texts, best first, with their scores, and never the query itself', () => {
    const r = new Bm25Retriever().fit({ texts: DOCS, labels: [0, 1, 0], numClasses: 2 });
    const ref = handBm25(['the', 'mat']);
    const s = r.select({ text: 'THE mat!' }, 2, new Rng(0));
    expect(s.indices).toEqual([1, 0]);
    expect(s.scores[0]).toBeCloseTo(ref[1], 12);
    expect(r.select({ text: 'the mat', index: 1 }, 2, new Rng(0)).indices).toEqual([0, 2]);
  });

  it('lower-cases and splits words at punctuation', () => {
    expect(tokenize("It 's a CHARMING, often-affecting journey.")).toEqual(['it', 's', 'a', 'charming', 'often', 'affecting', 'journey']);
  });
});
