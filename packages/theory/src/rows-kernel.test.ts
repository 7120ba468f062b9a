import { readFileSync } from 'node:fs';
import { Rng } from '@iclkr/core';
import wabt from 'wabt';
import { describe, expect, it } from 'vitest';
import { acquireRows, ROWS_KERNEL_BYTES } from './rows-kernel.js';

describe('the WebAssembly rows kernel', () => {
  it('is rows-kernel.wat as wabt assembles it (the embedded bytes are not edited by hand)', async () => {
    const source = readFileSync(new URL('./rows-kernel.wat', import.meta.url), 'utf8');
    const module = (await wabt()).parseWat('rows-kernel.wat', source, { simd: true });
    const { buffer } = module.toBinary({});
    module.destroy();
    expect(Buffer.from(buffer).toString('base64')).toBe(ROWS_KERNEL_BYTES);
  });

  it('computes (x Mt) ∘ e for listed rows as a float64 loop does, and rescales to sum 1 with norm', () => {
    const lease = acquireRows(1 << 20);
    expect(lease).not.toBeNull();
    const { kernel, memory } = lease!;
    const f = new Float64Array(memory.buffer);
    const i32 = new Int32Array(memory.buffer);
    const rng = new Rng(1);
    const k = 13;
    const n = 24;
    const rows = 4;
    // Bytes: Mt at 0, inputs at 8192, emissions at 16384, outputs at 24576, lists at 32768, sums at 40960.
    for (let i = 0; i < k * n; i++) f[i] = rng.uniform();
    for (let i = 0; i < rows * k; i++) f[1024 + i] = rng.uniform();
    for (let i = 0; i < rows * n; i++) f[2048 + i] = rng.uniform();
    for (const norm of [0, 1]) {
      // Rows taken in a shuffled order, each with its own emission row.
      [2, 0, 3, 1].forEach((r, j) => {
        i32[8192 + j] = 8192 + r * k * 8;
        i32[8192 + 8 + j] = 24576 + j * n * 8;
        i32[8192 + 16 + j] = 16384 + ((j + 1) % rows) * n * 8;
      });
      kernel(32768, 32768 + 32, 32768 + 64, 40960, 0, rows, k, n, norm);
      [2, 0, 3, 1].forEach((r, j) => {
        const want = Array.from({ length: n }, (_, i) => {
          let s = 0;
          for (let c = 0; c < k; c++) s += f[1024 + r * k + c] * f[c * n + i];
          return s * f[2048 + ((j + 1) % rows) * n + i];
        });
        const total = want.reduce((a, b) => a + b, 0);
        for (let i = 0; i < n; i++) {
          const got = f[3072 + j * n + i];
          if (norm) expect(Math.abs(got - want[i] / total)).toBeLessThan(1e-15);
          else expect(got).toBe(want[i]);
        }
        if (norm) expect(Math.abs(f[5120 + j] - total)).toBeLessThan(1e-13 * total);
      });
    }
    lease!.release();
  });

  it('hands a released memory to the next caller, grown to the size asked', () => {
    const first = acquireRows(4096)!;
    new Float64Array(first.memory.buffer).fill(7, 0, 512);
    first.release();
    const second = acquireRows(1 << 17)!;
    expect(second.memory).toBe(first.memory);
    expect(second.memory.buffer.byteLength).toBeGreaterThanOrEqual(1 << 17);
    const third = acquireRows(4096)!;
    expect(third.memory).not.toBe(second.memory);
    second.release();
    third.release();
  });
});
