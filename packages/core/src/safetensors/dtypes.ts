/**
 * Safetensors element types, the typed array that holds each, and conversions to and from
 * float32 (float16 and bfloat16 are kept as raw 16-bit patterns, since JavaScript has no such
 * array type that every runtime we target supports).
 */

import { ShapeError } from '../errors.js';

/** Typed array holding the elements of each safetensors dtype. */
export interface SafetensorsDataTypes {
  BOOL: Uint8Array;
  U8: Uint8Array;
  I8: Int8Array;
  I16: Int16Array;
  U16: Uint16Array;
  F16: Uint16Array;
  BF16: Uint16Array;
  I32: Int32Array;
  U32: Uint32Array;
  F32: Float32Array;
  F64: Float64Array;
  I64: BigInt64Array;
  U64: BigUint64Array;
}

/** A dtype name as written in a safetensors header. */
export type SafetensorsDtype = keyof SafetensorsDataTypes;

/** A tensor of one given dtype: row-major elements plus shape. */
export interface SafetensorsTensorOf<D extends SafetensorsDtype> {
  dtype: D;
  shape: number[];
  data: SafetensorsDataTypes[D];
}

/** A tensor of any dtype; narrowing on `dtype` narrows `data`. */
export type SafetensorsTensor = { [D in SafetensorsDtype]: SafetensorsTensorOf<D> }[SafetensorsDtype];

type TypedArrayCtor = {
  new (buffer: ArrayBuffer): SafetensorsDataTypes[SafetensorsDtype];
  new (length: number): SafetensorsDataTypes[SafetensorsDtype];
};

interface DtypeInfo {
  size: number;
  ctor: TypedArrayCtor;
}

const DTYPES: { [D in SafetensorsDtype]: DtypeInfo } = {
  BOOL: { size: 1, ctor: Uint8Array },
  U8: { size: 1, ctor: Uint8Array },
  I8: { size: 1, ctor: Int8Array },
  I16: { size: 2, ctor: Int16Array },
  U16: { size: 2, ctor: Uint16Array },
  F16: { size: 2, ctor: Uint16Array },
  BF16: { size: 2, ctor: Uint16Array },
  I32: { size: 4, ctor: Int32Array },
  U32: { size: 4, ctor: Uint32Array },
  F32: { size: 4, ctor: Float32Array },
  F64: { size: 8, ctor: Float64Array },
  I64: { size: 8, ctor: BigInt64Array },
  U64: { size: 8, ctor: BigUint64Array },
};

/** Every dtype this module reads and writes. */
export const SAFETENSORS_DTYPES = Object.freeze(Object.keys(DTYPES) as SafetensorsDtype[]);

/** True when `name` is a dtype this module supports. */
export function isSafetensorsDtype(name: unknown): name is SafetensorsDtype {
  return typeof name === 'string' && Object.hasOwn(DTYPES, name);
}

/** Bytes per element of `dtype`. */
export function dtypeSize(dtype: SafetensorsDtype): number {
  return DTYPES[dtype].size;
}

/** The typed array class that holds `dtype` (Uint16Array for F16 and BF16). */
export function dtypeArrayType(dtype: SafetensorsDtype): TypedArrayCtor {
  return DTYPES[dtype].ctor;
}

/**
 * Views `bytes` (little-endian, as safetensors stores them) as `dtype` elements. The bytes are
 * copied into a fresh, aligned buffer so that the tensor owns its memory and never pins a whole
 * file's buffer. Safetensors is little-endian, as is every platform Node and browsers run on.
 */
export function bytesToTypedArray<D extends SafetensorsDtype>(dtype: D, bytes: Uint8Array): SafetensorsDataTypes[D] {
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return new DTYPES[dtype].ctor(copy) as SafetensorsDataTypes[D];
}

// Shared scratch for bit reinterpretation between float32 and uint32.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Float16 bit pattern to its float32 value (exact: every half is a float). */
export function float16BitsToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) {
    // Keep the NaN payload in the top mantissa bits, as hardware conversions do.
    u32[0] = ((h & 0x8000) << 16) | 0x7f800000 | (mantissa << 13);
    return f32[0];
  }
  u32[0] = ((h & 0x8000) << 16) | ((exponent + 112) << 23) | (mantissa << 13);
  return f32[0];
}

