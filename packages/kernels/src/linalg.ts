import { ShapeError } from '@iclkr/core';

/**
 * In-place Cholesky factorisation of a symmetric positive-definite n x n matrix (row-major,
 * float64): on return the lower triangle holds L with A = L L^T; the upper triangle is zeroed.
 * Costs n^3/3 multiply-adds.
 */
export function cholesky(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) throw new ShapeError(`matrix has ${a.length} entries, not ${n}x${n}`, 'pass a square matrix');
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let d = a[rowJ + j];
    for (let k = 0; k < j; k++) d -= a[rowJ + k] * a[rowJ + k];
    if (!(d > 0)) {
      throw new ShapeError(`matrix is not positive definite (pivot ${j} is ${d})`, 'add a larger ridge term to the diagonal');
    }
    const ljj = Math.sqrt(d);
    a[rowJ + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let s = a[rowI + j];
      for (let k = 0; k < j; k++) s -= a[rowI + k] * a[rowJ + k];
      a[rowI + j] = s / ljj;
    }
    for (let k = j + 1; k < n; k++) a[rowJ + k] = 0;
  }
  return a;
}

/**
 * Solves A X = B given A's Cholesky factor L (from `cholesky`), for B with `m` columns
 * (row-major n x m); returns X (new array).
 */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  if (b.length !== n * m) throw new ShapeError(`right-hand side has ${b.length} entries, not ${n}x${m}`, 'match the matrix size');
  const x = Float64Array.from(b);
  // Forward substitution L Y = B.
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) {
      const lik = l[i * n + k];
      if (lik !== 0) for (let c = 0; c < m; c++) x[i * m + c] -= lik * x[k * m + c];
    }
    for (let c = 0; c < m; c++) x[i * m + c] /= l[i * n + i];
  }
  // Back substitution L^T X = Y.
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) {
      const lki = l[k * n + i];
      if (lki !== 0) for (let c = 0; c < m; c++) x[i * m + c] -= lki * x[k * m + c];
    }
    for (let c = 0; c < m; c++) x[i * m + c] /= l[i * n + i];
  }
  return x;
}
