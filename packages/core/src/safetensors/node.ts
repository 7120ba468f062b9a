/**
 * Safetensors files on disk (Node only). The reader reads and validates the header first and
 * reads each tensor's bytes only when asked, with positional reads; the writer writes to a
 * temporary file and renames it, so that no half-written file is ever left at the target path.
 */

import { type FileHandle, open } from 'node:fs/promises';
import { writeFileAtomic } from '../files.js';
import { SafetensorsError } from '../errors.js';
import { bytesToTypedArray, type SafetensorsDtype, type SafetensorsTensor } from './dtypes.js';
import {
  type ExpectedTensor,
  type SafetensorsContents,
  type SafetensorsEntry,
  type SafetensorsTensorMap,
  type TensorExpectation,
  checkTensorInfo,
  encodeSafetensors,
  parseSafetensorsHeaderJson,
  readSafetensorsHeaderLength,
} from './format.js';

/** An open safetensors file: header parsed and validated, tensor data read on demand. */
export interface SafetensorsFile {
  readonly path: string;
  /** The `__metadata__` string map ({} when absent). */
  readonly metadata: Record<string, string>;
  /** Every tensor (name, dtype, shape, offsets in the data buffer), in file order. */
  readonly entries: readonly SafetensorsEntry[];
  /** Absolute file offset of the data buffer (8 + header length). */
  readonly dataStart: number;
  /** Tensor names, in file order. */
  names(): string[];
  has(name: string): boolean;
  /** The header entry of `name`, checked against `expected`; reads no data. */
  expect(name: string, expected?: TensorExpectation): SafetensorsEntry;
  /** Reads one tensor, after checking it against `expected` when given. */
  read<D extends SafetensorsDtype = SafetensorsDtype>(name: string, expected?: TensorExpectation<D>): Promise<ExpectedTensor<D>>;
  /** Reads every tensor, one positional read each. */
  readAll(): Promise<Map<string, SafetensorsTensor>>;
  /** Closes the file handle; later reads throw. Safe to call twice. */
  close(): Promise<void>;
}

function fsError(path: string, action: string, err: unknown, fix: string): SafetensorsError {
  const message = err instanceof Error ? err.message : String(err);
  return new SafetensorsError(path, `cannot ${action}: ${message}`, fix);
}

async function readExactly(handle: FileHandle, path: string, position: number, length: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(bytes, done, length - done, position + done);
    if (bytesRead === 0) {
      throw new SafetensorsError(
        path,
        `file ended at byte ${position + done} while reading ${length} bytes at ${position} (did it shrink?)`,
        'the file is truncated or was changed while open; download or export it again',
      );
    }
    done += bytesRead;
  }
  return bytes;
}

class OpenSafetensorsFile implements SafetensorsFile {
  private handle: FileHandle | undefined;
  private readonly byName: Map<string, SafetensorsEntry>;

  constructor(
    readonly path: string,
    handle: FileHandle,
    readonly dataStart: number,
    readonly metadata: Record<string, string>,
    readonly entries: readonly SafetensorsEntry[],
  ) {
    this.handle = handle;
    this.byName = new Map(entries.map((e) => [e.name, e]));
  }

  names(): string[] {
    return this.entries.map((e) => e.name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  expect(name: string, expected: TensorExpectation = {}): SafetensorsEntry {
    const entry = this.byName.get(name);
    checkTensorInfo(this.path, name, entry, expected, () => this.names());
    return entry!;
  }

  async read<D extends SafetensorsDtype = SafetensorsDtype>(name: string, expected: TensorExpectation<D> = {}): Promise<ExpectedTensor<D>> {
    const entry = this.expect(name, expected);
    if (this.handle === undefined) {
      throw new SafetensorsError(this.path, `cannot read tensor "${name}": the file is closed`, 'read tensors before calling close()');
    }
    const bytes = await readExactly(this.handle, this.path, this.dataStart + entry.begin, entry.end - entry.begin);
    return {
      dtype: entry.dtype,
      shape: [...entry.shape],
      data: bytesToTypedArray(entry.dtype, bytes),
    } as ExpectedTensor<D>;
  }

  async readAll(): Promise<Map<string, SafetensorsTensor>> {
    const tensors = new Map<string, SafetensorsTensor>();
    for (const entry of this.entries) tensors.set(entry.name, await this.read(entry.name));
    return tensors;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}

/**
 * Opens a safetensors file and validates its header against the file size (reading 8 + N
 * bytes, no tensor data). Call `close()` when done.
 */
export async function openSafetensors(path: string): Promise<SafetensorsFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw fsError(path, 'open', err, 'check that the path exists and is readable');
  }
  try {
    const { size } = await handle.stat();
    const prefix = await readExactly(handle, path, 0, Math.min(8, size));
    const headerLength = readSafetensorsHeaderLength(prefix, path, size);
    const dataStart = 8 + headerLength;
    const headerBytes = await readExactly(handle, path, 8, headerLength);
    const { metadata, entries } = parseSafetensorsHeaderJson(headerBytes, path, size - dataStart);
    return new OpenSafetensorsFile(path, handle, dataStart, metadata, entries);
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Reads a whole safetensors file: metadata and every tensor. */
export async function readSafetensors(path: string): Promise<SafetensorsContents> {
  const file = await openSafetensors(path);
  try {
    return { metadata: file.metadata, tensors: await file.readAll() };
  } finally {
    await file.close();
  }
}

/**
 * Writes tensors (and optional string metadata) to `path` atomically: the bytes go to
 * `path.tmp-<pid>`, are synced, then renamed over `path`; on any failure the temporary file is
 * removed and `path` is left as it was.
 */
export async function writeSafetensors(
  path: string,
  tensors: SafetensorsTensorMap,
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  // Encoding validates every tensor before anything touches the disk.
  const bytes = encodeSafetensors(tensors, metadata, path);
  try {
    await writeFileAtomic(path, bytes);
  } catch (err) {
    throw fsError(path, 'write', err, 'check that the directory exists, is writable and has free space');
  }
}
