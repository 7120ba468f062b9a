import wabt from 'wabt';
import { describe, expect, it } from 'vitest';
import { nodeWasmWorkers } from './wasm-workers-node.js';

// fill(p, n, v): n floats from byte p set to v; trap(): fails.
const WAT = `(module
  (memory (import "env" "memory") 1 65536 shared)
  (func (export "fill") (param $p i32) (param $n i32) (param $v f32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (f32.store (local.get $p) (local.get $v))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next))))
  (func (export "trap") unreachable))`;

async function module(): Promise<Uint8Array> {
  const parsed = (await wabt()).parseWat('test.wat', WAT, { threads: true });
  const { buffer } = parsed.toBinary({});
  parsed.destroy();
  return buffer;
}

describe('wasm worker threads over a shared memory', () => {
  it('run an export on each worker with its own arguments, and wait for all', async () => {
    const bytes = await module();
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    const workers = nodeWasmWorkers(bytes, memory, 2)!;
    expect(workers.size).toBe(2);
    const floats = new Float32Array(memory.buffer, 0, 48);
    for (let round = 1; round <= 3; round++) {
      workers.start('fill', [
        [0, 16, round],
        [64, 16, round + 0.5],
      ]);
      floats.fill(-round, 32, 48); // the caller's share, while they run
      workers.wait();
      expect(Array.from(floats)).toEqual([...Array(16).fill(round), ...Array(16).fill(round + 0.5), ...Array(16).fill(-round)]);
    }
    // One worker given work, the other none.
    workers.start('fill', [[0, 4, 9]]);
    workers.wait();
    expect(Array.from(floats.subarray(0, 5))).toEqual([9, 9, 9, 9, 3]);
  });

  it('report a failing share as an error, and run the next call', async () => {
    const bytes = await module();
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    const workers = nodeWasmWorkers(bytes, memory, 2)!;
    workers.start('trap', [[], []]);
    expect(() => workers.wait()).toThrow(/a wasm worker failed/);
    workers.start('fill', [[0, 2, 7]]);
    workers.wait();
    expect(Array.from(new Float32Array(memory.buffer, 0, 2))).toEqual([7, 7]);
    expect(() => workers.start('nothing', [])).toThrow(/no export 'nothing'/);
  });

  it('are none for no workers or a memory that is not shared', async () => {
    const bytes = await module();
    expect(nodeWasmWorkers(bytes, new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true }), 0)).toBeUndefined();
    expect(nodeWasmWorkers(bytes, new WebAssembly.Memory({ initial: 1 }), 2)).toBeUndefined();
  });
});
