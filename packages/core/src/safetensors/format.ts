/**
 * The safetensors format on bytes, with no Node dependency so that the browser can use it:
 * an 8-byte little-endian header length N, N bytes of UTF-8 JSON describing every tensor, then
 * the data buffer, which the tensors must cover exactly (no gaps, no overlaps), as Hugging Face's
 * `safetensors` validates it.
 */

import { SafetensorsError } from '../errors.js';
import {
  bytesToTypedArray,
  dtypeSize,
  isSafetensorsDtype,
  SAFETENSORS_DTYPES,
  type SafetensorsDtype,
  type SafetensorsTensor,
  type SafetensorsTensorOf,
} from './dtypes.js';

/** Hugging Face's limit; a larger header means the file is not safetensors or is corrupt. */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

const METADATA_KEY = '__metadata__';
const TRUNCATED_FIX = 'the file is truncated or corrupt; download or export it again';
const CORRUPT_FIX = 'the file is not a valid safetensors file; download or export it again';

/** One tensor as the header describes it; offsets are relative to the data buffer. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Start of the tensor's bytes, relative to the start of the data buffer. */
  begin: number;
  /** End (exclusive) of the tensor's bytes, relative to the start of the data buffer. */
  end: number;
}

/** A parsed, validated header. */
export interface SafetensorsHeader {
  /** N, the JSON header's length in bytes (including any padding). */
  headerLength: number;
  /** Absolute file offset of the data buffer: 8 + N. */
  dataStart: number;
  /** The `__metadata__` string map ({} when absent). */
  metadata: Record<string, string>;
  /** Every tensor, in the order their bytes appear in the buffer. */
  entries: SafetensorsEntry[];
}

/** Tensors and metadata of a whole safetensors file. */
export interface SafetensorsContents {
  metadata: Record<string, string>;
  tensors: Map<string, SafetensorsTensor>;
}

/** Tensors to write or look up: a Map or a plain object keyed by name. */
export type SafetensorsTensorMap = ReadonlyMap<string, SafetensorsTensor> | Readonly<Record<string, SafetensorsTensor>>;

function formatShape(shape: readonly unknown[]): string {
  return `[${shape.map((d) => (d === null ? '*' : String(d))).join(', ')}]`;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Number of elements of `shape`, or undefined when it is not a valid shape. */
function elementCount(shape: unknown): number | undefined {
  if (!Array.isArray(shape)) return undefined;
  let count = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) return undefined;
    count *= d;
  }
  return Number.isSafeInteger(count) ? count : undefined;
}

/**
 * Reads N from the first 8 bytes and checks it against the file size. Exposed so that a reader
 * holding only a prefix (an HTTP range request, a file handle) knows how many bytes to fetch.
 */
