/**
 * `bm25`: Okapi BM25 (Robertson & Zaragoza 2009, "The Probabilistic Relevance Framework: BM25 and
 * Beyond"), the query scored against each pool text and the n best taken (OpenICL's BM25Retriever,
 * Wu et al. 2023). The idf is Lucene's, ln(1 + (N - df + 0.5) / (df + 0.5)), which is never negative.
 */
import type { Rng } from '@iclkr/core';
import { BaseRetriever, type Pool, type Query, type Selection, topN } from './retriever.js';
import { termCounts, tokenize, vocabularyOf } from './text.js';

/** BM25's free parameters: term-frequency saturation k1 and length normalisation b. */
export interface Bm25Options {
  readonly k1?: number;
  readonly b?: number;
}

/** A BM25 index over tokenized documents: `scores(queryTokens)` is the BM25 score of the query against each. */
export class Bm25Index {
  readonly k1: number;
  readonly b: number;
  readonly idf: Float64Array;
  private readonly vocabulary: Map<string, number>;
  /** Postings: for each term, the documents holding it and the term's BM25 weight in each (without idf). */
  private readonly postings: { docs: number[]; weights: number[] }[];
  private readonly size: number;

  constructor(docs: readonly (readonly string[])[], options: Bm25Options = {}) {
    this.k1 = options.k1 ?? 1.2;
    this.b = options.b ?? 0.75;
    this.size = docs.length;
    const { vocabulary, df } = vocabularyOf(docs);
    this.vocabulary = vocabulary;
    const n = docs.length;
    this.idf = Float64Array.from(df, (d) => Math.log(1 + (n - d + 0.5) / (d + 0.5)));
    const avgdl = docs.reduce((s, d) => s + d.length, 0) / Math.max(n, 1);
    this.postings = df.map(() => ({ docs: [], weights: [] }));
    docs.forEach((doc, i) => {
      const norm = this.k1 * (1 - this.b + (this.b * doc.length) / (avgdl || 1));
      for (const [t, tf] of termCounts(doc, vocabulary)) {
        this.postings[t].docs.push(i);
        this.postings[t].weights.push((tf * (this.k1 + 1)) / (tf + norm));
      }
    });
  }

  /** sum over the query's tokens (repeats count again, as rank_bm25) of idf(t) * tf (k1 + 1) / (tf + k1 (1 - b + b |d| / avgdl)). */
  scores(queryTokens: readonly string[]): Float64Array {
    const out = new Float64Array(this.size);
    for (const token of queryTokens) {
      const t = this.vocabulary.get(token);
      if (t === undefined) continue;
      const { docs, weights } = this.postings[t];
      for (let j = 0; j < docs.length; j++) out[docs[j]] += this.idf[t] * weights[j];
    }
    return out;
  }
}

/** The n pool texts with the highest BM25 score against the query, best first; scores are the BM25 scores. */
export class Bm25Retriever extends BaseRetriever<Bm25Options> {
  readonly name = 'bm25';
  private index: Bm25Index | undefined;

  protected override prepare(pool: Pool): void {
    this.index = new Bm25Index(pool.texts.map(tokenize), this.options);
  }

  protected choose(query: Query, n: number, _rng: Rng): Selection {
    return topN(this.index!.scores(tokenize(query.text)), n, query.index);
  }
}
