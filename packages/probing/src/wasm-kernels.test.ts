import { readFileSync } from 'node:fs';
import { Rng, tf } from '@iclkr/core';
import wabt from 'wabt';
import { describe, expect, it } from 'vitest';
import { gelu, layerNorm } from './ops.js';
import { runWasmKernel, WASM_KERNELS_BYTES, WASM_KERNELS_SHARED_BYTES, wasmKernelsRun } from './wasm-kernels.js';

describe('the wasm kernels module', () => {
  it('is wasm-kernels.wat as wabt assembles it, with its own and with a shared memory (the bytes are not edited by hand)', async () => {
    const source = readFileSync(new URL('./wasm-kernels.wat', import.meta.url), 'utf8');
    const plain = '(memory (import "env" "memory") 1)';
    expect(source).toContain(plain);
    const assemble = async (text: string) => {
      const module = (await wabt()).parseWat('wasm-kernels.wat', text, { simd: true, threads: true });
      const { buffer } = module.toBinary({});
      module.destroy();
      return Buffer.from(buffer).toString('base64');
    };
    expect(await assemble(source)).toBe(WASM_KERNELS_BYTES);
    expect(await assemble(source.replace(plain, '(memory (import "env" "memory") 1 65536 shared)'))).toBe(WASM_KERNELS_SHARED_BYTES);
  });

  it('runs on the wasm backend (over its memory); on the cpu backend a kernel call is a one-line error naming the fix', async () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmKernelsRun()).toBe(true);
    await tf.setBackend('cpu');
    try {
      expect(wasmKernelsRun()).toBe(false);
      const x = tf.zeros([2, 4]);
      expect(() => runWasmKernel('IclkrGelu', { x })).toThrow(
        expect.objectContaining({
          message: "the wasm kernels run on the wasm backend only (this is 'cpu')",
          fix: expect.stringMatching(/initBackend\('wasm'\)/),
        }),
      );
      x.dispose();
    } finally {
      await tf.setBackend('wasm');
    }
  });

  const rng = new Rng(4);
  const random = (n: number) => Float64Array.from({ length: n }, () => 2 * rng.normal());
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((sum, x, i) => sum + x * b[i]!, 0);

  it('gelu_new: the backward pass from the gate the forward kept gives the bits of recomputing it', () => {
    tf.tidy(() => {
      const x = tf.tensor1d(Float32Array.from(random(64)));
      const dy = tf.tensor1d(Float32Array.from(random(64)));
      const [y, gate] = runWasmKernel('IclkrGelu', { x }, { keep: true });
      expect(Array.from(runWasmKernel('IclkrGelu', { x }, { keep: false })[0]!.dataSync())).toEqual(Array.from(y!.dataSync()));
      const kept = runWasmKernel('IclkrGeluGrad', { x, dy, gate: gate! })[0]!.dataSync();
      expect(Array.from(kept)).toEqual(Array.from(runWasmKernel('IclkrGeluGrad', { x, dy })[0]!.dataSync()));
    });
  });

  it('gelu_new: values and gradients of a float64 loop over the tanh form (central differences)', () => {
    const geluLoop = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    const x = random(3 * 5 * 8);
    const dy = random(x.length);
    const [y, dx] = tf.tidy(() => {
      const input = tf.tensor3d(Float32Array.from(x), [3, 5, 8]);
      return [
        gelu(input).dataSync(),
        tf
          .grad((a: tf.Tensor) => gelu(a))(input, tf.tensor3d(Float32Array.from(dy), [3, 5, 8]))
          .dataSync(),
      ];
    });
    x.forEach((xi, i) => {
      expect(Math.abs(y[i]! - geluLoop(xi))).toBeLessThan(2e-6 * Math.max(1, Math.abs(xi)));
      const slope = (geluLoop(xi + 1e-5) - geluLoop(xi - 1e-5)) / 2e-5;
      expect(Math.abs(dx[i]! - dy[i]! * slope)).toBeLessThan(1e-5 * Math.max(1, Math.abs(dy[i]!)));
    });
  });

  it('LayerNorm: values and gradients of a float64 loop (central differences along random directions)', () => {
    const [rows, d] = [6, 12];
    const x = random(rows * d);
    const w = random(d);
    const b = random(d);
    const dy = random(rows * d);
    const loop = (xs: Float64Array, ws: Float64Array, bs: Float64Array) =>
      Array.from({ length: rows }, (_, r) => {
        const row = xs.slice(r * d, r * d + d);
        const mean = row.reduce((a, v) => a + v, 0) / d;
        const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / d;
        return Array.from(row, (v, c) => ((v - mean) / Math.sqrt(variance + 1e-5)) * ws[c]! + bs[c]!);
      }).flat();
    const [y, ...grads] = tf.tidy(() => {
      const inputs = [tf.tensor2d(Float32Array.from(x), [rows, d]), tf.tensor1d(Float32Array.from(w)), tf.tensor1d(Float32Array.from(b))];
      const f = (a: tf.Tensor, c: tf.Tensor, e: tf.Tensor) => layerNorm(a, c, e, 1e-5);
      return [
        f(inputs[0]!, inputs[1]!, inputs[2]!).dataSync(),
        ...tf
          .grads(f)(inputs, tf.tensor2d(Float32Array.from(dy), [rows, d]))
          .map((g) => g.dataSync()),
      ];
    });
    loop(x, w, b).forEach((v, i) => expect(Math.abs(y![i]! - v)).toBeLessThan(1e-5 * Math.max(1, Math.abs(v))));
    [x, w, b].forEach((value, input) => {
      const u = random(value.length);
      const at = (sign: number) => {
        const args = [x, w, b].map((a) => Float64Array.from(a));
        args[input] = Float64Array.from(value, (vi, i) => vi + sign * 1e-5 * u[i]!);
        return dot(loop(args[0]!, args[1]!, args[2]!), dy);
      };
      const numeric = (at(1) - at(-1)) / 2e-5;
      expect(Math.abs(dot(grads[input]!, u) - numeric)).toBeLessThan(1e-4 * Math.max(1, Math.abs(numeric)));
    });
  });
});
