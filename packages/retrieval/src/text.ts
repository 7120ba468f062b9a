/**
 * Lexical representations of texts: lower-cased word tokens, a vocabulary, and TF-IDF vectors
 * (sparse, L2-normalised) with cosine similarity through an inverted index.
 */

/** Lower-cased word tokens: maximal runs of letters and digits (punctuation and apostrophes split words). */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** A sparse vector: term ids (ascending) and their weights. */
export interface SparseVector {
  readonly terms: Int32Array;
  readonly values: Float32Array;
}

/** Term counts of a token list over a vocabulary (unknown tokens dropped), as term id -> count. */
export function termCounts(tokens: readonly string[], vocabulary: ReadonlyMap<string, number>): Map<number, number> {
  const counts = new Map<number, number>();
  for (const t of tokens) {
    const id = vocabulary.get(t);
    if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** The vocabulary of tokenized documents (term -> id, in order of first appearance) and each term's document frequency. */
export function vocabularyOf(docs: readonly (readonly string[])[]): { vocabulary: Map<string, number>; df: number[] } {
  const vocabulary = new Map<string, number>();
  const df: number[] = [];
  for (const doc of docs) {
    for (const t of new Set(doc)) {
      let id = vocabulary.get(t);
      if (id === undefined) {
        id = vocabulary.size;
        vocabulary.set(t, id);
        df.push(0);
      }
      df[id]++;
    }
  }
  return { vocabulary, df };
}

/**
 * TF-IDF vectors fitted on a pool, as scikit-learn's TfidfVectorizer defaults: raw counts times
 * the smooth idf ln((1 + N) / (1 + df)) + 1, then L2-normalised, so that a dot product is the
 * cosine. Queries use the pool's vocabulary and idf; words the pool never saw are dropped.
 */
export class TfIdf {
  readonly vocabulary: Map<string, number>;
  readonly idf: Float64Array;
  /** The pool's vectors, one per text. */
  readonly rows: SparseVector[];
  /** Inverted index: for each term, the pool rows holding it and their weights. */
  private readonly postings: { rows: number[]; values: number[] }[];

  constructor(texts: readonly string[]) {
    const docs = texts.map(tokenize);
    const { vocabulary, df } = vocabularyOf(docs);
    this.vocabulary = vocabulary;
    this.idf = Float64Array.from(df, (d) => Math.log((1 + texts.length) / (1 + d)) + 1);
    this.rows = docs.map((doc) => this.vector(doc));
    this.postings = df.map(() => ({ rows: [], values: [] }));
    this.rows.forEach((row, i) => {
      row.terms.forEach((t, k) => {
        this.postings[t].rows.push(i);
        this.postings[t].values.push(row.values[k]);
      });
    });
  }

  /** The L2-normalised TF-IDF vector of a text (the zero vector when no word is known). */
  transform(text: string): SparseVector {
    return this.vector(tokenize(text));
  }

  /** Cosine of a vector with every pool row. */
  cosineToPool(v: SparseVector): Float32Array {
    const out = new Float32Array(this.rows.length);
    v.terms.forEach((t, k) => {
      const p = this.postings[t];
      for (let j = 0; j < p.rows.length; j++) out[p.rows[j]] += v.values[k] * p.values[j];
    });
    return out;
  }

  private vector(tokens: readonly string[]): SparseVector {
    const counts = [...termCounts(tokens, this.vocabulary)].sort((a, b) => a[0] - b[0]);
    const values = counts.map(([t, c]) => c * this.idf[t]);
    const norm = Math.sqrt(values.reduce((s, x) => s + x * x, 0));
    return { terms: Int32Array.from(counts, ([t]) => t), values: Float32Array.from(values, (x) => (norm > 0 ? x / norm : 0)) };
  }
}

/** Dot product of two sparse vectors (terms ascending). */
export function sparseDot(a: SparseVector, b: SparseVector): number {
  let s = 0;
  let i = 0;
  let j = 0;
  while (i < a.terms.length && j < b.terms.length) {
    if (a.terms[i] === b.terms[j]) s += a.values[i++] * b.values[j++];
    else if (a.terms[i] < b.terms[j]) i++;
    else j++;
  }
  return s;
}
