// The backends' matrix-product rates, measured in the benchmark's run: the ceiling that the
// model's achieved GFLOP/s are read against.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tf } from '@iclkr/core';
import { matMul } from '../src/index.js';

const REFERENCE = fileURLToPath(new URL('./train_reference.py', import.meta.url));

/**
 * GFLOP/s of `product` [m, k] x [k, n] in this process (best of 20 calls; a fixed right operand, as
 * the weights are): the model's (ops.matMul: our wasm gemm where it runs) or tfjs's own (XNNPACK).
 */
export function matmulRate(m: number, k: number, n: number, product: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor = matMul): number {
  const a = tf.randomNormal([m, k]);
  const b = tf.randomNormal([k, n]);
  let bestMs = Infinity;
  for (let r = 0; r < 20; r++) {
    const started = performance.now();
    const c = product(a as tf.Tensor2D, b as tf.Tensor2D);
    c.dataSync();
    bestMs = Math.min(bestMs, performance.now() - started);
    c.dispose();
  }
  tf.dispose([a, b]);
  return (2 * m * k * n) / (bestMs / 1000) / 1e9;
}

/**
 * Rates of the model's product and tfjs's tf.matMul (this process), and of torch.mm at threads 1 and
 * 2 (train_reference.py --matmul, null without torch), by shape `m x k x n`.
 */
export function matmulRates(shapes: readonly (readonly [number, number, number])[]): {
  ours: Record<string, number>;
  tfjs: Record<string, number>;
  torch: Record<string, Record<string, number>> | null;
} {
  const rates = (product?: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor) =>
    Object.fromEntries(shapes.map(([m, k, n]) => [`${m}x${k}x${n}`, matmulRate(m, k, n, product)]));
  const [ours, tfjs] = [rates(), rates((a, b) => tf.matMul(a, b))];
  const run = spawnSync('/usr/bin/python3', [REFERENCE, '--matmul', shapes.map((s) => s.join(',')).join(';')], { encoding: 'utf8' });
  return { ours, tfjs, torch: run.status === 0 ? JSON.parse(run.stdout.trim().split('\n').pop()!) : null };
}

/** The rates as table rows: shape, ours, tfjs's, torch at 1 and 2 threads. */
export function matmulTable(rates: ReturnType<typeof matmulRates>, threads: number): Record<string, string>[] {
  return Object.keys(rates.ours).map((shape) => ({
    'm x k x n': shape,
    [`ours (${threads} threads)`]: rates.ours[shape]!.toFixed(1),
    'tf.matMul (XNNPACK)': rates.tfjs[shape]!.toFixed(1),
    'torch 1 thread': rates.torch?.['1']?.[shape]?.toFixed(1) ?? '-',
    'torch 2 threads': rates.torch?.['2']?.[shape]?.toFixed(1) ?? '-',
  }));
}
