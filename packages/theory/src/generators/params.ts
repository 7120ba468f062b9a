/** Shared helpers of the world generators: parameter checks and matrix helpers. */
import { OptionError } from '@iclkr/core';

/** An integer parameter >= `min` (OptionError naming the generator and parameter otherwise). */
export function intParam(generator: string, name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new OptionError(`${generator}: ${name} ${value} is not an integer >= ${min}`, `pass ${name} >= ${min}`);
  }
  return value;
}

/** A real parameter inside (lo, hi), ends included as told. */
export function realParam(
  generator: string,
  name: string,
  value: number,
  lo: number,
  hi: number,
  closed: { lo?: boolean; hi?: boolean } = {},
): number {
  const above = closed.lo ? value >= lo : value > lo;
  const below = closed.hi ? value <= hi : value < hi;
  if (!Number.isFinite(value) || !(above && below)) {
    const range = `${closed.lo ? '[' : '('}${lo}, ${hi === Number.POSITIVE_INFINITY ? 'inf' : hi}${closed.hi ? ']' : ')'}`;
    throw new OptionError(`${generator}: ${name} ${value} is not in ${range}`, `pass ${name} in ${range}`);
  }
  return value;
}

/** A `rows` x `cols` matrix of zeros as nested plain arrays (the JSON form). */
export function zeros(rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
}

/** The prior-weighted average of the tasks' matrices: the transition of the pre-training mixture, recorded as the world's default. */
export function priorAverage(matrices: readonly number[][][], priors: readonly number[]): number[][] {
  const out = zeros(matrices[0].length, matrices[0][0].length);
  matrices.forEach((mat, t) => {
    if (priors[t] === 0) return;
    mat.forEach((row, i) => row.forEach((v, j) => (out[i][j] += priors[t] * v)));
  });
  return out;
}

/** softmax(x / temp), numerically stable. */
export function softmax(x: readonly number[], temp: number): number[] {
  const scaled = x.map((v) => v / temp);
  const top = Math.max(...scaled);
  const e = scaled.map((v) => Math.exp(v - top));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}
