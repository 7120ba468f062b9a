/**
 * @iclkr/core/node — the Node-only part of core: the threaded wasm backend, and loaders and
 * writers that touch the file system.
 */

import { type BackendChoice, initBackend as selectBackend, useThreadedWasm, useWasmWorkers } from './backend.js';
import { nodeThreadedWasm } from './wasm-threads-node.js';
import { nodeWasmWorkers } from './wasm-workers-node.js';

// Importing this entry is what makes wasm run on every core in Node: the main entry must not
// reach worker_threads, so it cannot load the threaded build by itself.
useThreadedWasm(nodeThreadedWasm);
useWasmWorkers(nodeWasmWorkers);

/**
 * `initBackend` for Node: the same selection, with wasm on tfjs's threaded build (`ICLKR_THREADS`
 * threads, default one per core, at most 8).
 */
export function initBackend(requested?: string): Promise<BackendChoice> {
  useThreadedWasm(nodeThreadedWasm);
  useWasmWorkers(nodeWasmWorkers);
  return selectBackend(requested);
}

/** Node safetensors files: open (header only, tensors read on demand), read whole, write atomically. */
export {
  openSafetensors,
  readSafetensors,
  type SafetensorsFile,
  writeSafetensors,
} from './safetensors/node.js';
/** Atomic writes of a file or a whole folder (temporary, then rename): nothing half-written is left behind. */
export { checkFolderFree, replaceFolder, writeFileAtomic, writeFolderAtomic } from './files.js';
/** Reads an input file's bytes, with one-line errors for a missing file or a folder. */
export { readInputFile } from './files.js';
/** Node loaders: a text data set (with a `classes.txt` beside it) or a numeric table from disk. */
export { loadNumericTable, loadTextDataset } from './dataset/node.js';
