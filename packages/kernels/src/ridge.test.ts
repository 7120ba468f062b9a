import { matrixFromRows, Rng } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { bruteKernel, randomMatrix, row } from '../test/brute.js';
import { cholesky, choleskySolve } from './linalg.js';
import { KernelRidge } from './ridge.js';

// Reference: Gauss–Jordan elimination with partial pivoting, written independently of Cholesky.
function gaussSolve(a: number[][], b: number[]): number[] {
  const n = a.length;
  const m = a.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((r, i) => r[n] / r[i]);
}

describe('Cholesky', () => {
  it('factors and solves a known SPD system', () => {
    // A = L L^T with L = [[2,0,0],[1,3,0],[-1,2,4]].
    const a = Float64Array.from([4, 2, -2, 2, 10, 5, -2, 5, 21]);
    const l = cholesky(Float64Array.from(a), 3);
    expect(Array.from(l)).toEqual([2, 0, 0, 1, 3, 0, -1, 2, 4]);
    const x = choleskySolve(l, 3, Float64Array.from([1, 2, 3, 4, 5, 6]), 2);
    // Check A X = B.
    for (let i = 0; i < 3; i++)
      for (let c = 0; c < 2; c++) {
        const s = [0, 1, 2].reduce((acc, k) => acc + a[i * 3 + k] * x[k * 2 + c], 0);
        expect(s).toBeCloseTo([1, 2, 3, 4, 5, 6][i * 2 + c], 12);
      }
  });
  it('rejects a matrix that is not positive definite', () => {
    expect(() => cholesky(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(/not positive definite/);
  });
});

describe('KernelRidge', () => {
  it('matches a direct Gauss–Jordan solve of (K + lambda I) a = y', () => {
    const rng = new Rng(4);
    const x = randomMatrix(rng, 30, 3);
    const values = Array.from({ length: 30 }, (_, i) => x.data[3 * i] - x.data[3 * i + 2] ** 2);
    const q = randomMatrix(rng, 10, 3);
    const spec = { kernel: 'rbf' as const, bandwidth: 0.9, alpha: 0.1 };
    const pred = new KernelRidge(spec).fit(x, { kind: 'real', values }).predict(q);
    const k = Array.from({ length: 30 }, (_, i) =>
      Array.from({ length: 30 }, (_, j) => bruteKernel(spec, row(x, i), row(x, j)) + (i === j ? 0.1 : 0)),
    );
    const coef = gaussSolve(k, values);
    for (let i = 0; i < q.rows; i++) {
      const e = coef.reduce((s, c, j) => s + c * bruteKernel(spec, row(q, i), row(x, j)), 0);
      expect(pred.data[i]).toBeCloseTo(e, 3);
    }
  });

  it('with a linear kernel equals ridge regression through the origin (closed form)', () => {
    // y = 2 x exactly; ridge with lambda: w = sum(x y) / (sum(x^2) + lambda).
    const xs = [1, 2, 3, 4];
    const pred = new KernelRidge({ kernel: 'linear', alpha: 2 })
      .fit(matrixFromRows(xs.map((v) => [v])), { kind: 'real', values: xs.map((v) => 2 * v) })
      .predict(matrixFromRows([[5]]));
    expect(pred.data[0]).toBeCloseTo((5 * 2 * 30) / (30 + 2), 4);
  });

  it('rejects a negative alpha', () => {
    expect(() => new KernelRidge({ kernel: 'linear', alpha: -1 })).toThrow(/negative/);
  });
});
