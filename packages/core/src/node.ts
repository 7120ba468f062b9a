/**
 * @iclkr/core/node — the Node-only part of core: loaders and writers that touch the file system.
 */

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
