import { ShapeError } from './errors.js';

/** A dense row-major float32 matrix: row i is `data.subarray(i * cols, (i + 1) * cols)`. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

/** Builds a Matrix from row arrays, checking that every row has the same length. */
export function matrixFromRows(rows: ArrayLike<number>[]): Matrix {
  const cols = rows.length === 0 ? 0 : rows[0].length;
  const data = new Float32Array(rows.length * cols);
  rows.forEach((row, i) => {
    if (row.length !== cols) {
      throw new ShapeError(`row ${i} has ${row.length} values but row 0 has ${cols}`, 'give every row the same number of features');
    }
    data.set(Array.from(row), i * cols);
  });
  return { rows: rows.length, cols, data };
}

/** Row i of a matrix as a view (no copy). */
export function matrixRow(m: Matrix, i: number): Float32Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}
