// Brute-force float64 references for the tests: plain loops, written independently of the package's code.
import { type Matrix, Rng } from '@iclkr/core';

/** Row i of a matrix as a plain array. */
export const rowOf = (m: Matrix, i: number) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols));

export const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, k) => s + v * b[k], 0);

export function cosine(a: readonly number[], b: readonly number[]): number {
  const na = Math.sqrt(dot(a, a));
  const nb = Math.sqrt(dot(b, b));
  return na === 0 || nb === 0 ? 0 : dot(a, b) / (na * nb);
}

/** Indices sorted by descending score, ties to the lower index. */
export function sortDescending(scores: readonly number[]): number[] {
  return scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
}

/** A [rows, cols] matrix of seeded normal draws. */
export function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const rng = new Rng(seed);
  return { rows, cols, data: Float32Array.from({ length: rows * cols }, () => rng.normal()) };
}

/** Determinant by Gaussian elimination with partial pivoting (float64). */
export function determinant(a: number[][]): number {
  const m = a.map((r) => r.slice());
  const n = m.length;
  let det = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    if (m[p][c] === 0) return 0;
    if (p !== c) {
      [m[p], m[c]] = [m[c], m[p]];
      det = -det;
    }
    det *= m[c][c];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k < n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return det;
}

/** Every k-subset of [0, n), in lexicographic order. */
export function combinations(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  const out: number[][] = [];
  for (let first = 0; first <= n - k; first++) {
    for (const rest of combinations(n - first - 1, k - 1)) out.push([first, ...rest.map((r) => r + first + 1)]);
  }
  return out;
}

/** The principal submatrix of a [m, m] row-major matrix on `items`. */
export function submatrix(a: ArrayLike<number>, m: number, items: readonly number[]): number[][] {
  return items.map((i) => items.map((j) => a[i * m + j]));
}
