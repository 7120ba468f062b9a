import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SafetensorsError } from '../errors.js';
import { SAFETENSORS_DTYPES, type SafetensorsTensor } from './dtypes.js';
import { decodeSafetensors, encodeSafetensors, expectTensor, parseSafetensorsHeader } from './format.js';

const FIXTURES = '/work/shared/fixtures';

/** A file from a raw header (object or text) and a data buffer of `bufferLength` bytes. */
function file(header: unknown, bufferLength: number, headerLength?: number): Uint8Array {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  const json = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + json.byteLength + bufferLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? json.byteLength), true);
  out.set(json, 8);
  return out;
}

/** Asserts that decoding `bytes` throws a SafetensorsError whose message matches every pattern. */
function expectDecodeError(bytes: Uint8Array, ...patterns: RegExp[]): SafetensorsError {
  let caught: unknown;
  try {
    decodeSafetensors(bytes, 'bad.safetensors');
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SafetensorsError);
  const error = caught as SafetensorsError;
  expect(error.message).toMatch(/^bad\.safetensors: /);
  for (const pattern of patterns) expect(error.message).toMatch(pattern);
  expect(error.fix.length).toBeGreaterThan(0);
  return error;
}

function sample(): Map<string, SafetensorsTensor> {
  return new Map<string, SafetensorsTensor>([
    ['f32', { dtype: 'F32', shape: [2, 3], data: new Float32Array([1, -2, 3.5, 0, -0, 1e-30]) }],
    ['f64', { dtype: 'F64', shape: [2], data: new Float64Array([Math.PI, -1e300]) }],
    ['f16', { dtype: 'F16', shape: [3], data: new Uint16Array([0x3c00, 0x7bff, 0x0001]) }],
    ['bf16', { dtype: 'BF16', shape: [1, 2], data: new Uint16Array([0x3f80, 0xff80]) }],
    ['i8', { dtype: 'I8', shape: [3], data: new Int8Array([-128, 0, 127]) }],
    ['u8', { dtype: 'U8', shape: [1], data: new Uint8Array([255]) }],
    ['i16', { dtype: 'I16', shape: [2], data: new Int16Array([-32768, 32767]) }],
    ['u16', { dtype: 'U16', shape: [1], data: new Uint16Array([65535]) }],
    ['i32', { dtype: 'I32', shape: [2, 1], data: new Int32Array([-(2 ** 31), 2 ** 31 - 1]) }],
    ['u32', { dtype: 'U32', shape: [1], data: new Uint32Array([2 ** 32 - 1]) }],
    ['i64', { dtype: 'I64', shape: [2], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]) }],
    ['u64', { dtype: 'U64', shape: [1], data: new BigUint64Array([2n ** 64n - 1n]) }],
    ['bool', { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) }],
    ['scalar', { dtype: 'F32', shape: [], data: new Float32Array([42]) }],
    ['empty', { dtype: 'F32', shape: [0, 3], data: new Float32Array(0) }],
  ]);
}

