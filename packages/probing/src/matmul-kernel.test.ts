// The wasm kernels' matrix products against a brute-force loop that adds each C[r, j]'s terms in
// float32 in the documented order (bias, then k = 0, 1, ...): the bits must match exactly, at
// every tiling edge (rows not a multiple of 4, columns not a multiple of 8, k over a block of 256).
import { Rng, tf } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { columnSums, gemm, gemmRuns } from './matmul-kernel.js';
import { matMul } from './ops.js';

const rng = new Rng(7);
const random = (n: number) => Float32Array.from({ length: n }, () => rng.normal());

/** C = op(A) op(B) (+ bias) in float32, term by term in order of k. */
function loop(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  tA: boolean,
  tB: boolean,
  bias?: Float32Array,
): Float32Array {
  const c = new Float32Array(m * n);
  for (let r = 0; r < m; r++)
    for (let j = 0; j < n; j++) {
      let acc = bias?.[j] ?? 0;
      for (let p = 0; p < k; p++) {
        const x = tA ? a[p * m + r]! : a[r * k + p]!;
        const y = tB ? b[j * k + p]! : b[p * n + j]!;
        acc = Math.fround(acc + Math.fround(x * y));
      }
      c[r * n + j] = acc;
    }
  return c;
}

describe('gemm (the wasm kernels’ matrix products)', () => {
  it('runs here for products at least 8 columns wide', () => {
    expect([8, 12, 67, 4, 7].map(gemmRuns)).toEqual([true, true, true, false, false]);
  });

  const shapes: [number, number, number][] = [
    [1, 1, 8],
    [3, 5, 12],
    [9, 300, 20],
    [17, 600, 8],
    [64, 33, 36],
    [6, 7, 67],
    [2, 260, 9],
  ];
  for (const [m, k, n] of shapes)
    for (const [tA, tB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const)
      it(`${m} x ${k} x ${n}${tA ? ', A transposed' : ''}${tB ? ', B transposed' : ''}: the loop's bits, with and without a bias`, () => {
        const a = random(m * k);
        const b = random(k * n);
        const bias = random(n);
        tf.tidy(() => {
          const ta = tf.tensor2d(a, tA ? [k, m] : [m, k]);
          const tb = tf.tensor2d(b, tB ? [n, k] : [k, n]);
          const plain = gemm(ta, tb, { transposeA: tA, transposeB: tB });
          const biased = gemm(ta, tb, { transposeA: tA, transposeB: tB, bias: tf.tensor1d(bias) });
          expect(plain.shape).toEqual([m, n]);
          expect(Array.from(plain.dataSync())).toEqual(Array.from(loop(a, b, m, k, n, tA, tB)));
          expect(Array.from(biased.dataSync())).toEqual(Array.from(loop(a, b, m, k, n, tA, tB, bias)));
        });
      });

  it('columnSums adds the rows in order (the loop’s bits), 16 columns at a time and then 4', () => {
    const [rows, n] = [37, 36];
    const x = random(rows * n);
    const sums = new Float32Array(n);
    for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) sums[j] = Math.fround(sums[j]! + x[r * n + j]!);
    expect(Array.from(tf.tidy(() => columnSums(tf.tensor2d(x, [rows, n])).dataSync()))).toEqual(Array.from(sums));
  });

  it('columnSums takes widths that are not multiples of 4, and gemm empty products (zeros and the bias)', () => {
    const x = random(5 * 10);
    const want = Array.from({ length: 10 }, (_, j) => [0, 1, 2, 3, 4].reduce((s, r) => s + x[r * 10 + j]!, 0));
    const got = tf.tidy(() => Array.from(columnSums(tf.tensor2d(x, [5, 10])).dataSync()));
    got.forEach((v, j) => expect(Math.abs(v - want[j]!)).toBeLessThan(1e-5));
    tf.tidy(() => {
      expect(gemm(tf.zeros([0, 3]), tf.ones([3, 8])).shape).toEqual([0, 8]);
      expect(Array.from(gemm(tf.zeros([2, 0]), tf.zeros([0, 8]), { bias: tf.fill([8], 2) as tf.Tensor1D }).dataSync())).toEqual(
        Array(16).fill(2),
      );
    });
  });

  for (const [m, k, n] of <[number, number, number][]>[
    [50, 24, 40],
    [9, 12, 10],
  ])
    it(`matMul's gradients on gemm agree with tfjs's own product and its gradients at ${m} x ${k} x ${n} (within float32 rounding)`, () => {
      const x = tf.tensor2d(random(m * k), [m, k]);
      const w = tf.tensor2d(random(k * n), [k, n]);
      const b = tf.tensor1d(random(n));
      const dy = tf.tensor2d(random(m * n), [m, n]);
      const ours = tf.grads((x, w, b) => matMul(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D))([x, w, b], dy);
      const plain = tf.grads((x, w, b) => tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b))([x, w, b], dy);
      ours.forEach((g, i) => {
        const [got, want] = [g.dataSync(), plain[i]!.dataSync()];
        want.forEach((v, e) => expect(Math.abs(got[e]! - v)).toBeLessThan(1e-4 * Math.max(1, Math.abs(v))));
      });
      expect(matMul(x, w, b).dataSync()).toEqual(gemm(x, w, { bias: b }).dataSync());
      tf.dispose([x, w, b, dy, ...ours, ...plain]);
    });
});
