import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors.js';
import {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
  fromFloat32,
  type SafetensorsTensor,
  toFloat32,
} from './dtypes.js';

/** Float32 value of a uint32 bit pattern. */
function bitsToF32(bits: number): number {
  return new Float32Array(new Uint32Array([bits]).buffer)[0];
}

/** Deterministic 32-bit generator (xorshift32) for sampled checks. */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

describe('float16', () => {
  it('encodes known values', () => {
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff], // largest half
      [65519, 0x7bff], // below the midpoint to infinity
      [65520, 0x7c00], // midpoint ties to even: infinity
      [1e6, 0x7c00],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [1023 * 2 ** -24, 0x03ff], // largest subnormal
      [2 ** -25, 0x0000], // tie between 0 and 2^-24: even is 0
      [1.5 * 2 ** -25, 0x0001],
      [3 * 2 ** -25, 0x0002], // tie between 1 and 2 steps: even is 2
      [2 ** -26, 0x0000],
      [0, 0x0000],
      [-0, 0x8000],
      [Number.POSITIVE_INFINITY, 0x7c00],
      [Number.NEGATIVE_INFINITY, 0xfc00],
      [1 + 2 ** -11, 0x3c00], // tie: mantissa stays even
      [1 + 3 * 2 ** -11, 0x3c02], // tie: rounds up to even
      [1 + 2 ** -11 + 2 ** -20, 0x3c01],
      [1 / 3, 0x3555],
      [0.1, 0x2e66],
    ];
    for (const [value, bits] of cases) {
      expect(float32ToFloat16Bits(value), `${value}`).toBe(bits);
    }
    const nan = float32ToFloat16Bits(Number.NaN);
    expect(nan & 0x7c00).toBe(0x7c00);
    expect(nan & 0x3ff).not.toBe(0);
  });

  it('decodes known bit patterns', () => {
    expect(float16BitsToFloat32(0x3c00)).toBe(1);
    expect(float16BitsToFloat32(0xc000)).toBe(-2);
    expect(float16BitsToFloat32(0x7bff)).toBe(65504);
    expect(float16BitsToFloat32(0x0001)).toBe(2 ** -24);
    expect(float16BitsToFloat32(0x8001)).toBe(-(2 ** -24));
    expect(float16BitsToFloat32(0x03ff)).toBe(1023 * 2 ** -24);
    expect(float16BitsToFloat32(0x0400)).toBe(2 ** -14);
    expect(float16BitsToFloat32(0x3555)).toBe(0.333251953125);
    expect(Object.is(float16BitsToFloat32(0x8000), -0)).toBe(true);
    expect(Object.is(float16BitsToFloat32(0x0000), 0)).toBe(true);
    expect(float16BitsToFloat32(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(float16BitsToFloat32(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
    expect(float16BitsToFloat32(0x7e00)).toBeNaN();
    expect(float16BitsToFloat32(0x7c01)).toBeNaN();
  });

  it('round-trips every non-NaN half exactly', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue;
      const back = float32ToFloat16Bits(float16BitsToFloat32(h));
      if (back !== h) expect(back, `0x${h.toString(16)}`).toBe(h);
    }
  });

  it('rounds to the nearest half, ties to even, as a brute-force search does', () => {
    // Positive finite halves in increasing order; their bit patterns are increasing too.
    const values: number[] = [];
    for (let h = 0; h <= 0x7bff; h++) values.push(float16BitsToFloat32(h));
    const nearest = (v: number): number => {
      const a = Math.abs(v);
      if (a >= 65520) return 0x7c00;
      let lo = 0;
      let hi = values.length - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (values[mid] <= a) lo = mid;
        else hi = mid;
      }
      const dLo = a - values[lo];
      const dHi = values[hi] - a;
      if (dLo < dHi || (dLo === dHi && lo % 2 === 0)) return lo;
      return hi;
    };
    const next = xorshift(12345);
    const samples: number[] = [];
    // Every midpoint between neighbouring halves (the ties), and random floats in half's range.
    for (let h = 0; h < 0x7bff; h++) samples.push((values[h] + values[h + 1]) / 2);
    for (let i = 0; i < 50_000; i++) {
      const bits = next() & 0x7fffffff;
      // Map into [0, 2^17) so that most samples land in or near half's range.
      samples.push(bitsToF32(0x30000000 + (bits % 0x18000000)));
    }
    for (const v of samples) {
      const f = Math.fround(v);
      const got = float32ToFloat16Bits(f);
      const want = nearest(f);
      if (got !== want) expect(got, `value ${f}`).toBe(want);
      if (float32ToFloat16Bits(-f) !== (want | 0x8000)) expect(float32ToFloat16Bits(-f)).toBe(want | 0x8000);
    }
  });
});