describe('encodeSafetensors / decodeSafetensors', () => {
  it('encodes exactly the bytes built by hand', () => {
    const want = new Uint8Array([
      0x88,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      ...new TextEncoder().encode(
        '{"__metadata__":{"k":"v"},' +
          '"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
          '"a":{"dtype":"I8","shape":[1,3],"data_offsets":[8,11]}}  ',
      ),
      0x00,
      0x00,
      0x80,
      0x3f,
      0x00,
      0x00,
      0x00,
      0xc0, // float32 1, -2
      0x01,
      0xff,
      0x80, // int8 1, -1, -128
    ]);
    const got = encodeSafetensors(
      {
        a: { dtype: 'I8', shape: [1, 3], data: new Int8Array([1, -1, -128]) },
        b: { dtype: 'F32', shape: [2], data: new Float32Array([1, -2]) },
      },
      { k: 'v' },
    );
    expect(Array.from(got)).toEqual(Array.from(want));

    const back = decodeSafetensors(want);
    expect(back.metadata).toEqual({ k: 'v' });
    expect([...back.tensors.keys()]).toEqual(['b', 'a']);
    expect(back.tensors.get('a')).toEqual({ dtype: 'I8', shape: [1, 3], data: new Int8Array([1, -1, -128]) });
    expect(back.tensors.get('b')).toEqual({ dtype: 'F32', shape: [2], data: new Float32Array([1, -2]) });
  });

  it('round-trips every dtype, scalars and empty tensors', () => {
    const tensors = sample();
    expect(new Set([...tensors.values()].map((t) => t.dtype))).toEqual(new Set(SAFETENSORS_DTYPES));
    const bytes = encodeSafetensors(tensors, { format: 'pt', note: 'ünïcode' });
    const back = decodeSafetensors(bytes);
    expect(back.metadata).toEqual({ format: 'pt', note: 'ünïcode' });
    expect(back.tensors.size).toBe(tensors.size);
    for (const [name, tensor] of tensors) {
      const got = back.tensors.get(name)!;
      expect(got.dtype, name).toBe(tensor.dtype);
      expect(got.shape, name).toEqual(tensor.shape);
      expect(got.data, name).toEqual(tensor.data);
      expect(Object.is(got.data[4], tensor.data[4]), name).toBe(true); // -0 survives in f32
    }
  });

  it('is deterministic, aligns the header to 8 bytes and every tensor to its element size', () => {
    const tensors = sample();
    const a = encodeSafetensors(tensors);
    const b = encodeSafetensors(new Map([...tensors].reverse()));
    expect(Array.from(a)).toEqual(Array.from(b));
    const header = parseSafetensorsHeader(a);
    expect(header.headerLength % 8).toBe(0);
    expect(header.dataStart % 8).toBe(0);
    const sizes: Record<string, number> = { F64: 8, I64: 8, U64: 8, F32: 4, I32: 4, U32: 4 };
    for (const entry of header.entries) {
      expect(entry.begin % (sizes[entry.dtype] ?? 1), entry.name).toBe(0);
    }
    // No metadata means no __metadata__ key at all.
    expect(new TextDecoder().decode(a.subarray(8, header.dataStart))).not.toContain('__metadata__');
  });

  it('copies tensor bytes so that decoded tensors do not pin or alias the input', () => {
    const bytes = encodeSafetensors({ x: { dtype: 'F32', shape: [1], data: new Float32Array([5]) } });
    const t = decodeSafetensors(bytes).tensors.get('x')!;
    bytes.fill(0);
    expect(t.data[0]).toBe(5);
    expect(t.data.buffer.byteLength).toBe(4);
  });

  it('decodes the Hugging Face fixture and re-encodes it losslessly', () => {
    const bytes = readFileSync(`${FIXTURES}/gpt2-tiny/model.safetensors`);
    const model = decodeSafetensors(bytes, 'model.safetensors');
    expect(model.metadata).toEqual({ format: 'pt' });
    expect(model.tensors.size).toBe(28);
    const wte = expectTensor('model.safetensors', model.tensors, 'transformer.wte.weight', {
      dtype: 'F32',
      shape: [512, 64],
    });
    expect(Array.from(wte.data.subarray(0, 3))).toEqual([
      Math.fround(-0.18704530596733093),
      Math.fround(-0.12781700491905212),
      Math.fround(0.469209223985672),
    ]);
    const again = decodeSafetensors(encodeSafetensors(model.tensors, model.metadata));
    expect(again.metadata).toEqual(model.metadata);
    for (const [name, tensor] of model.tensors) expect(again.tensors.get(name), name).toEqual(tensor);
  });

  it('parses a header from a prefix of the file when given the file size', () => {
    const bytes = readFileSync(`${FIXTURES}/gpt2-tiny/reference.safetensors`);
    const full = parseSafetensorsHeader(bytes);
    const prefix = parseSafetensorsHeader(bytes.subarray(0, full.dataStart), 'ref', bytes.byteLength);
    expect(prefix).toEqual(full);
    expect(() => parseSafetensorsHeader(bytes.subarray(0, 100), 'ref', bytes.byteLength)).toThrow(
      /only 100 bytes given but the header ends at byte 1520/,
    );
  });
});