/** Float32 value to the nearest float16 bit pattern (round to nearest, ties to even). */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  let x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  x &= 0x7fffffff;
  if (x >= 0x7f800000) {
    // Infinity stays infinity; NaN becomes a quiet NaN keeping what fits of its payload.
    return x === 0x7f800000 ? sign | 0x7c00 : sign | 0x7e00 | ((x >>> 13) & 0x3ff);
  }
  // 65520 is halfway between 65504 (the largest half) and 65536; ties go to even, i.e. infinity.
  if (x >= 0x477ff000) return sign | 0x7c00;
  if (x < 0x38800000) {
    // Below 2^-14 the result is subnormal: an integer count of 2^-24 steps, rounded half-even.
    // The product is exact in float64; a count of 1024 is the smallest normal, encoded the same.
    const steps = Math.abs(f32[0]) * 2 ** 24;
    const floor = Math.floor(steps);
    const rest = steps - floor;
    const rounded = rest > 0.5 || (rest === 0.5 && (floor & 1) === 1) ? floor + 1 : floor;
    return sign | rounded;
  }
  // Normal: rebias the exponent (127 -> 15) and round the 13 dropped mantissa bits half-even;
  // a carry out of the mantissa correctly bumps the exponent.
  const odd = (x >>> 13) & 1;
  return sign | ((x - (112 << 23) + 0xfff + odd) >>> 13);
}

/** Bfloat16 bit pattern to its float32 value (the upper 16 bits of a float32). */
export function bfloat16BitsToFloat32(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0];
}

/** Float32 value to the nearest bfloat16 bit pattern (round to nearest, ties to even). */
export function float32ToBfloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  if ((x & 0x7fffffff) > 0x7f800000) return (x >>> 16) | 0x40; // quiet NaN, sign kept
  // Largest non-NaN input is 0xff800000, so the sum stays below 2^32.
  return (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
}

/**
 * Elements of a tensor as float32: F16 and BF16 are decoded from their bit patterns, F64 and
 * integers are rounded to the nearest float32 (I64/U64 beyond 2^24 lose precision), BOOL gives 0/1.
 */
export function toFloat32(tensor: SafetensorsTensor): Float32Array {
  switch (tensor.dtype) {
    case 'F32':
      return tensor.data.slice();
    case 'F16': {
      const out = new Float32Array(tensor.data.length);
      for (let i = 0; i < out.length; i++) out[i] = float16BitsToFloat32(tensor.data[i]);
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(tensor.data.length);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < out.length; i++) bits[i] = tensor.data[i] << 16;
      return out;
    }
    case 'I64':
    case 'U64': {
      const out = new Float32Array(tensor.data.length);
      for (let i = 0; i < out.length; i++) out[i] = Number(tensor.data[i]);
      return out;
    }
    case 'BOOL': {
      const out = new Float32Array(tensor.data.length);
      for (let i = 0; i < out.length; i++) out[i] = tensor.data[i] ? 1 : 0;
      return out;
    }
    default:
      return Float32Array.from(tensor.data);
  }
}

/** The float dtypes `fromFloat32` can produce. */
export type FloatDtype = 'F16' | 'BF16' | 'F32' | 'F64';

/**
 * A tensor of `dtype` holding `values` (taken as float32 first, then rounded to nearest-even for
 * F16 and BF16); `shape` defaults to one dimension.
 */
export function fromFloat32<D extends FloatDtype>(
  values: ArrayLike<number>,
  dtype: D,
  shape: number[] = [values.length],
): SafetensorsTensorOf<D> {
  const n = values.length;
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== n) {
    throw new ShapeError(
      `fromFloat32: shape [${shape.join(', ')}] holds ${count} elements but ${n} values were given`,
      'pass a shape whose product equals the number of values',
    );
  }
  let data: SafetensorsDataTypes[FloatDtype];
  if (dtype === 'F16' || dtype === 'BF16') {
    const encode = dtype === 'F16' ? float32ToFloat16Bits : float32ToBfloat16Bits;
    const bits = new Uint16Array(n);
    for (let i = 0; i < n; i++) bits[i] = encode(values[i]);
    data = bits;
  } else if (dtype === 'F32') {
    data = Float32Array.from(values);
  } else {
    // F64 receives float32 values too, so that the result does not depend on the input's type.
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.fround(values[i]);
    data = out;
  }
  return { dtype, shape: [...shape], data } as SafetensorsTensorOf<D>;
}