describe('bfloat16', () => {
  it('encodes and decodes known values', () => {
    expect(float32ToBfloat16Bits(1)).toBe(0x3f80);
    expect(float32ToBfloat16Bits(-2)).toBe(0xc000);
    expect(float32ToBfloat16Bits(-0)).toBe(0x8000);
    expect(float32ToBfloat16Bits(Number.POSITIVE_INFINITY)).toBe(0x7f80);
    expect(float32ToBfloat16Bits(Number.NEGATIVE_INFINITY)).toBe(0xff80);
    expect(float32ToBfloat16Bits(bitsToF32(0x3f808000))).toBe(0x3f80); // tie, even stays
    expect(float32ToBfloat16Bits(bitsToF32(0x3f818000))).toBe(0x3f82); // tie, rounds to even
    expect(float32ToBfloat16Bits(bitsToF32(0x3f808001))).toBe(0x3f81);
    expect(float32ToBfloat16Bits(bitsToF32(0x7f7fffff))).toBe(0x7f80); // max float overflows
    expect(float32ToBfloat16Bits(bitsToF32(0x00000001))).toBe(0x0000); // smallest subnormal
    const nan = float32ToBfloat16Bits(Number.NaN);
    expect(nan & 0x7f80).toBe(0x7f80);
    expect(nan & 0x7f).not.toBe(0);
    // A NaN whose payload lives only in the low bits must not turn into infinity.
    expect(float32ToBfloat16Bits(bitsToF32(0x7f800001)) & 0x7f).not.toBe(0);

    expect(bfloat16BitsToFloat32(0x3f80)).toBe(1);
    expect(bfloat16BitsToFloat32(0xc000)).toBe(-2);
    expect(bfloat16BitsToFloat32(0x7f80)).toBe(Number.POSITIVE_INFINITY);
    expect(bfloat16BitsToFloat32(0x7fc0)).toBeNaN();
    expect(Object.is(bfloat16BitsToFloat32(0x8000), -0)).toBe(true);
  });

  it('round-trips every non-NaN bfloat16 exactly', () => {
    for (let b = 0; b < 0x10000; b++) {
      if ((b & 0x7f80) === 0x7f80 && (b & 0x7f) !== 0) continue;
      const back = float32ToBfloat16Bits(bfloat16BitsToFloat32(b));
      if (back !== b) expect(back, `0x${b.toString(16)}`).toBe(b);
    }
  });
});

describe('toFloat32 / fromFloat32', () => {
  it('converts every dtype to float32', () => {
    const cases: [SafetensorsTensor, number[]][] = [
      [{ dtype: 'F32', shape: [2], data: new Float32Array([1.5, -2]) }, [1.5, -2]],
      [{ dtype: 'F64', shape: [2], data: new Float64Array([0.1, 3]) }, [Math.fround(0.1), 3]],
      [{ dtype: 'F16', shape: [3], data: new Uint16Array([0x3c00, 0x0001, 0xfc00]) }, [1, 2 ** -24, -Infinity]],
      [{ dtype: 'BF16', shape: [2], data: new Uint16Array([0x3f80, 0xc000]) }, [1, -2]],
      [{ dtype: 'I8', shape: [2], data: new Int8Array([-128, 127]) }, [-128, 127]],
      [{ dtype: 'U8', shape: [1], data: new Uint8Array([255]) }, [255]],
      [{ dtype: 'I16', shape: [1], data: new Int16Array([-300]) }, [-300]],
      [{ dtype: 'U16', shape: [1], data: new Uint16Array([65535]) }, [65535]],
      [{ dtype: 'I32', shape: [2], data: new Int32Array([-7, 2 ** 30]) }, [-7, 2 ** 30]],
      [{ dtype: 'U32', shape: [1], data: new Uint32Array([2 ** 31]) }, [2 ** 31]],
      [{ dtype: 'I64', shape: [2], data: new BigInt64Array([-5n, 1n << 40n]) }, [-5, 2 ** 40]],
      [{ dtype: 'U64', shape: [1], data: new BigUint64Array([7n]) }, [7]],
      [{ dtype: 'BOOL', shape: [3], data: new Uint8Array([0, 1, 2]) }, [0, 1, 1]],
    ];
    for (const [tensor, want] of cases) {
      const got = toFloat32(tensor);
      expect(got, tensor.dtype).toBeInstanceOf(Float32Array);
      expect(Array.from(got), tensor.dtype).toEqual(want);
    }
  });

  it('does not alias the F32 input', () => {
    const data = new Float32Array([1, 2]);
    const out = toFloat32({ dtype: 'F32', shape: [2], data });
    out[0] = 9;
    expect(data[0]).toBe(1);
  });

  it('builds F16, BF16, F32 and F64 tensors from float32 values', () => {
    const f16 = fromFloat32([1, 65504, 2 ** -24, -0], 'F16', [2, 2]);
    expect(f16.dtype).toBe('F16');
    expect(f16.shape).toEqual([2, 2]);
    expect(Array.from(f16.data)).toEqual([0x3c00, 0x7bff, 0x0001, 0x8000]);
    const bf16 = fromFloat32(new Float32Array([1, -2]), 'BF16');
    expect(Array.from(bf16.data)).toEqual([0x3f80, 0xc000]);
    expect(bf16.shape).toEqual([2]);
    const f32 = fromFloat32([0.1], 'F32');
    expect(f32.data).toBeInstanceOf(Float32Array);
    expect(f32.data[0]).toBe(Math.fround(0.1));
    const f64 = fromFloat32([0.1], 'F64');
    expect(f64.data).toBeInstanceOf(Float64Array);
    expect(f64.data[0]).toBe(Math.fround(0.1));
    // Round trip through the conversions.
    expect(Array.from(toFloat32(fromFloat32([0.5, -3, 1024], 'F16')))).toEqual([0.5, -3, 1024]);
    expect(Array.from(toFloat32(fromFloat32([0.5, -3, 1024], 'BF16')))).toEqual([0.5, -3, 1024]);
  });

  it('rejects a shape that does not hold the values', () => {
    expect(() => fromFloat32([1, 2, 3], 'F32', [2, 2])).toThrow(ShapeError);
    expect(() => fromFloat32([1, 2, 3], 'F32', [2, 2])).toThrow(/4 elements but 3 values/);
  });
});
