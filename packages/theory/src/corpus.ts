/**
 * Pre-training corpora: documents concatenated as little-endian Uint16 tokens (Uint32 when the
 * vocabulary exceeds 65,536), described by `corpus.json`. This module is browser-safe: it makes
 * the chunks and parses the description; `corpus-node.ts` writes and reads folders.
 */
import { DataError, Rng } from '@iclkr/core';
import { checkDocumentOptions, type DocumentOptions, documentTaskSampler, emitDocument } from './sample.js';
import type { World } from './world.js';

/** The `format` field of every corpus description. */
export const CORPUS_FORMAT = 'iclkr-corpus';
/** The corpus format version this code writes and reads. */
export const CORPUS_VERSION = 1;
/** File names inside a corpus folder. */
export const CORPUS_FILES = { description: 'corpus.json', tokens: 'tokens.bin', world: 'world.json' } as const;

/** Token storage type. */
export type CorpusDtype = 'uint16' | 'uint32';

/** Contents of `corpus.json`. */
export interface CorpusDescription {
  readonly format: typeof CORPUS_FORMAT;
  readonly version: number;
  /** Token storage, little-endian. */
  readonly dtype: CorpusDtype;
  readonly docs: number;
  /** Tokens per document; document i starts at token i * docLength. */
  readonly docLength: number;
  /** Total tokens (docs * docLength). */
  readonly tokens: number;
  /** Vocabulary size m. */
  readonly vocabulary: number;
  readonly delimiter: number;
  /** Whether sampling restarted from the task's start distribution after each delimiter. */
  readonly restart: boolean;
  /** Seed of the sampling stream (see `corpusRng`). */
  readonly seed: number;
  /** The token file, relative to the folder. */
  readonly file: string;
  /** The world's JSON file, relative to the folder. */
  readonly world: string;
  /** The world generator's record (name, parameters, seed), or null. */
  readonly generator: Readonly<Record<string, unknown>> | null;
  /** Task index of each document. */
  readonly docTasks: readonly number[];
}

/** The smallest token type that holds a vocabulary of `m` tokens. */
export function corpusDtype(m: number): CorpusDtype {
  return m <= 65536 ? 'uint16' : 'uint32';
}

/** Bytes per token of a dtype. */
export function dtypeBytes(dtype: CorpusDtype): number {
  return dtype === 'uint16' ? 2 : 4;
}

/**
 * The sampling stream of a corpus: the seed's generator jumped past its first 2^64 draws, so
 * one seed can build a world (first stream) and sample its corpus (this one) without overlap.
 */
export function corpusRng(seed: number): Rng {
  const rng = new Rng(seed);
  rng.fork();
  return rng;
}

/** A block of whole documents: their tokens, back to back, and their tasks. */
export interface CorpusChunk {
  readonly tokens: Uint16Array | Uint32Array;
  readonly tasks: number[];
}

/**
 * The corpus as blocks of whole documents of about `chunkTokens` tokens (at least one document
 * each). Same rng, same tokens as `documents` (the tokens are only stored more compactly).
 */
export function* corpusChunks(world: World, options: DocumentOptions, rng: Rng, chunkTokens = 1 << 20): Generator<CorpusChunk> {
  const { docs, length, restart } = checkDocumentOptions(options);
  const pick = documentTaskSampler(world);
  const perChunk = Math.max(1, Math.floor(chunkTokens / length));
  const wide = corpusDtype(world.m) === 'uint32';
  for (let done = 0; done < docs; ) {
    const count = Math.min(perChunk, docs - done);
    const tokens = wide ? new Uint32Array(count * length) : new Uint16Array(count * length);
    const tasks: number[] = [];
    for (let i = 0; i < count; i++) {
      const task = pick(rng);
      tasks.push(task);
      emitDocument(world, task, tokens, i * length, length, restart, rng);
    }
    done += count;
    yield { tokens, tasks };
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian bytes of a token block (a view when the platform is little-endian, as every Node platform is). */
export function tokenBytes(tokens: Uint16Array | Uint32Array): Uint8Array {
  const bytes = new Uint8Array(tokens.buffer, tokens.byteOffset, tokens.byteLength);
  if (LITTLE_ENDIAN) return bytes;
  const out = new Uint8Array(bytes.length);
  const view = new DataView(out.buffer);
  tokens.forEach((t, i) => (tokens.BYTES_PER_ELEMENT === 2 ? view.setUint16(2 * i, t, true) : view.setUint32(4 * i, t, true)));
  return out;
}

/** Tokens from little-endian bytes (a copy, aligned). */
export function decodeTokens(bytes: Uint8Array, dtype: CorpusDtype): Uint16Array | Uint32Array {
  const size = dtypeBytes(dtype);
  const count = Math.floor(bytes.length / size);
  if (LITTLE_ENDIAN) {
    const copy = bytes.slice(0, count * size).buffer;
    return dtype === 'uint16' ? new Uint16Array(copy) : new Uint32Array(copy);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * size);
  const out = dtype === 'uint16' ? new Uint16Array(count) : new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = size === 2 ? view.getUint16(2 * i, true) : view.getUint32(4 * i, true);
  return out;
}

/** Builds the description of a corpus of `world` (the caller writes it as `corpus.json`). */
export function describeCorpus(world: World, options: DocumentOptions & { seed: number }, docTasks: readonly number[]): CorpusDescription {
  const { docs, length, restart } = checkDocumentOptions(options);
  return {
    format: CORPUS_FORMAT,
    version: CORPUS_VERSION,
    dtype: corpusDtype(world.m),
    docs,
    docLength: length,
    tokens: docs * length,
    vocabulary: world.m,
    delimiter: world.delimiter,
    restart,
    seed: options.seed,
    file: CORPUS_FILES.tokens,
    world: CORPUS_FILES.world,
    generator: world.spec.generator ?? null,
    docTasks: [...docTasks],
  };
}

/** Parses and checks `corpus.json`; anything malformed is a DataError naming `source`. */
export function parseCorpusDescription(text: string, source: string): CorpusDescription {
  const fail = (message: string): never => {
    throw new DataError(source, undefined, message, 'regenerate the corpus with `iclkr generate`');
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(`is not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('is not a JSON object');
  const d = value as Record<string, unknown>;
  if (d.format !== CORPUS_FORMAT) fail(`format is ${JSON.stringify(d.format)}, not '${CORPUS_FORMAT}'`);
  if (d.version !== CORPUS_VERSION) fail(`version ${JSON.stringify(d.version)} is not ${CORPUS_VERSION} (the version this iclkr reads)`);
  if (d.dtype !== 'uint16' && d.dtype !== 'uint32') fail(`dtype ${JSON.stringify(d.dtype)} is neither 'uint16' nor 'uint32'`);
  for (const key of ['docs', 'docLength', 'tokens', 'vocabulary', 'delimiter', 'seed'] as const) {
    if (!Number.isSafeInteger(d[key])) fail(`${key} is ${JSON.stringify(d[key]) ?? 'missing'}, not an integer`);
  }
  if ((d.docs as number) * (d.docLength as number) !== d.tokens) fail(`tokens ${d.tokens} is not docs x docLength`);
  if (typeof d.restart !== 'boolean') fail('restart is not true or false');
  for (const key of ['file', 'world'] as const) if (typeof d[key] !== 'string') fail(`${key} is not a file name`);
  if (!Array.isArray(d.docTasks) || d.docTasks.length !== d.docs || !d.docTasks.every(Number.isSafeInteger)) {
    fail('docTasks is not one task index per document');
  }
  return value as CorpusDescription;
}