export function readSafetensorsHeaderLength(prefix: Uint8Array, source: string, fileSize: number): number {
  if (fileSize < 8 || prefix.byteLength < 8) {
    throw new SafetensorsError(
      source,
      `file is ${Math.min(fileSize, prefix.byteLength)} bytes, shorter than the 8-byte header length`,
      TRUNCATED_FIX,
    );
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const length = view.getBigUint64(0, true);
  if (length > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) {
    throw new SafetensorsError(source, `header length ${length} bytes exceeds the ${MAX_SAFETENSORS_HEADER_BYTES}-byte limit`, CORRUPT_FIX);
  }
  const n = Number(length);
  if (8 + n > fileSize) {
    throw new SafetensorsError(source, `header length ${n} bytes runs past the end of the ${fileSize}-byte file`, TRUNCATED_FIX);
  }
  return n;
}

/**
 * Parses and validates the JSON header (`headerBytes`, N bytes) against a data buffer of
 * `bufferLength` bytes: every entry well-formed, sized as dtype and shape require, inside the
 * buffer, and the entries covering the buffer with neither gaps nor overlaps.
 */
export function parseSafetensorsHeaderJson(
  headerBytes: Uint8Array,
  source: string,
  bufferLength: number,
): Pick<SafetensorsHeader, 'metadata' | 'entries'> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(source, 'header is not valid UTF-8', CORRUPT_FIX);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsError(source, `header is not valid JSON (${(err as Error).message})`, CORRUPT_FIX);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SafetensorsError(source, `header is not a JSON object but ${describe(json)}`, CORRUPT_FIX);
  }

  let metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, raw] of Object.entries(json)) {
    if (name === METADATA_KEY) {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw new SafetensorsError(source, `${METADATA_KEY} is not an object of strings`, CORRUPT_FIX);
      }
      for (const [key, value] of Object.entries(raw)) {
        if (typeof value !== 'string') {
          throw new SafetensorsError(source, `${METADATA_KEY} entry "${key}" is ${describe(value)}, not a string`, CORRUPT_FIX);
        }
      }
      // fromEntries makes own properties even for a key such as "__proto__".
      metadata = Object.fromEntries(Object.entries(raw));
      continue;
    }
    entries.push(parseEntry(source, name, raw, bufferLength));
  }

  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let position = 0;
  let previous: SafetensorsEntry | undefined;
  for (const entry of entries) {
    if (entry.begin < position) {
      throw new SafetensorsError(
        source,
        `tensors "${previous!.name}" [${previous!.begin}, ${previous!.end}] and "${entry.name}" ` +
          `[${entry.begin}, ${entry.end}] overlap`,
        CORRUPT_FIX,
      );
    }
    if (entry.begin > position) {
      const after = previous ? `after tensor "${previous.name}" ` : 'at the start of the buffer ';
      throw new SafetensorsError(
        source,
        `gap of ${entry.begin - position} bytes ${after}before tensor "${entry.name}" ` + '(safetensors requires tensors to be contiguous)',
        CORRUPT_FIX,
      );
    }
    position = entry.end;
    previous = entry;
  }
  if (position !== bufferLength) {
    throw new SafetensorsError(
      source,
      `data buffer has ${bufferLength - position} bytes after the last tensor that no tensor covers`,
      CORRUPT_FIX,
    );
  }
  return { metadata, entries };
}

function parseEntry(source: string, name: string, raw: unknown, bufferLength: number): SafetensorsEntry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SafetensorsError(
      source,
      `tensor "${name}": entry is ${describe(raw)}, not an object with dtype, shape and data_offsets`,
      CORRUPT_FIX,
    );
  }
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (!isSafetensorsDtype(dtype)) {
    throw new SafetensorsError(
      source,
      `tensor "${name}" has unknown dtype ${describe(dtype)} (supported: ${SAFETENSORS_DTYPES.join(', ')})`,
      'convert the checkpoint to a supported dtype, e.g. float32, float16 or bfloat16',
    );
  }
  const count = elementCount(shape);
  if (count === undefined) {
    throw new SafetensorsError(source, `tensor "${name}" has shape ${describe(shape)}, not an array of non-negative integers`, CORRUPT_FIX);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0) ||
    offsets[0] > offsets[1]
  ) {
    throw new SafetensorsError(
      source,
      `tensor "${name}" has data_offsets ${describe(offsets)}, not [begin, end] with 0 <= begin <= end`,
      CORRUPT_FIX,
    );
  }
  const [begin, end] = offsets as [number, number];
  const needed = count * dtypeSize(dtype);
  if (end - begin !== needed) {
    throw new SafetensorsError(
      source,
      `tensor "${name}": data_offsets [${begin}, ${end}] span ${end - begin} bytes but dtype ${dtype} ` +
        `with shape ${formatShape(shape as number[])} needs ${needed} bytes (dtype/shape mismatch)`,
      CORRUPT_FIX,
    );
  }
  if (end > bufferLength) {
    throw new SafetensorsError(
      source,
      `tensor "${name}": data_offsets [${begin}, ${end}] run past the end of the ${bufferLength}-byte data buffer`,
      TRUNCATED_FIX,
    );
  }
  return { name, dtype, shape: [...(shape as number[])], begin, end };
}

/**
 * Parses and validates the header at the start of `bytes`. `bytes` may be just a prefix of the
 * file (at least 8 + N bytes) when `fileSize` gives the whole file's size.
 */
