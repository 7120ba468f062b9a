/**
 * Matrix products in the wasm kernels (wasm-kernels.wat's gemm): C = op(A) op(B) (+ bias) with
 * either operand transposed. tfjs-wasm multiplies by a transposed operand in a naive loop (2.2-2.4
 * GFLOP/s against 28-31 for XNNPACK's plain product at our GPT's training shapes), so its gradients
 * went through transposes; here B is packed into panels of 8 columns and A into tiles of 4 rows
 * either way, each read through its strides (which also keeps large products' pieces in cache).
 * Each C[r, j] sums its terms in the order of k whatever the tiling or the thread, so the bits do
 * not depend on the thread count. Measurements: bench/profile.ts.
 */

import { tf } from '@iclkr/core';
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
  // A's rows and columns are ars and acs bytes apart (transposed: read in place).
  const [ars, acs] = transposeA ? [4, 4 * m] : [4 * k, 4];
  const [tiles, panels] = [Math.ceil(m / 4), Math.ceil(n / 8)];
  // The units are the panels of B where there are as many as tiles of A (each thread packs only the
  // panels it takes), else the tiles (each packs every panel). Threads take tiles 8 at a time (so
  // that one that starts late or runs slow takes fewer), panels their share at once (each turn packs
  // all of A's tiles again). A tile by a panel is 64 k flops; a worker pays from about 2^22.
  const byPanels = panels >= tiles;
  const units = byPanels ? panels : tiles;
  const parts = Math.max(1, Math.min(call.threads, Math.floor((units * 64 * k * (byPanels ? tiles : panels)) / 2 ** 22)));
  const size = byPanels ? Math.ceil(panels / parts) : 8;
  // Each thread's scratch: the panels of B it packs, then a group of tiles of A over a block of k (128 KB).
  const [panelFloats, tileFloats] = [8 * k * (byPanels ? size : panels), 32768];
  const scratch = call.scratch((panelFloats + tileFloats) * parts, [0]);
  const next = scratch + 4 * (panelFloats + tileFloats) * parts;
  const fixed = [call.at(a!), ars, acs, call.at(b!), transposeB ? 4 : 4 * n, transposeB ? 4 * k : 4];
  const rest = [call.at(c), 4 * n, bias === undefined ? 0 : call.at(bias), m, n, k, next, units, size, byPanels ? 1 : 0];
  call.parallel('gemm', parts, (_u0, _u1, thread) => {
    const packed = scratch + 4 * (panelFloats + tileFloats) * thread;
    return [...fixed, packed, packed + 4 * panelFloats, ...rest];
  });
  return call.done([c]);
});

// Threads split the columns, 4 at a time (each column summed by one thread, in row order), from
// 2^14 floats each.
defineWasmKernel('IclkrColumnSums', (call, { x }) => {
  const [rows, n] = x!.shape as [number, number];
  const out = call.output([n], true);
  const [at, to] = [call.at(x!), call.at(out)];
  call.parallel('column_sums', n / 4, (g0, g1) => [at + 16 * g0, to + 16 * g0, rows, 4 * (g1 - g0), 4 * n], Math.ceil(2 ** 12 / rows));
  return call.done([out]);
});

/** Whether `gemm` makes products with n columns here: where the wasm kernels run, for n at least 8. */
export function gemmRuns(n: number): boolean {
  return n >= 8 && wasmKernelsRun();
}

/**
 * op(a) op(b) (+ bias) for 2-D a and b (see `GemmOptions`); needs `gemmRuns(n)`. An empty product
 * (no rows, or k = 0) is zeros (plus the bias). Not differentiable by itself.
 */
export function gemm(a: tf.Tensor, b: tf.Tensor, { transposeA = false, transposeB = false, bias }: GemmOptions = {}): tf.Tensor2D {
  if (a.size === 0) {
    // tfjs-wasm's own product leaves [m, 0] x [0, n] uninitialised: zeros, as the sum over no terms
    const shape: [number, number] = [transposeA ? a.shape[1]! : a.shape[0]!, transposeB ? b.shape[0]! : b.shape[1]!];
    return (bias === undefined ? tf.zeros(shape) : tf.add(tf.zeros(shape), bias)) as tf.Tensor2D;
  }
  const inputs: Record<string, tf.Tensor> = bias === undefined ? { a, b } : { a, b, bias };
  return runWasmKernel('IclkrMatMul', inputs, { transposeA, transposeB })[0] as tf.Tensor2D;
}

/** The sums of x's rows, [n] for x [rows, n], added in row order (tfjs's sum where n is not a multiple of 4). */
export function columnSums(x: tf.Tensor): tf.Tensor1D {
  if (x.shape[1]! % 4 !== 0) return tf.sum(x, 0) as tf.Tensor1D;
  return runWasmKernel('IclkrColumnSums', { x })[0] as tf.Tensor1D;
}
