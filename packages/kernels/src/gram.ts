import { type Matrix, ShapeError, tf } from '@iclkr/core';
import { batchRows, DEFAULT_MAX_MEMORY_BYTES, forEachBatch, type ProgressCallback } from './batching.js';
import { type KernelSpec, type PreparedKeys, prepareKeys, toTensor } from './kernel.js';

/** Options for evaluating a kernel over many pairs. */
export interface GramOptions {
  /** Return log K instead of K (only for rbf, laplacian, attention and log precomputed). */
  readonly log?: boolean;
  readonly maxMemoryBytes?: number;
  readonly onProgress?: ProgressCallback;
}

/**
 * Streams `size`-row query batches: `fn` gets each [count, d] batch inside a tidy scope and
 * returns the tensor to keep for it; `collect` receives its values.
 */
export function mapQueryBatches(
  queries: Matrix,
  size: number,
  fn: (q: tf.Tensor2D, start: number, count: number) => tf.Tensor,
  collect: (values: Float32Array, start: number, count: number) => void,
  onProgress?: ProgressCallback,
): void {
  forEachBatch(
    queries.rows,
    size,
    (start, count) => {
      const out = tf.tidy(() =>
        fn(tf.tensor2d(queries.data.subarray(start * queries.cols, (start + count) * queries.cols), [count, queries.cols]), start, count),
      );
      collect(out.dataSync() as Float32Array, start, count);
      out.dispose();
    },
    onProgress,
  );
}

/**
 * Streams query batches against prepared keys: `fn` gets each batch's [b, n] scores (log K when
 * `prepared.logSpace`, else K) inside a tidy scope and returns the tensor to keep for that
 * batch; `collect` receives its values.
 */
export function mapKernelBatches(
  prepared: PreparedKeys,
  queries: Matrix,
  bandwidth: number | undefined,
  options: Omit<GramOptions, 'log'>,
  fn: (k: tf.Tensor2D, start: number, count: number) => tf.Tensor,
  collect: (values: Float32Array, start: number, count: number) => void,
): void {
  const size = batchRows(options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES, prepared.count, prepared.bytesPerPair);
  mapQueryBatches(queries, size, (q, start, count) => fn(prepared.scores(q, bandwidth), start, count), collect, options.onProgress);
}

/** The kernel matrix K(a_i, b_j), [a.rows, b.rows], computed in query batches. */
export function gram(spec: KernelSpec, a: Matrix, b: Matrix, options: GramOptions = {}): Matrix {
  if (spec.kernel !== 'precomputed' && a.cols !== b.cols) {
    throw new ShapeError(`${a.cols} features against ${b.cols}`, 'give both sets the same feature columns');
  }
  const keys = toTensor(b);
  const prepared = prepareKeys(spec, keys);
  const out = new Float32Array(a.rows * b.rows);
  try {
    if (options.log && !prepared.logSpace) {
      throw new ShapeError(`kernel ${spec.kernel} has no log form`, 'drop the log option');
    }
    mapKernelBatches(
      prepared,
      a,
      spec.bandwidth,
      options,
      (s) => (options.log || !prepared.logSpace ? s : tf.exp(s)),
      (values, start) => out.set(values, start * b.rows),
    );
  } finally {
    prepared.dispose();
    keys.dispose();
  }
  return { rows: a.rows, cols: b.rows, data: out };
}