describe('validation', () => {
  const ok = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };

  it('rejects a file shorter than 8 bytes', () => {
    expectDecodeError(new Uint8Array(5), /5 bytes, shorter than the 8-byte header length/);
  });

  it('rejects a header length beyond the file', () => {
    expectDecodeError(file({ a: ok }, 8, 5000), /header length 5000 bytes runs past the end of the \d+-byte file/);
  });

  it('rejects an absurd header length', () => {
    const bytes = file({}, 0);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 40n, true);
    expectDecodeError(bytes, /header length 1099511627776 bytes exceeds the 100000000-byte limit/);
  });

  it('rejects a header that is not UTF-8, not JSON or not an object', () => {
    const bad = file('{"a":1}', 0);
    bad[10] = 0xff;
    expectDecodeError(bad, /not valid UTF-8/);
    expectDecodeError(file('{"a": {', 0), /header is not valid JSON/);
    expectDecodeError(file('[1, 2]', 0), /header is not a JSON object/);
    expectDecodeError(file('null', 0), /header is not a JSON object/);
  });

  it('rejects metadata that is not a map of strings', () => {
    expectDecodeError(file({ __metadata__: { n: 1 } }, 0), /__metadata__ entry "n" is 1, not a string/);
    expectDecodeError(file({ __metadata__: [] }, 0), /__metadata__ is not an object of strings/);
  });

  it('rejects an entry that is not an object', () => {
    expectDecodeError(file({ w: 3 }, 0), /tensor "w": entry is 3, not an object/);
  });

  it('rejects an unknown dtype, naming the tensor', () => {
    expectDecodeError(
      file({ w: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, 1),
      /tensor "w" has unknown dtype "F8_E4M3"/,
      /supported: BOOL/,
    );
  });

  it('rejects a shape that is not an array of non-negative integers', () => {
    for (const shape of [[-1], [1.5], '3', null, [2, '2']]) {
      expectDecodeError(
        file({ w: { dtype: 'F32', shape, data_offsets: [0, 4] } }, 4),
        /tensor "w" has shape .*not an array of non-negative integers/,
      );
    }
  });

  it('rejects data_offsets that are not [begin, end] with begin <= end', () => {
    for (const data_offsets of [[8, 0], [0], [0, 4, 8], '0,4', [-4, 0], [0.5, 4]]) {
      expectDecodeError(file({ w: { dtype: 'F32', shape: [1], data_offsets } }, 8), /tensor "w" has data_offsets .*not \[begin, end\]/);
    }
  });

  it('rejects a byte length that does not match dtype and shape', () => {
    expectDecodeError(
      file({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8),
      /tensor "w": data_offsets \[0, 8\] span 8 bytes but dtype F32 with shape \[3\] needs 12 bytes/,
      /dtype\/shape mismatch/,
    );
  });

  it('rejects offsets outside the buffer (truncated file)', () => {
    const error = expectDecodeError(
      file({ a: ok, b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, 12),
      /tensor "b": data_offsets \[8, 16\] run past the end of the 12-byte data buffer/,
    );
    expect(error.fix).toMatch(/truncated/);
  });

  it('rejects overlapping tensors', () => {
    expectDecodeError(
      file({ a: ok, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12),
      /tensors "a" \[0, 8\] and "b" \[4, 12\] overlap/,
    );
  });

  it('rejects gaps between tensors, before the first and after the last', () => {
    expectDecodeError(
      file({ a: ok, b: { dtype: 'F32', shape: [1], data_offsets: [12, 16] } }, 16),
      /gap of 4 bytes after tensor "a" before tensor "b"/,
      /contiguous/,
    );
    expectDecodeError(
      file({ b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8),
      /gap of 4 bytes at the start of the buffer before tensor "b"/,
    );
    expectDecodeError(file({ a: ok }, 10), /2 bytes after the last tensor/);
  });

  it('accepts a header padded with spaces and tensors listed out of order', () => {
    const bytes = file(`{"b":{"dtype":"I8","shape":[1],"data_offsets":[4,5]},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}   `, 5);
    bytes.set([0, 0, 0x80, 0x3f, 7], bytes.byteLength - 5);
    const { tensors } = decodeSafetensors(bytes);
    expect([...tensors.keys()]).toEqual(['a', 'b']);
    expect(tensors.get('a')!.data[0]).toBe(1);
    expect(tensors.get('b')!.data[0]).toBe(7);
  });
});

describe('encode validation', () => {
  const encodeError = (tensors: Record<string, unknown>, metadata?: Record<string, unknown>) => {
    try {
      encodeSafetensors(tensors as Record<string, SafetensorsTensor>, metadata as Record<string, string>, 'out.st');
    } catch (err) {
      expect(err).toBeInstanceOf(SafetensorsError);
      return (err as SafetensorsError).message;
    }
    throw new Error('expected encodeSafetensors to throw');
  };

  it('rejects tensors whose data, dtype, shape or name are wrong', () => {
    expect(encodeError({ w: { dtype: 'F32', shape: [2], data: new Float64Array(2) } })).toMatch(
      /^out\.st: tensor "w" has dtype F32 but its data is a Float64Array, not a Float32Array/,
    );
    expect(encodeError({ w: { dtype: 'F32', shape: [2], data: [1, 2] } })).toMatch(/its data is a object/);
    expect(encodeError({ w: { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) } })).toMatch(
      /tensor "w" has shape \[2, 2\] \(4 elements\) but 3 data elements/,
    );
    expect(encodeError({ w: { dtype: 'F8', shape: [1], data: new Uint8Array(1) } })).toMatch(/unknown dtype "F8"/);
    expect(encodeError({ w: { dtype: 'F32', shape: [-1], data: new Float32Array(1) } })).toMatch(/not an array of non-negative integers/);
    expect(encodeError({ __metadata__: { dtype: 'F32', shape: [1], data: new Float32Array(1) } })).toMatch(
      /invalid tensor name "__metadata__"/,
    );
    expect(encodeError({}, { n: 3 })).toMatch(/metadata "n" is 3, not a string/);
  });

  it('accepts a Node Buffer for U8 data', () => {
    const bytes = encodeSafetensors({ b: { dtype: 'U8', shape: [2], data: Buffer.from([1, 2]) } });
    expect(Array.from(decodeSafetensors(bytes).tensors.get('b')!.data as Uint8Array)).toEqual([1, 2]);
  });
});

describe('expectTensor', () => {
  const tensors = {
    'h.0.w': { dtype: 'F16', shape: [4, 8], data: new Uint16Array(32) },
  } satisfies Record<string, SafetensorsTensor>;

  it('returns the tensor when it matches, with null as a wildcard and a list of dtypes', () => {
    expect(expectTensor('m.st', tensors, 'h.0.w')).toBe(tensors['h.0.w']);
    expect(expectTensor('m.st', tensors, 'h.0.w', { dtype: ['F32', 'F16', 'BF16'], shape: [null, 8] })).toBe(tensors['h.0.w']);
    expect(expectTensor('m.st', new Map(Object.entries(tensors)), 'h.0.w', { dtype: 'F16' }).data).toBeInstanceOf(Uint16Array);
  });

  it('names the file, the tensor and the problem', () => {
    expect(() => expectTensor('m.st', tensors, 'h.1.w')).toThrow(/^m\.st: tensor "h\.1\.w" is missing \(the file holds "h\.0\.w"\)$/);
    expect(() => expectTensor('m.st', tensors, 'toString')).toThrow(/tensor "toString" is missing/);
    expect(() => expectTensor('m.st', tensors, 'h.0.w', { dtype: 'F32' })).toThrow(/tensor "h\.0\.w" has dtype F16 but F32 was expected/);
    expect(() => expectTensor('m.st', tensors, 'h.0.w', { shape: [8, 4] })).toThrow(
      /tensor "h\.0\.w" has shape \[4, 8\] but \[8, 4\] was expected/,
    );
    expect(() => expectTensor('m.st', tensors, 'h.0.w', { shape: [4, 8, 1] })).toThrow(/but \[4, 8, 1\] was expected/);
    expect(() => expectTensor('m.st', tensors, 'h.0.w', { shape: [4, 8, 1] })).toThrow(SafetensorsError);
  });
});
