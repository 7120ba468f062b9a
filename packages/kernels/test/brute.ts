// Brute-force float64 references used by the tests: plain loops over every pair, written
// independently of the batched tensor code.
import type { Matrix, Rng } from '@iclkr/core';
import type { KernelSpec } from '../src/kernel.js';

const row = (m: Matrix, i: number) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols));

const EXPONENTIAL = new Set(['rbf', 'laplacian', 'attention']);

/** log K for the exponential kernels. */
export function bruteLogKernel(spec: KernelSpec, a: number[], b: number[]): number {
  const h = spec.bandwidth ?? 1;
  if (spec.kernel === 'rbf') return -a.reduce((s, v, k) => s + (v - b[k]) ** 2, 0) / (2 * h * h);
  if (spec.kernel === 'laplacian') return -a.reduce((s, v, k) => s + Math.abs(v - b[k]), 0) / h;
  return a.reduce((s, v, k) => s + v * b[k], 0) / h;
}

export function bruteKernel(spec: KernelSpec, a: number[], b: number[]): number {
  const dot = a.reduce((s, v, k) => s + v * b[k], 0);
  switch (spec.kernel) {
    case 'rbf':
    case 'laplacian':
    case 'attention':
      return Math.exp(bruteLogKernel(spec, a, b));
    case 'linear':
      return dot;
    case 'cosine':
      return dot / Math.sqrt(a.reduce((s, v) => s + v * v, 0) * b.reduce((s, v) => s + v * v, 0));
    case 'poly':
      return ((spec.gamma ?? 1 / a.length) * dot + (spec.coef0 ?? 1)) ** (spec.degree ?? 3);
    default:
      throw new Error(`no brute-force form for ${spec.kernel}`);
  }
}

/** NW estimate with targets y [n][C]; `exclude` drops one training index (leave-one-out). */
export function bruteNW(spec: KernelSpec, x: Matrix, y: number[][], q: number[], normalize = true, exclude = -1): number[] {
  const c = y[0].length;
  const num = new Array(c).fill(0);
  let den = 0;
  // Normalised exponential kernels: weights relative to the largest, so tiny bandwidths stay finite.
  let shift = 0;
  if (normalize && EXPONENTIAL.has(spec.kernel)) {
    shift = -Infinity;
    for (let i = 0; i < x.rows; i++) if (i !== exclude) shift = Math.max(shift, bruteLogKernel(spec, q, row(x, i)));
  }
  for (let i = 0; i < x.rows; i++) {
    if (i === exclude) continue;
    const k = shift === 0 ? bruteKernel(spec, q, row(x, i)) : Math.exp(bruteLogKernel(spec, q, row(x, i)) - shift);
    den += k;
    for (let j = 0; j < c; j++) num[j] += k * y[i][j];
  }
  return num.map((v) => (normalize ? v / den : v / x.rows));
}

export { row };

/** A seeded Gaussian random matrix. */
export function randomMatrix(rng: Rng, rows: number, cols: number, scale = 1): Matrix {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal() * scale;
  return { rows, cols, data };
}
