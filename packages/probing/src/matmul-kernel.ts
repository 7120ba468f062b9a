/**
 * Matrix products in the wasm kernels (wasm-kernels.wat's gemm): C = op(A) op(B) (+ bias) with
 * either operand transposed in place. tfjs-wasm multiplies by a transposed operand in a naive loop
 * (2.2-2.4 GFLOP/s against 28-31 for XNNPACK's plain product at our GPT's training shapes), so its
 * gradients went through transposes; here the transposed A is read through its strides and B is
 * packed into panels of 8 columns either way (which also keeps large products' panels in cache).
 * Each C[r, j] sums its terms in the order of k whatever the tiling or the thread, so the bits do
 * not depend on the thread count. Measurements: bench/profile.ts.
 */

import type { tf } from '@iclkr/core';
import { defineWasmKernel, runWasmKernel, wasmKernelsRun } from './wasm-kernels.js';

/** Which operands are read transposed: A stored [k, m], B stored [n, k]. */
export interface GemmOptions {
  transposeA?: boolean;
  transposeB?: boolean;
  /** Added to every row of the product: [n]. */
  bias?: tf.Tensor1D;
}

defineWasmKernel<{ transposeA: boolean; transposeB: boolean }>('IclkrMatMul', (call, { a, b, bias }, { transposeA, transposeB }) => {
  const [ra, ca] = a!.shape as [number, number];
  const [m, k] = transposeA ? [ca, ra] : [ra, ca];
  const n = transposeB ? b!.shape[0]! : b!.shape[1]!;
  const c = call.output([m, n]);
  const packed = call.scratch(8 * k * Math.ceil(n / 8));
  call.exports.gemm_pack!(call.at(b!), transposeB ? 4 : 4 * n, transposeB ? 4 * k : 4, packed, n, k);
  const [ars, acs] = transposeA ? [4, 4 * m] : [4 * k, 4];
  const args = [call.at(a!), ars, acs, packed, call.at(c), 4 * n, bias === undefined ? 0 : call.at(bias), m, n, k];
  // A tile of 4 rows is 8 n k flops; a worker pays from about 2^22 of them.
  call.parallel('gemm', Math.ceil(m / 4), (t0, t1) => [...args, t0, t1], Math.ceil(2 ** 22 / (8 * n * k)));
  return call.done([c]);
});

defineWasmKernel('IclkrColumnSums', (call, { x }) => {
  const [rows, n] = x!.shape as [number, number];
  const out = call.output([n], true);
  call.exports.column_sums!(call.at(x!), call.at(out), rows, n);
  return call.done([out]);
});

/** Whether `gemm` makes products with n columns here: where the wasm kernels run, for n a multiple of 4 and at least 8. */
export function gemmRuns(n: number): boolean {
  return n % 4 === 0 && n >= 8 && wasmKernelsRun();
}

/** op(a) op(b) (+ bias) for 2-D a and b (see `GemmOptions`); needs `gemmRuns(n)`. Not differentiable by itself. */
export function gemm(a: tf.Tensor, b: tf.Tensor, { transposeA = false, transposeB = false, bias }: GemmOptions = {}): tf.Tensor2D {
  const inputs: Record<string, tf.Tensor> = bias === undefined ? { a, b } : { a, b, bias };
  return runWasmKernel('IclkrMatMul', inputs, { transposeA, transposeB })[0] as tf.Tensor2D;
}

/** The sums of x's rows, [n] for x [rows, n] (n a multiple of 4), added in row order. */
export function columnSums(x: tf.Tensor): tf.Tensor1D {
  return runWasmKernel('IclkrColumnSums', { x })[0] as tf.Tensor1D;
}
