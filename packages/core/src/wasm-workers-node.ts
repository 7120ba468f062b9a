/**
 * Worker threads for kernels of one's own over the wasm backend's shared memory (the threaded
 * build's): each worker instantiates the module's bytes over that memory and runs one export per
 * call, its arguments passed in a shared block, the caller waking it and waiting with Atomics. Kernels
 * split their work into units whose results do not depend on which thread computes them, so their
 * numbers are the same at any thread count.
 */
import { Worker } from 'node:worker_threads';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import type { WasmWorkers } from './backend.js';

/** Arguments one call may pass (float64 slots; the export's signature converts them). */
const MAX_ARGS = 31;

/** Control block: [generation, done, export index, failed], then each worker's argument count and arguments. */
const HEADER = 4;

/**
 * Milliseconds a waiting thread spins before it sleeps: a kernel's calls come in quick succession
 * during a pass, and waking a sleeping thread costs about 0.1 ms (a round trip to a sleeping worker:
 * 105 us, to a spinning one: 8 us).
 */
const SPIN_MS = 1;

// The worker's whole program (run with eval): it waits for a new generation (spinning, then asleep),
// calls the export with its arguments (a negative count: nothing for it this time), counts itself
// done and wakes the caller.
const WORKER = `
const { workerData } = require('node:worker_threads');
const { bytes, memory, control, index, workers } = workerData;
const module = new WebAssembly.Module(bytes);
const { exports } = new WebAssembly.Instance(module, { env: { memory } });
const names = WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name);
const ctl = new Int32Array(control, 0, ${HEADER});
const args = new Float64Array(control, ${HEADER * 4} + index * ${(MAX_ARGS + 1) * 8}, ${MAX_ARGS + 1});
let generation = 0;
for (;;) {
  // The clock is read every 256 turns: each read makes a heap number, and a clock read every turn
  // filled the worker's young heap every step of training (a scavenge each, some of 3 ms).
  const until = performance.now() + ${SPIN_MS};
  for (let turn = 1; Atomics.load(ctl, 0) === generation && ((turn++ & 255) !== 0 || performance.now() < until); );
  Atomics.wait(ctl, 0, generation);
  generation = Atomics.load(ctl, 0);
  try {
    // Every slot is passed (an export ignores the ones past its parameters): no garbage per call,
    // so the worker's own collector does not pause it in the middle of a kernel.
    if (args[0] >= 0) exports[names[ctl[2]]](${Array.from({ length: MAX_ARGS }, (_, i) => `args[${i + 1}]`).join(', ')});
  } catch (error) {
    Atomics.store(ctl, 3, 1);
  }
  if (Atomics.add(ctl, 1, 1) + 1 === workers) Atomics.notify(ctl, 1);
}
`;

/**
 * `size` workers for `bytes` over `memory` (default one fewer than the backend's threads: the
 * caller is the last), none where that is zero or the memory is not shared.
 */
export function nodeWasmWorkers(bytes: Uint8Array, memory: WebAssembly.Memory, size = getThreadsCount() - 1): WasmWorkers | undefined {
  if (size < 1 || !(memory.buffer instanceof SharedArrayBuffer)) return undefined;
  const names = WebAssembly.Module.exports(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>))
    .filter((e) => e.kind === 'function')
    .map((e) => e.name);
  const control = new SharedArrayBuffer(HEADER * 4 + size * (MAX_ARGS + 1) * 8);
  const ctl = new Int32Array(control, 0, HEADER);
  for (let index = 0; index < size; index++) {
    // Idle workers must not keep the process alive; they inherit none of its flags (some break them).
    new Worker(WORKER, { eval: true, execArgv: [], workerData: { bytes, memory, control, index, workers: size } }).unref();
  }
  return {
    size,
    start(name, args) {
      const fn = names.indexOf(name);
      if (fn < 0 || args.length > size) throw new Error(`no export '${name}' to run on ${args.length} of ${size} workers`);
      for (let w = 0; w < size; w++) {
        const slot = new Float64Array(control, HEADER * 4 + w * (MAX_ARGS + 1) * 8, MAX_ARGS + 1);
        const given = args[w];
        if (given !== undefined && given.length > MAX_ARGS) throw new Error(`export '${name}' takes at most ${MAX_ARGS} arguments`);
        slot[0] = given === undefined ? -1 : given.length;
        if (given !== undefined) slot.set(given, 1);
      }
      Atomics.store(ctl, 1, 0);
      Atomics.store(ctl, 2, fn);
      Atomics.add(ctl, 0, 1);
      Atomics.notify(ctl, 0);
    },
    wait() {
      const until = performance.now() + SPIN_MS;
      for (let turn = 1; Atomics.load(ctl, 1) < size && ((turn++ & 255) !== 0 || performance.now() < until); );
      for (let done = Atomics.load(ctl, 1); done < size; done = Atomics.load(ctl, 1)) Atomics.wait(ctl, 1, done);
      if (Atomics.exchange(ctl, 3, 0) !== 0) throw new Error('a wasm worker failed in its share of a kernel');
    },
  };
}
