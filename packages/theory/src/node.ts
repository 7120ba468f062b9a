/**
 * @iclkr/theory/node — the Node-only part of theory: world and corpus files.
 */

/** World files: load (validated, DataError naming the path) and save (atomic). */
export { loadWorld, saveWorld } from './world-node.js';
/** Corpus folders: a streaming, atomic writer with progress, and a reader giving document i. */
export { type Corpus, openCorpus, type WriteCorpusOptions, writeCorpus } from './corpus-node.js';
