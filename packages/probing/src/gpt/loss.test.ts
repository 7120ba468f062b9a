// lmLoss against float64 log-sum-exp written out, with logits far beyond exp's float32 range, on
// the wasm kernels' fused passes and on the cpu backend's tfjs kernels.
import { Rng, tf } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { wasmKernelsRun } from '../wasm-kernels.js';
import { lmLoss } from './loss.js';

describe('lmLoss', () => {
  it.each([
    ['wasm', 1, 5],
    ['wasm', 1000, 5],
    ['wasm', 3, 67],
    ['cpu', 1, 5],
    ['cpu', 1000, 5],
  ])(
    'equals the float64 weighted cross-entropy and its gradient (%s backend, logit scale %d, vocabulary %d)',
    async (backend, scale, v) => {
      await tf.setBackend(backend as string);
      expect(wasmKernelsRun()).toBe(backend === 'wasm');
      const rng = new Rng(scale as number);
      const [b, t] = [2, 3];
      const x = Array.from({ length: b * t * (v as number) }, () => (scale as number) * rng.normal());
      const y = Array.from({ length: b * t }, () => rng.int(v));
      const w = Array.from({ length: b * t }, () => rng.uniform());
      const logits = tf.tensor3d(x, [b, t, v]);
      const targets = tf.tensor2d(y, [b, t], 'int32');
      const weights = tf.tensor2d(w, [b, t]);
      const { value, grads } = tf.valueAndGrads((l: tf.Tensor) => lmLoss(l as tf.Tensor3D, targets, weights))([logits]);
      let total = 0;
      const totalWeight = w.reduce((a, c) => a + c, 0);
      const want: number[] = [];
      for (let r = 0; r < b * t; r++) {
        const row = x.slice(r * v, (r + 1) * v);
        const max = Math.max(...row);
        const lse = max + Math.log(row.reduce((s, c) => s + Math.exp(c - max), 0));
        total += w[r]! * (lse - row[y[r]!]!);
        row.forEach((c, j) => want.push(((Math.exp(c - lse) - (j === y[r] ? 1 : 0)) * w[r]!) / totalWeight));
      }
      const loss = value.dataSync()[0]!;
      expect(Number.isFinite(loss)).toBe(true);
      expect(Math.abs(loss - total / totalWeight)).toBeLessThan(1e-5 * Math.max(1, total / totalWeight));
      const got = grads[0]!.dataSync();
      want.forEach((g, i) => expect(Math.abs(got[i]! - g)).toBeLessThan(1e-6));
      tf.dispose([value, logits, targets, weights, ...grads]);
      await tf.setBackend('wasm');
    },
  );
});
