import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { wasmThreadCount } from './wasm-threads-node.js';

const nodeEntry = fileURLToPath(new URL('./node.ts', import.meta.url));
const mainEntry = fileURLToPath(new URL('./index.ts', import.meta.url));

/**
 * Runs a seeded 256 x 384 x 1536 matmul on the wasm backend in a fresh process with ICLKR_THREADS
 * set, its backend initialised through `entry` (the Node entry unless told).
 */
function matmulIn(threads: string, env: Record<string, string> = {}, entry = nodeEntry): { line: string; hash: string } {
  const script = `
    const { initBackend } = await import(${JSON.stringify(entry)});
    const { describeBackend } = await import(${JSON.stringify(mainEntry)});
    const tf = await import('@tensorflow/tfjs');
    const choice = await initBackend('wasm');
    const a = tf.randomNormal([256, 384], 0, 1, 'float32', 1);
    const b = tf.randomNormal([384, 1536], 0, 1, 'float32', 2);
    const bytes = new Uint8Array(tf.matMul(a, b).dataSync().buffer);
    let h = 2166136261;
    for (const x of bytes) h = Math.imul(h ^ x, 16777619) >>> 0;
    console.log(JSON.stringify({ line: describeBackend(choice), hash: h.toString(16) }));`;
  // --input-type is one of the flags pool workers must not inherit (they run a file).
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, ICLKR_THREADS: threads, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '');
}

describe('threaded wasm in Node', () => {
  const saved = process.env.ICLKR_THREADS;
  afterEach(() => {
    if (saved === undefined) delete process.env.ICLKR_THREADS;
    else process.env.ICLKR_THREADS = saved;
  });

  it('runs on the threads asked for and gives what one thread gives, bit for bit (reference: the single-threaded build)', () => {
    const one = matmulIn('1');
    const two = matmulIn('2');
    expect(one.line).toMatch(/^backend: wasm on 1 thread\b/);
    expect(two.line).toMatch(/^backend: wasm on 2 threads\b/);
    expect(two.hash).toBe(one.hash);
  });

  it('falls back to the single-threaded build, saying why, when the threaded one cannot load', () => {
    // The pool workers' script goes to the temporary folder; one under a file cannot exist (tsx,
    // which runs the child, would cache there too).
    const fallback = matmulIn('2', { TMPDIR: '/dev/null/iclkr', TSX_DISABLE_CACHE: '1' });
    expect(fallback.line).toMatch(/^backend: wasm on 1 thread \(threads unavailable: ENOTDIR/);
    expect(fallback.hash).toBe(matmulIn('1').hash);
  });

  it(`a Node program that imports only the browser-safe main entry (as built) still gets the threads: \
it loads @iclkr/core/node itself`, () => {
    const main = matmulIn('2', {}, fileURLToPath(new URL('../dist/index.js', import.meta.url)));
    expect(main.line).toMatch(/^backend: wasm on 2 threads\b/);
    expect(main.hash).toBe(matmulIn('1').hash);
  });

  it('ICLKR_THREADS picks the count, capped at the build pool of 8; a bad value is an error naming the fix', () => {
    process.env.ICLKR_THREADS = '3';
    expect(wasmThreadCount()).toBe(3);
    process.env.ICLKR_THREADS = '64';
    expect(wasmThreadCount()).toBe(8);
    delete process.env.ICLKR_THREADS;
    expect(wasmThreadCount()).toBeGreaterThanOrEqual(1);
    process.env.ICLKR_THREADS = 'two';
    expect(() => wasmThreadCount()).toThrow(
      expect.objectContaining({ message: "ICLKR_THREADS is 'two', not a positive integer", fix: expect.stringMatching(/unset it/) }),
    );
  });
});
