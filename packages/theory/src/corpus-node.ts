/** Corpus folders on disk (Node only): a streaming, atomic writer and a reader. */
import { open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError, IclkrError } from '@iclkr/core';
import { writeFolderAtomic } from '@iclkr/core/node';
import {
  CORPUS_FILES,
  type CorpusDescription,
  corpusChunks,
  corpusRng,
  decodeTokens,
  describeCorpus,
  dtypeBytes,
  parseCorpusDescription,
  tokenBytes,
} from './corpus.js';
import { checkDocumentOptions, type DocumentOptions } from './sample.js';
import type { World } from './world.js';
import { worldToJson } from './world-json.js';
import { loadWorld } from './world-node.js';

/** Options of `writeCorpus`: the documents, the seed of the sampling stream, a progress callback. */
export interface WriteCorpusOptions extends DocumentOptions {
  readonly seed: number;
  /** Called after each block of documents with the documents written so far. */
  readonly onProgress?: (docsDone: number, docsTotal: number) => void;
  /** Tokens per block written (default 2^20). */
  readonly chunkTokens?: number;
}

/**
 * Samples a corpus of `world` into folder `dir` (tokens.bin, corpus.json, world.json) in blocks,
 * with the stream `corpusRng(seed)`. Everything is written into a temporary folder beside `dir`
 * and renamed into place at the end, so `dir` is complete or absent; it must not exist yet (or be empty).
 */
export async function writeCorpus(dir: string, world: World, options: WriteCorpusOptions): Promise<CorpusDescription> {
  checkDocumentOptions(options);
  return writeFolderAtomic(dir, async (temporary) => {
    const handle = await open(join(temporary, CORPUS_FILES.tokens), 'w');
    const docTasks: number[] = [];
    try {
      const rng = corpusRng(options.seed);
      for (const chunk of corpusChunks(world, options, rng, options.chunkTokens)) {
        await handle.write(tokenBytes(chunk.tokens));
        docTasks.push(...chunk.tasks);
        options.onProgress?.(docTasks.length, options.docs);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    const description = describeCorpus(world, options, docTasks);
    await writeFile(join(temporary, CORPUS_FILES.world), worldToJson(world));
    await writeFile(join(temporary, CORPUS_FILES.description), `${JSON.stringify(description, null, 2)}\n`);
    return description;
  });
}

/** An open corpus folder: its description, its world, and random access to documents. */
export interface Corpus {
  readonly dir: string;
  readonly description: CorpusDescription;
  readonly world: World;
  /** The tokens of document `i`. */
  document(i: number): Promise<Uint16Array | Uint32Array>;
  /** Closes the token file. */
  close(): Promise<void>;
}

/** Opens a corpus folder written by `writeCorpus`, checking its description and file sizes (DataError otherwise). */
export async function openCorpus(dir: string): Promise<Corpus> {
  const descriptionPath = join(dir, CORPUS_FILES.description);
  let text: string;
  try {
    text = await readFile(descriptionPath, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new DataError(
      descriptionPath,
      undefined,
      `cannot read the corpus description (${reason})`,
      'pass a folder written by `iclkr generate`',
    );
  }
  const description = parseCorpusDescription(text, descriptionPath);
  const world = await loadWorld(join(dir, description.world));
  if (world.m !== description.vocabulary) {
    throw new DataError(
      descriptionPath,
      undefined,
      `vocabulary ${description.vocabulary} differs from the world's ${world.m}`,
      'regenerate the corpus with `iclkr generate`',
    );
  }
  const tokensPath = join(dir, description.file);
  const bytesPerToken = dtypeBytes(description.dtype);
  const expected = description.tokens * bytesPerToken;
  const size = await stat(tokensPath).then(
    (s) => s.size,
    () => -1,
  );
  if (size !== expected) {
    const found = size < 0 ? 'is missing' : `has ${size} bytes`;
    throw new DataError(
      tokensPath,
      undefined,
      `${found}, expected ${expected} (${description.tokens} ${description.dtype} tokens)`,
      'the corpus is incomplete: regenerate it with `iclkr generate`',
    );
  }
  const handle = await open(tokensPath, 'r');
  const docBytes = description.docLength * bytesPerToken;
  return {
    dir,
    description,
    world,
    async document(i: number) {
      if (!Number.isInteger(i) || i < 0 || i >= description.docs) {
        throw new IclkrError('option', `document ${i} is not in the corpus`, `ask for a document in [0, ${description.docs - 1}]`);
      }
      const bytes = new Uint8Array(docBytes);
      await handle.read(bytes, 0, docBytes, i * docBytes);
      return decodeTokens(bytes, description.dtype);
    },
    close: () => handle.close(),
  };
}