export function parseSafetensorsHeader(
  bytes: Uint8Array,
  source = 'safetensors bytes',
  fileSize: number = bytes.byteLength,
): SafetensorsHeader {
  const headerLength = readSafetensorsHeaderLength(bytes, source, fileSize);
  const dataStart = 8 + headerLength;
  if (bytes.byteLength < dataStart) {
    throw new SafetensorsError(
      source,
      `only ${bytes.byteLength} bytes given but the header ends at byte ${dataStart}`,
      `pass at least the first ${dataStart} bytes of the file`,
    );
  }
  const { metadata, entries } = parseSafetensorsHeaderJson(bytes.subarray(8, dataStart), source, fileSize - dataStart);
  return { headerLength, dataStart, metadata, entries };
}

/** Decodes a whole safetensors file held in memory; each tensor gets its own copy of its bytes. */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors bytes'): SafetensorsContents {
  const header = parseSafetensorsHeader(bytes, source);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const entry of header.entries) {
    const slice = bytes.subarray(header.dataStart + entry.begin, header.dataStart + entry.end);
    tensors.set(entry.name, {
      dtype: entry.dtype,
      shape: entry.shape,
      data: bytesToTypedArray(entry.dtype, slice),
    } as SafetensorsTensor);
  }
  return { metadata: header.metadata, tensors };
}

function tensorEntries(tensors: SafetensorsTensorMap): [string, SafetensorsTensor][] {
  return tensors instanceof Map
    ? [...(tensors as ReadonlyMap<string, SafetensorsTensor>).entries()]
    : Object.entries(tensors as Record<string, SafetensorsTensor>);
}

