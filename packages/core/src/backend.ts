import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { BackendError } from './errors.js';

/** The tensor backends iclkr can run on, fastest first. */
export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;

/** A tfjs backend name: `tensorflow` is native TensorFlow through @tensorflow/tfjs-node. */
export type BackendName = (typeof BACKENDS)[number];

/** Which backend runs (on how many threads), what was asked for, and why faster ones were skipped. */
export interface BackendChoice {
  readonly name: BackendName;
  /** Threads the backend computes on: the wasm pool's size; 1 for cpu; tensorflow manages its own (reported as 0). */
  readonly threads: number;
  /** Why fewer threads run than asked for, when the threaded wasm build could not load. */
  readonly threadsNote?: string;
  readonly requested: BackendName | 'auto';
  readonly skipped: readonly { readonly name: BackendName; readonly reason: string }[];
}

const ALIASES: Record<string, BackendName | 'auto'> = {
  auto: 'auto',
  tensorflow: 'tensorflow',
  node: 'tensorflow',
  'tfjs-node': 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

/** Normalises a user's backend request (`auto`, `node`/`tensorflow`, `wasm`, `cpu`). */
export function parseBackendName(value: string): BackendName | 'auto' {
  const name = ALIASES[value.trim().toLowerCase()];
  if (!name) {
    throw new BackendError(`unknown backend '${value}'`, 'use one of auto, tensorflow (alias node), wasm, cpu');
  }
  return name;
}

/**
 * The hooks a platform plugs in so that `wasm` runs a threaded build tfjs does not load by itself
 * (in Node: `@iclkr/core/node`, whose worker_threads code this browser-safe entry must not reach).
 */
export interface ThreadedWasmLoader {
  /** How many threads to run on; may throw a BackendError for a bad setting (e.g. `ICLKR_THREADS`). */
  threadCount(): number;
  /** Re-registers tfjs's `wasm` backend to load the threaded build with `threads` workers (one: tfjs's own build). */
  register(threads: number): void;
  /** Why the threaded build did not load (tfjs's single-threaded one runs instead), if it did not. */
  failure(): string | undefined;
}

let threadedWasm: ThreadedWasmLoader | undefined;

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** Plugs in the threaded wasm build for every later backend selection (`@iclkr/core/node` does this when imported). */
export function useThreadedWasm(loader: ThreadedWasmLoader): void {
  threadedWasm = loader;
}

/**
 * Threads that run exports of a WebAssembly module over a shared memory, besides the calling
 * thread (in Node: `@iclkr/core/node`'s worker_threads), so that kernels of one's own can use the
 * cores tfjs's pool leaves idle between its kernels.
 */
export interface WasmWorkers {
  /** Workers besides the calling thread. */
  readonly size: number;
  /** Starts export `name` on the first args.length workers, worker w with args[w]. */
  start(name: string, args: readonly (readonly number[])[]): void;
  /** Waits until the started workers are done; throws what one of them threw. */
  wait(): void;
}

/** Makes the workers for a module's bytes over `memory` (shared), or undefined where one thread runs. */
export type WasmWorkersFactory = (bytes: Uint8Array, memory: WebAssembly.Memory) => WasmWorkers | undefined;

let wasmWorkers: WasmWorkersFactory | undefined;

/** Plugs in the worker threads that kernels over the wasm backend's memory may use (`@iclkr/core/node` does this when imported). */
export function useWasmWorkers(factory: WasmWorkersFactory): void {
  wasmWorkers = factory;
}

/** Workers for `bytes` over `memory`, where a platform plugged them in and the backend runs on more than one thread. */
export function startWasmWorkers(bytes: Uint8Array, memory: WebAssembly.Memory): WasmWorkers | undefined {
  return wasmWorkers?.(bytes, memory);
}

/** The process events Emscripten's Node glue listens to. */
const GLUE_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/**
 * Runs `load` and then removes the `uncaughtException` and `unhandledRejection` listeners it
 * added. Emscripten's Node glue (tfjs's wasm builds, threaded or not) installs listeners that
 * rethrow, so any later uncaught error of the program printed the build's minified source (55 KB)
 * and exited 7 instead of Node's own message and exit code 1.
 */
export async function withoutGlueListeners<T>(load: () => Promise<T>): Promise<T> {
  if (typeof process === 'undefined' || typeof process.listeners !== 'function') return load();
  const emitter: NodeJS.EventEmitter = process;
  const before = GLUE_EVENTS.map((event) => new Set(emitter.listeners(event)));
  try {
    return await load();
  } finally {
    GLUE_EVENTS.forEach((event, i) => {
      for (const listener of emitter.listeners(event))
        if (!before[i].has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    });
  }
}

async function tryBackend(name: BackendName): Promise<string | undefined> {
  try {
    if (name === 'tensorflow') {
      // A variable specifier keeps bundlers from pulling the optional native package in.
      const nativePackage = '@tensorflow/tfjs-node';
      await import(/* @vite-ignore */ nativePackage);
    }
    const ready = await withoutGlueListeners(async () => {
      if (!(await tf.setBackend(name))) return false;
      await tf.ready();
      return true;
    });
    return ready ? undefined : `tfjs could not initialise the ${name} backend`;
  } catch (error) {
    return (error instanceof Error ? error.message : String(error)).split('\n')[0];
  }
}

function threadsOf(name: BackendName): number {
  if (name === 'wasm') return Math.max(1, getThreadsCount());
  return name === 'cpu' ? 1 : 0;
}

/**
 * Makes tfjs-wasm's Identity share its input's data (refcounted, as tfjs's cpu and webgl backends
 * do) instead of copying it. tfjs clones through Identity every tensor a gradient saves, so the
 * copies cost our GPT's training step 125 passes over its activations (14% of its time); tensors
 * are immutable, so a clone needs no data of its own.
 */
function shareWasmIdentity(): void {
  const kernel = tf.getKernel('Identity', 'wasm');
  if (kernel === undefined || kernel.kernelFunc === sharedIdentity) return;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({ kernelName: 'Identity', backendName: 'wasm', kernelFunc: sharedIdentity });
}

const sharedIdentity: tf.KernelFunc = ({ inputs, backend }) => {
  const x = inputs.x as tf.TensorInfo;
  (backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

let current: Promise<BackendChoice> | undefined;
let currentRequest: string | undefined;

/**
 * Selects the tensor backend once per process: the `requested` one (or `ICLKR_BACKEND`), else
 * the fastest that loads of tensorflow (tfjs-node), wasm, cpu. A forced backend that fails is an
 * error; in `auto` mode failures are recorded in `skipped`. In Node, wasm runs on tfjs's threaded
 * build, which `@iclkr/core/node` registers (imported here when no one has yet).
 */
export function initBackend(requested?: string): Promise<BackendChoice> {
  const request = requested ?? (typeof process === 'undefined' ? undefined : process.env.ICLKR_BACKEND) ?? 'auto';
  if (current && currentRequest === request) return current;
  currentRequest = request;
  current = select(parseBackendName(request));
  return current;
}

async function select(requested: BackendName | 'auto'): Promise<BackendChoice> {
  // tfjs's own console notices (e.g. "install the node backend") would pollute CLI output; the
  // choice is reported through BackendChoice instead.
  tf.env().set('PROD', true);
  const candidates = requested === 'auto' ? BACKENDS : [requested];
  const skipped: { name: BackendName; reason: string }[] = [];
  if (candidates.includes('wasm') && threadedWasm === undefined && isNode()) {
    // A Node program that imported only this entry gets the threaded build too: the Node entry
    // registers it on import. A variable specifier keeps bundlers (and browsers) away from it.
    const nodeEntry = '@iclkr/core/node';
    await import(/* @vite-ignore */ nodeEntry).catch(() => undefined);
  }
  const threaded = candidates.includes('wasm') ? threadedWasm : undefined;
  threaded?.register(threaded.threadCount());
  for (const name of candidates) {
    const failure = await tryBackend(name);
    if (failure === undefined) {
      if (name === 'wasm') shareWasmIdentity();
      const note = name === 'wasm' ? threaded?.failure() : undefined;
      return { name, threads: threadsOf(name), ...(note ? { threadsNote: `threads unavailable: ${note}` } : {}), requested, skipped };
    }
    skipped.push({ name, reason: failure });
  }
  const last = skipped[skipped.length - 1];
  throw new BackendError(
    `backend '${last.name}' failed to load: ${last.reason}`,
    requested === 'tensorflow'
      ? 'install @tensorflow/tfjs-node (it downloads a native library) or use --backend wasm'
      : 'use --backend auto to fall back to another backend',
  );
}

/** One line describing the choice, e.g. `backend: wasm on 2 threads (tensorflow unavailable: Cannot find module ...)`. */
export function describeBackend(choice: BackendChoice): string {
  const brief = (reason: string) => (reason.length > 72 ? `${reason.slice(0, 69)}...` : reason);
  const skipped = choice.skipped.map((s) => `${s.name} unavailable: ${brief(s.reason)}`).join('; ');
  const threads = choice.threads > 0 ? ` on ${choice.threads} thread${choice.threads === 1 ? '' : 's'}` : '';
  const notes = [choice.threadsNote, skipped].filter(Boolean).join('; ');
  return `backend: ${choice.name}${threads}${notes ? ` (${notes})` : ''}`;
}
