/**
 * Multi-threaded WebAssembly in Node. tfjs-backend-wasm ships a threaded SIMD build (XNNPACK on a
 * pthread pool) but only loads it in browsers: in Node its flag answers "no threads"
 * (tensorflow/tfjs#3830), because it hands Emscripten blob: URLs that Node's worker_threads
 * cannot open. This module loads the same build from files, so a matmul runs on every core
 * (measured here: 24 GFLOP/s on one thread, 41 on two). Results are bit-identical to one thread:
 * XNNPACK splits the output into tiles, and each element is summed by one thread in one order.
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import workerThreads, { type WorkerOptions } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { BackendWasm, setThreadsCount, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import type { ThreadedWasmLoader } from './backend.js';
import { BackendError } from './errors.js';

/** The worker pool size the threaded build was compiled with (PTHREAD_POOL_SIZE). */
const MAX_THREADS = 8;
/** tfjs registers wasm with this priority; we keep it. */
const WASM_PRIORITY = 2;

// Emscripten's module object: only the parts used here.
interface EmscriptenModule {
  cwrap(name: string, returns: string | null, args: string[]): (...args: number[]) => number;
  PThread: { unusedWorkers: { unref(): void }[]; runningWorkers: { unref(): void }[] };
  tfjs?: unknown;
}

/** How many threads to use: `ICLKR_THREADS` when set, else one per core (at most 8). */
export function wasmThreadCount(): number {
  const env = process.env.ICLKR_THREADS;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const asked = env === undefined || env === '' ? cores : Number(env);
  if (!Number.isInteger(asked) || asked < 1)
    throw new BackendError(
      `ICLKR_THREADS is '${env}', not a positive integer`,
      'set ICLKR_THREADS to a thread count such as 2, or unset it to use every core',
    );
  return Math.min(asked, MAX_THREADS);
}

/** The pool workers' script as a file (written once per tfjs version, atomically), since Node's workers load files. */
function workerScript(contents: string): string {
  const file = join(os.tmpdir(), `iclkr-tfjs-wasm-${version_wasm}-worker.js`);
  if (existsSync(file)) return file;
  const partial = `${file}.${process.pid}.tmp`;
  // The source is stored as a template literal; its "\n" escapes inside string literals must stay
  // escapes (tfjs does the same before making its blob).
  writeFileSync(partial, contents.replace(/\n/g, '\\n'));
  renameSync(partial, file);
  return file;
}

/** Loads the threaded SIMD build with `threads` workers, wrapped as tfjs expects. */
async function loadThreaded(threads: number): Promise<EmscriptenModule> {
  const require = createRequire(import.meta.url);
  const script = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const factory = require(script) as (config: object) => Promise<EmscriptenModule>;
  const { wasmWorkerContents } = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as {
    wasmWorkerContents: string;
  };
  const worker = workerScript(wasmWorkerContents);
  // The build caps its pool at half the logical cores (it assumes two hyper-threads per core) and
  // asks Node's os.cpus() once, while it starts; report enough cores for `threads`.
  const cpus = os.cpus;
  os.cpus = () => Array.from({ length: 2 * threads }, () => cpus()[0]);
  // Workers inherit this process's flags, some of which break them (--input-type with -e); they
  // only run Emscripten's script and need none. The build takes the class as it starts.
  const { Worker } = workerThreads;
  workerThreads.Worker = class extends Worker {
    constructor(file: string | URL, options: WorkerOptions = {}) {
      super(file, { ...options, execArgv: [] });
    }
  };
  let module: EmscriptenModule;
  try {
    module = await factory({
      locateFile: (path: string, prefix: string) =>
        path.endsWith('.worker.js') ? worker : path.endsWith('.wasm') ? script.replace(/\.js$/, '.wasm') : prefix + path,
      mainScriptUrlOrBlob: script,
    });
  } finally {
    os.cpus = cpus;
    workerThreads.Worker = Worker;
  }
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return module;
}

/** Lets idle pool workers not keep the process alive (a CLI command must exit when done). */
function unrefWorkers(module: EmscriptenModule): void {
  for (const w of [...module.PThread.unusedWorkers, ...module.PThread.runningWorkers]) w.unref();
}

/** Whether the threaded loader is in place (the registry keeps one backend instance per name). */
let registered = false;
/** Why the threaded build did not load, when it did not (tfjs's single-threaded one ran instead). */
let failure: string | undefined;

/**
 * Re-registers tfjs's `wasm` backend so that it loads the threaded build with `threads` workers,
 * falling back to tfjs's own single-threaded loader if that fails (e.g. no writable temporary
 * folder); one thread keeps tfjs's loader. Call before the backend is first set.
 */
export function registerThreadedWasm(threads: number): void {
  if (threads <= 1 || registered) return;
  registered = true;
  const singleThreaded = tf.findBackendFactory('wasm');
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      let module: EmscriptenModule;
      try {
        module = await loadThreaded(threads);
      } catch (error) {
        failure = (error instanceof Error ? error.message : String(error)).split('\n')[0];
        return singleThreaded();
      }
      setThreadsCount(threads);
      const backend = new BackendWasm(module as never);
      unrefWorkers(module);
      return backend;
    },
    WASM_PRIORITY,
  );
}

/** Why the threaded wasm build could not load (tfjs's single-threaded build runs instead), if it could not. */
export function threadedWasmFailure(): string | undefined {
  return failure;
}

/** The threaded build as `initBackend` takes it (`@iclkr/core/node` plugs this in when imported). */
export const nodeThreadedWasm: ThreadedWasmLoader = {
  threadCount: wasmThreadCount,
  register: registerThreadedWasm,
  failure: threadedWasmFailure,
};