function lookup(tensors: SafetensorsTensorMap, name: string): SafetensorsTensor | undefined {
  if (tensors instanceof Map) return (tensors as ReadonlyMap<string, SafetensorsTensor>).get(name);
  const record = tensors as Record<string, SafetensorsTensor>;
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

/** Name of the typed array class holding `dtype`, compared via Symbol.toStringTag (realm-safe). */
const ARRAY_TAGS: { [D in SafetensorsDtype]: string } = {
  BOOL: 'Uint8Array',
  U8: 'Uint8Array',
  I8: 'Int8Array',
  I16: 'Int16Array',
  U16: 'Uint16Array',
  F16: 'Uint16Array',
  BF16: 'Uint16Array',
  I32: 'Int32Array',
  U32: 'Uint32Array',
  F32: 'Float32Array',
  F64: 'Float64Array',
  I64: 'BigInt64Array',
  U64: 'BigUint64Array',
};

const ENCODE_FIX = 'pass tensors whose data array matches their dtype and shape';

/**
 * Encodes tensors as a safetensors file. Deterministic: tensors are laid out by element size
 * (largest first, so every tensor is aligned to its element size, as Hugging Face lays them out)
 * and then by name; the header is padded with spaces to a multiple of 8 bytes. `target` names the
 * destination in error messages.
 */
export function encodeSafetensors(
  tensors: SafetensorsTensorMap,
  metadata: Readonly<Record<string, string>> = {},
  target = 'safetensors output',
): Uint8Array {
  const items = tensorEntries(tensors);
  for (const [name, tensor] of items) {
    if (name === '' || name === METADATA_KEY) {
      throw new SafetensorsError(target, `invalid tensor name ${describe(name)}`, 'rename the tensor');
    }
    if (typeof tensor !== 'object' || tensor === null || !isSafetensorsDtype(tensor.dtype)) {
      throw new SafetensorsError(
        target,
        `tensor "${name}" has unknown dtype ${describe(tensor?.dtype)} (supported: ${SAFETENSORS_DTYPES.join(', ')})`,
        ENCODE_FIX,
      );
    }
    const count = elementCount(tensor.shape);
    if (count === undefined) {
      throw new SafetensorsError(
        target,
        `tensor "${name}" has shape ${describe(tensor.shape)}, not an array of non-negative integers`,
        ENCODE_FIX,
      );
    }
    const data = tensor.data as unknown;
    const tag = ArrayBuffer.isView(data) ? (data as Uint8Array)[Symbol.toStringTag] : typeof data;
    if (tag !== ARRAY_TAGS[tensor.dtype]) {
      throw new SafetensorsError(
        target,
        `tensor "${name}" has dtype ${tensor.dtype} but its data is a ${tag}, not a ${ARRAY_TAGS[tensor.dtype]}`,
        ENCODE_FIX,
      );
    }
    if (tensor.data.length !== count) {
      throw new SafetensorsError(
        target,
        `tensor "${name}" has shape ${formatShape(tensor.shape)} (${count} elements) but ` + `${tensor.data.length} data elements`,
        ENCODE_FIX,
      );
    }
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') {
      throw new SafetensorsError(
        target,
        `metadata "${key}" is ${describe(value)}, not a string`,
        'pass metadata as a map from strings to strings',
      );
    }
  }

  // Plain code-unit comparison, not localeCompare: the order must not depend on the locale.
  items.sort(([an, a], [bn, b]) => dtypeSize(b.dtype) - dtypeSize(a.dtype) || (an < bn ? -1 : an > bn ? 1 : 0));

  // Built by hand so that the key order is exactly the layout order (JSON.stringify would move
  // integer-like names first).
  const parts: string[] = [];
  if (Object.keys(metadata).length > 0) parts.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  let offset = 0;
  for (const [name, tensor] of items) {
    const end = offset + tensor.data.byteLength;
    parts.push(`${JSON.stringify(name)}:${JSON.stringify({ dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, end] })}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLength = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + headerLength);
  let position = 8 + headerLength;
  for (const [, tensor] of items) {
    out.set(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength), position);
    position += tensor.data.byteLength;
  }
  return out;
}

/** What a caller requires of a tensor; `null` in `shape` matches any size along that axis. */
export interface TensorExpectation<D extends SafetensorsDtype = SafetensorsDtype> {
  dtype?: D | readonly D[];
  shape?: readonly (number | null)[];
}

/** The tensor type `expectTensor` returns for the dtypes `D` it accepts. */
export type ExpectedTensor<D extends SafetensorsDtype> = D extends SafetensorsDtype ? SafetensorsTensorOf<D> : never;

const EXPECT_FIX = 'use a checkpoint whose tensors match the model configuration';

/**
 * Checks that a tensor described by `info` (dtype and shape) exists and meets `expected`; throws
 * a SafetensorsError naming the file and tensor otherwise. Shared by `expectTensor` and readers
 * that check headers before reading data.
 */
export function checkTensorInfo(
  file: string,
  name: string,
  info: { dtype: SafetensorsDtype; shape: readonly number[] } | undefined,
  expected: TensorExpectation,
  available: () => readonly string[],
): void {
  if (info === undefined) {
    const names = available();
    const sample = names
      .slice(0, 5)
      .map((n) => `"${n}"`)
      .join(', ');
    const more = names.length > 5 ? `, ... (${names.length} in all)` : '';
    throw new SafetensorsError(
      file,
      `tensor "${name}" is missing (the file holds ${names.length === 0 ? 'no tensors' : sample + more})`,
      EXPECT_FIX,
    );
  }
  if (expected.dtype !== undefined) {
    const allowed: readonly SafetensorsDtype[] = Array.isArray(expected.dtype) ? expected.dtype : [expected.dtype as SafetensorsDtype];
    if (!allowed.includes(info.dtype)) {
      throw new SafetensorsError(file, `tensor "${name}" has dtype ${info.dtype} but ${allowed.join(' or ')} was expected`, EXPECT_FIX);
    }
  }
  const shape = expected.shape;
  if (shape !== undefined && (shape.length !== info.shape.length || shape.some((d, i) => d !== null && d !== info.shape[i]))) {
    throw new SafetensorsError(
      file,
      `tensor "${name}" has shape ${formatShape(info.shape)} but ${formatShape(shape)} was expected`,
      EXPECT_FIX,
    );
  }
}

/**
 * The tensor `name` from `tensors`, checked against `expected` (dtype, or a list of accepted
 * dtypes, and shape); throws a SafetensorsError naming `file` when it is missing or differs.
 */
export function expectTensor<D extends SafetensorsDtype = SafetensorsDtype>(
  file: string,
  tensors: SafetensorsTensorMap,
  name: string,
  expected: TensorExpectation<D> = {},
): ExpectedTensor<D> {
  const tensor = lookup(tensors, name);
  checkTensorInfo(file, name, tensor, expected, () => tensorEntries(tensors).map(([n]) => n));
  return tensor as ExpectedTensor<D>;
}
