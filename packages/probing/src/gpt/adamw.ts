/**
 * AdamW's update of one parameter and the global gradient norm its gradients are clipped by, in
 * float64 arithmetic on float32 state: in the wasm kernels where they run (the gradients read where
 * they lie, no copies), else in a JS loop. Both do the same operations in the same order, so they
 * give the same bits (a test checks it).
 */

import { tf } from '@iclkr/core';
import { Call, defineWasmKernel, runWasmKernel, wasmKernelsRun } from '../wasm-kernels.js';

/** What one optimiser step's updates of all parameters share. */
export interface AdamWStep {
  /** The factor that clips the gradients. */
  scale: number;
  beta1: number;
  beta2: number;
  /** lr / (1 - beta1^t). */
  stepSize: number;
  /** sqrt(1 - beta2^t). */
  correction2: number;
  eps: number;
}

/** The attributes of the update kernel: the step, the parameter's decay factor and its moments (updated in place). */
type Attrs = AdamWStep & { decay: number; m: Float32Array; v: Float32Array };

defineWasmKernel<Attrs>('IclkrAdamW', (call, { param, grad }, a) => {
  const n = a.m.length;
  const out = call.output(param!.shape);
  const moments = call.scratch(2 * n);
  call.floats(moments, n).set(a.m);
  call.floats(moments + 4 * n, n).set(a.v);
  const [p, g] = [call.at(param!), grad === undefined ? 0 : call.at(grad)];
  const { scale, beta1, beta2, decay, stepSize, correction2, eps } = a;
  call.exports.adamw!(
    p,
    g,
    moments,
    moments + 4 * n,
    call.at(out),
    n,
    scale,
    beta1,
    1 - beta1,
    beta2,
    1 - beta2,
    decay,
    stepSize,
    correction2,
    eps,
  );
  a.m.set(call.floats(moments, n));
  a.v.set(call.floats(moments + 4 * n, n));
  return call.done([out]);
});

/** The sum of the squares of the gradients' entries (undefined: none), added in order in float64. */
export function sumOfSquares(grads: (tf.Tensor | undefined)[]): number {
  if (wasmKernelsRun()) {
    const call = new Call(tf.backend());
    return grads.reduce((acc, g) => (g === undefined ? acc : (call.exports.sum_squares!(call.at(g), g.size, acc) as number)), 0);
  }
  let sum = 0;
  for (const g of grads) {
    const values = g?.dataSync() ?? [];
    for (let i = 0; i < values.length; i++) sum += values[i]! * values[i]!;
  }
  return sum;
}

/**
 * The parameter after one AdamW step, from its gradient (undefined: zero), its decay factor (1 -
 * lr weight decay, or 1) and its moments m and v, which are updated in place.
 */
export function adamwUpdate(
  param: tf.Tensor,
  grad: tf.Tensor | undefined,
  m: Float32Array,
  v: Float32Array,
  decay: number,
  step: AdamWStep,
): tf.Tensor {
  if (wasmKernelsRun()) return runWasmKernel('IclkrAdamW', grad === undefined ? { param } : { param, grad }, { ...step, decay, m, v })[0]!;
  const { scale, beta1, beta2, stepSize, correction2, eps } = step;
  const g = grad?.dataSync();
  const old = param.dataSync();
  const next = new Float32Array(old.length);
  for (let i = 0; i < old.length; i++) {
    const gi = g === undefined ? 0 : g[i]! * scale;
    m[i] = beta1 * m[i]! + (1 - beta1) * gi;
    v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi;
    next[i] = old[i]! * decay - (stepSize * m[i]!) / (Math.sqrt(v[i]!) / correction2 + eps);
  }
  return tf.tensor(next, param.shape, 'float32');
}
