// AdamW's update and the gradient norm: the wasm kernels' float64 pass against the JS loop on the
// cpu backend (the same operations in the same order: the same bits), and the JS loop against
// AdamW's formulas written out for one entry.
import { Rng, tf } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { wasmKernelsRun } from '../wasm-kernels.js';
import { adamwUpdate, sumOfSquares } from './adamw.js';

const rng = new Rng(11);
const random = (n: number, s = 1) => Float32Array.from({ length: n }, () => s * rng.normal());
const step = { scale: 0.7, beta1: 0.9, beta2: 0.98, stepSize: 1e-3 / (1 - 0.9 ** 3), correction2: Math.sqrt(1 - 0.98 ** 3), eps: 1e-8 };

/** adamwUpdate's outputs (new values, m, v) and sumOfSquares on `backend`. */
async function run(backend: string, param: Float32Array, grad: Float32Array | undefined, m: Float32Array, v: Float32Array) {
  await tf.setBackend(backend);
  expect(wasmKernelsRun()).toBe(backend === 'wasm');
  const [mm, vv] = [m.slice(), v.slice()];
  const p = tf.tensor2d(param, [5, 7]);
  const g = grad === undefined ? undefined : tf.tensor2d(grad, [5, 7]);
  const out = adamwUpdate(p, g, mm, vv, 1 - 1e-3 * 0.01, step);
  const result = { next: Array.from(out.dataSync()), m: Array.from(mm), v: Array.from(vv), norm: sumOfSquares([g, undefined, p]) };
  tf.dispose([p, out, ...(g ? [g] : [])]);
  return result;
}

describe('AdamW', () => {
  for (const withGrad of [true, false])
    it(`gives the JS loop's bits on the wasm kernels${withGrad ? '' : ' (no gradient: zero)'}`, async () => {
      const [param, grad, m, v] = [random(35), withGrad ? random(35, 3) : undefined, random(35, 0.1), random(35, 0.01).map(Math.abs)];
      try {
        const cpu = await run('cpu', param, grad, m, v);
        const wasm = await run('wasm', param, grad, m, v);
        expect(wasm).toEqual(cpu);
        // entry 4 by AdamW's formulas
        const gi = (grad?.[4] ?? 0) * step.scale;
        const m4 = Math.fround(0.9 * m[4]! + 0.1 * gi);
        const v4 = Math.fround(0.98 * v[4]! + 0.02 * gi * gi);
        expect(cpu.m[4]).toBeCloseTo(m4, 12);
        expect(cpu.v[4]).toBeCloseTo(v4, 12);
        const want = param[4]! * (1 - 1e-5) - (step.stepSize * m4) / (Math.sqrt(v4) / step.correction2 + 1e-8);
        expect(Math.abs(cpu.next[4]! - want)).toBeLessThan(1e-6 * Math.abs(want) + 1e-12);
        const squares = [...(grad ?? []), ...param].reduce((s, x) => s + x * x, 0);
        expect(Math.abs(cpu.norm - squares)).toBeLessThan(1e-9 * squares);
      } finally {
        await tf.setBackend('wasm');
      }
    });
});
