/**
 * The perturbations the insight experiments apply: a fixed derangement of the label set (format's
 * swapped labels), seeded typo noise on a text (OOD on text), and the orders a prompt's
 * demonstrations are run in (order).
 */
import { OptionError, Rng } from '@iclkr/core';

/**
 * The fixed derangement of `count` labels: class c is written as label (c + 1) mod count, so no
 * class keeps its own label (a cyclic shift; for two labels, the swap).
 */
export function derangement(count: number): number[] {
  if (!Number.isInteger(count) || count < 2) {
    throw new OptionError(`${count} labels cannot be deranged`, 'swap labels in a task with at least two labels');
  }
  return Array.from({ length: count }, (_, c) => (c + 1) % count);
}

/** Characters typo noise may edit: letters and digits (spaces and punctuation stay). */
const EDITABLE = /[\p{L}\p{N}]/u;

/** The letters typo noise inserts. */
const INSERTED = 'abcdefghijklmnopqrstuvwxyz';

/** The kinds of typo, each one edit. */
export const TYPO_KINDS = ['swap', 'drop', 'insert'] as const;

/** A text with typo noise, and what was done to it. */
export interface TypoResult {
  readonly text: string;
  /** Edits made (each swap, drop or insertion counts one). */
  readonly edits: number;
  /** Characters that could be edited (letters and digits of the original). */
  readonly editable: number;
}

/** Checks a typo rate is a probability. */
export function checkTypoRate(rate: number): void {
  if (!(rate >= 0 && rate <= 1))
    throw new OptionError(`typo rate ${rate} is outside [0, 1]`, 'pass rates between 0 and 1, e.g. --rates 0,0.05,0.1,0.2');
}

/**
 * Seeded typo noise: each letter or digit is, with probability `rate`, the place of one edit,
 * chosen uniformly among swapping it with the next character (when that is a different letter or
 * digit that is not itself chosen), dropping it (unless it is the text's last editable character)
 * and inserting a random lowercase letter before it; a swap that cannot be made is a drop, a drop
 * that cannot be made an insertion. So the expected edits are `rate` per editable character, and
 * the same text, rate and generator state give the same result.
 */
export function typoNoise(text: string, rate: number, rng: Rng): TypoResult {
  checkTypoRate(rate);
  const chars = [...text];
  const editable = chars.map((c) => EDITABLE.test(c));
  const chosen = chars.map((_, i) => editable[i] && rng.uniform() < rate);
  let left = editable.filter(Boolean).length;
  const total = left;
  const out: string[] = [];
  let edits = 0;
  for (let i = 0; i < chars.length; i++) {
    if (!chosen[i]) {
      out.push(chars[i]);
      continue;
    }
    edits++;
    let kind = TYPO_KINDS[rng.int(TYPO_KINDS.length)] as (typeof TYPO_KINDS)[number];
    const next = chars[i + 1];
    if (kind === 'swap' && !(next !== undefined && editable[i + 1] && !chosen[i + 1] && next !== chars[i])) kind = 'drop';
    if (kind === 'drop' && left <= 1) kind = 'insert';
    if (kind === 'swap') {
      out.push(next!, chars[i]);
      i++;
    } else if (kind === 'insert') {
      out.push(INSERTED[rng.int(INSERTED.length)], chars[i]);
    } else {
      left--;
    }
  }
  return { text: out.join(''), edits, editable: total };
}

/** n! for small n (Infinity past 170). */
export function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

/** Every permutation of 0..n-1 in lexicographic order (the identity first). */
function allPermutations(n: number): number[][] {
  const out: number[][] = [];
  const walk = (prefix: number[], rest: number[]) => {
    if (rest.length === 0) out.push(prefix);
    rest.forEach((v, i) => walk([...prefix, v], [...rest.slice(0, i), ...rest.slice(i + 1)]));
  };
  walk(
    [],
    Array.from({ length: n }, (_, i) => i),
  );
  return out;
}

/**
 * The orders a prompt's n demonstrations are run in: min(`max`, n!) distinct permutations of
 * 0..n-1 (entry j of an order is the demonstration placed at position j), the given order (the
 * identity) first; all of them when n! <= max, else the identity and seeded random ones.
 */
export function demonstrationOrders(n: number, max: number, rng: Rng): number[][] {
  if (!Number.isInteger(max) || max < 1)
    throw new OptionError(`${max} orders per prompt is not a positive count`, 'pass --permutations 1 or more');
  if (factorial(n) <= max) return allPermutations(n);
  const identity = Array.from({ length: n }, (_, i) => i);
  const seen = new Set([identity.join(',')]);
  const out = [identity];
  while (out.length < max) {
    const order = rng.shuffle([...identity]);
    const key = order.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(order);
  }
  return out;
}

/** A stream of its own for one item of an experiment: the same seed and keys give the same draws, whatever else is asked. */
export function streamRng(seed: number, ...keys: readonly number[]): Rng {
  let h = (seed * 1_000_003) | 0;
  for (const k of keys) h = (Math.imul(h ^ (k | 0), 0x01000193) + 0x9e3779b9) | 0;
  return new Rng(h);
}
