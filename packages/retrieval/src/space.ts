/**
 * Cosine similarity over a pool, the one the similarity-based strategies share: on the pool's
 * feature rows when given (through @iclkr/kernels' cosine Gram), else on TF-IDF vectors of the texts.
 */
import { type Matrix, ShapeError } from '@iclkr/core';
import { gram, type KernelSpec } from '@iclkr/kernels';
import type { Pool, Query } from './retriever.js';
import { sparseDot, TfIdf } from './text.js';

/** Cosine similarities between queries and pool items, and among pool items. */
export interface CosineSpace {
  /** `features` (the pool's rows) or `tfidf` (built from the texts). */
  readonly kind: 'features' | 'tfidf';
  readonly size: number;
  /** Cosine of the query with every pool item. */
  toPool(query: Query): Float32Array;
  /** Cosines of pool items `items` with every pool item, [items.length, size] row-major. */
  rowsToPool(items: readonly number[]): Float32Array;
  /** Cosines among pool items `items`, [k, k] row-major. */
  among(items: readonly number[]): Float64Array;
}

/** The rows `items` of a matrix, copied into a new one. */
export function rowsOf(m: Matrix, items: readonly number[]): Matrix {
  const data = new Float32Array(items.length * m.cols);
  items.forEach((i, r) => data.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), r * m.cols));
  return { rows: items.length, cols: m.cols, data };
}

/** The query's features as a one-row matrix, or an error naming what is missing. */
export function queryRow(query: Query, cols: number, strategy: string): Matrix {
  if (query.features === undefined) {
    throw new ShapeError(
      `the pool has features but the query has none (${strategy})`,
      'give the query features computed the same way as the pool rows',
    );
  }
  return { rows: 1, cols, data: query.features };
}

/** Kernel values of a query with every pool row (cosine or linear, @iclkr/kernels' gram). */
export function kernelToPool(spec: KernelSpec, features: Matrix, query: Query, strategy: string): Float32Array {
  return gram(spec, queryRow(query, features.cols, strategy), features).data;
}

/**
 * Inner products (or cosines) of a query with every pool row, in plain float64 loops: for one
 * query against a pool this is faster than a tensor product, which first copies the whole pool
 * into a tensor (500 of GPT-2's next-token distributions are 100 MB: 1.3 s a query on wasm, 30 ms here).
 */
export function dotToPool(features: Matrix, query: Query, strategy: string, cosine = false): Float64Array {
  const q = queryRow(query, features.cols, strategy).data;
  const { rows, cols, data } = features;
  const out = new Float64Array(rows);
  let qq = 0;
  for (let c = 0; c < cols; c++) qq += q[c] * q[c];
  for (let r = 0; r < rows; r++) {
    let dot = 0;
    let rr = 0;
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      dot += q[c] * data[base + c];
      if (cosine) rr += data[base + c] * data[base + c];
    }
    out[r] = !cosine ? dot : qq === 0 || rr === 0 ? 0 : dot / Math.sqrt(qq * rr);
  }
  return out;
}

const COSINE: KernelSpec = { kernel: 'cosine' };

function featureSpace(features: Matrix, strategy: string): CosineSpace {
  return {
    kind: 'features',
    size: features.rows,
    toPool: (query) => kernelToPool(COSINE, features, query, strategy),
    rowsToPool: (items) => gram(COSINE, rowsOf(features, items), features).data,
    among: (items) => {
      const sub = rowsOf(features, items);
      return Float64Array.from(gram(COSINE, sub, sub).data);
    },
  };
}

function tfidfSpace(texts: readonly string[]): CosineSpace {
  const tfidf = new TfIdf(texts);
  return {
    kind: 'tfidf',
    size: texts.length,
    toPool: (query) => tfidf.cosineToPool(tfidf.transform(query.text)),
    rowsToPool: (items) => {
      const out = new Float32Array(items.length * texts.length);
      items.forEach((i, r) => out.set(tfidf.cosineToPool(tfidf.rows[i]), r * texts.length));
      return out;
    },
    among: (items) => {
      const k = items.length;
      const out = new Float64Array(k * k);
      for (let a = 0; a < k; a++) {
        for (let b = a; b < k; b++) out[a * k + b] = out[b * k + a] = sparseDot(tfidf.rows[items[a]], tfidf.rows[items[b]]);
      }
      return out;
    },
  };
}

/** The cosine space of a (checked) pool: its feature rows when given, else TF-IDF of its texts. */
export function cosineSpace(pool: Pool, strategy: string): CosineSpace {
  return pool.features !== undefined ? featureSpace(pool.features, strategy) : tfidfSpace(pool.texts);
}
