/**
 * The backend of the page's workers: tfjs's wasm build, its binaries shipped as assets of the
 * build, on one thread (tfjs's threaded build starts its pthread workers from a blob of glue code
 * that a bundled, minified module breaks: "e is not defined"); the CLI's threaded build gives the
 * same results bit for bit.
 */
import { type BackendChoice, initBackend, tf } from '@iclkr/core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plainWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** Selects the wasm backend for a worker of the page. */
export function initWorkerBackend(): Promise<BackendChoice> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setWasmPaths({
    'tfjs-backend-wasm.wasm': plainWasm,
    'tfjs-backend-wasm-simd.wasm': simdWasm,
    'tfjs-backend-wasm-threaded-simd.wasm': threadedWasm,
  });
  return initBackend('wasm');
}
