/**
 * The theory playground's Web Worker: the convergence experiment (experiments' runSimulate, the
 * CLI's own function) on WebGL where the browser has it, else wasm (the form chooses), posting progress and each row as it finishes. Cancel
 * aborts the run through its AbortSignal: the page sets a shared flag that every progress step
 * reads (a worker busy in a synchronous run cannot receive a message), so the worker stays alive.
 */
import { ExperimentAborted, libraryRun, runSimulate } from '@iclkr/experiments';
import { THEOREM_KERNEL_DEFAULTS, worldFromPreset } from '@iclkr/theory';
import { tf } from '@iclkr/core';
import { initWorkerBackend } from '../wasm-backend.js';
import type { FromWorker, PageBackend, SimulationRequest, ToWorker } from './protocol.js';

const post = (message: FromWorker) => (self as unknown as Worker).postMessage(message);

/** Whether this worker can compute on WebGL (an OffscreenCanvas with a WebGL2 context). */
function hasWebgl(): boolean {
  try {
    return typeof OffscreenCanvas !== 'undefined' && new OffscreenCanvas(1, 1).getContext('webgl2') !== null;
  } catch {
    return false;
  }
}

const available: PageBackend[] = [...(hasWebgl() ? (['webgl'] as const) : []), 'wasm'];
const backend = initWorkerBackend().then((choice) => {
  post({ type: 'backend', name: choice.name, threads: choice.threads, available });
  return choice;
});

/** Switches tfjs to `name` (wasm is selected at start; webgl registers with the tfjs bundle). */
async function useBackend(name: PageBackend): Promise<void> {
  if (tf.getBackend() === name) return;
  if (!available.includes(name) || !(await tf.setBackend(name))) throw new Error(`the ${name} backend is not available in this browser`);
  await tf.ready();
  post({ type: 'backend', name, threads: 1, available });
}

/** A cancel requested without shared memory (heard only between runs' awaits). */
let cancelledByMessage = false;

/** Runs one simulation, as `iclkr simulate` would with the same settings. */
async function simulate(request: SimulationRequest, flag: Int32Array | null): Promise<void> {
  await backend;
  cancelledByMessage = false;
  const controller = new AbortController();
  const check = () => {
    if (!controller.signal.aborted && ((flag !== null && Atomics.load(flag, 0) === 1) || cancelledByMessage)) controller.abort();
  };
  const started = performance.now();
  let lastPost = 0;
  try {
    await useBackend(request.backend);
    const world = worldFromPreset(request.preset, request.seed, request.params);
    const report = runSimulate(
      {
        world,
        source: { preset: request.preset, ...(Object.keys(request.params).length > 0 ? { param: request.params } : {}) },
        shots: [...request.shots],
        prompts: request.prompts,
        kernel: request.kernel as never,
        seed: request.seed,
        mode: 'restart',
        sigmaSamples: request.sigmaSamples,
        ridge: THEOREM_KERNEL_DEFAULTS.ridge,
        ood: false,
        bounds: 'auto',
      },
      {
        progress: (done, total, label) => {
          check();
          // At most one message per 50 ms (and each stage's last): the page re-renders on each.
          const now = performance.now();
          if (done < total && now - lastPost < 50) return;
          lastPost = now;
          post({ type: 'progress', done, total, label: label ?? '' });
        },
        signal: controller.signal,
        log: () => {},
      },
      libraryRun(),
      (row) => {
        check();
        post({ type: 'row', row });
      },
    );
    post({ type: 'done', report, seconds: (performance.now() - started) / 1000 });
  } catch (error) {
    if (error instanceof ExperimentAborted || controller.signal.aborted) post({ type: 'cancelled' });
    else post({ type: 'error', message: (error as { oneLine?: () => string }).oneLine?.() ?? String((error as Error).message) });
  }
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === 'cancel') cancelledByMessage = true;
  else void simulate(message.request, message.cancel ? new Int32Array(message.cancel) : null);
};
