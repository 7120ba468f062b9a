import { OptionError, ShapeError } from '@iclkr/core';

function sameLength(a: ArrayLike<unknown>, b: ArrayLike<unknown>, what: string): number {
  if (a.length !== b.length) throw new ShapeError(`${what}: lengths ${a.length} and ${b.length} differ`, 'pass equal-length arrays');
  if (a.length === 0) throw new ShapeError(`${what}: empty input`, 'pass at least one value');
  return a.length;
}

/** Fraction of positions where the predicted label equals the gold label. */
export function accuracy(predicted: ArrayLike<number>, gold: ArrayLike<number>): number {
  const n = sameLength(predicted, gold, 'accuracy');
  let hits = 0;
  for (let i = 0; i < n; i++) if (predicted[i] === gold[i]) hits++;
  return hits / n;
}

/** Fraction of positions where two predictors give the same label (e.g. a head's vote and the model). */
export function agreement(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return accuracy(a, b);
}

/** Pearson correlation; NaN when either input is constant (correlation undefined). */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = sameLength(a, b, 'pearson');
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa === 0 || sbb === 0 ? Number.NaN : sab / Math.sqrt(saa * sbb);
}

/** Ranks 1..n with ties given their average rank. */
export function ranks(values: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((i, j) => values[i] - values[j]);
  const r = new Float64Array(values.length);
  for (let s = 0; s < order.length; ) {
    let e = s;
    while (e + 1 < order.length && values[order[e + 1]] === values[order[s]]) e++;
    for (let k = s; k <= e; k++) r[order[k]] = (s + e) / 2 + 1;
    s = e + 1;
  }
  return r;
}

/** Spearman rank correlation (Pearson on average ranks). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  sameLength(a, b, 'spearman');
  return pearson(ranks(a), ranks(b));
}

/** L1 distance sum_i |p_i - q_i|. */
export function l1Distance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const n = sameLength(p, q, 'l1Distance');
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(p[i] - q[i]);
  return s;
}

/** Total variation distance between distributions: half the L1 distance. */
export function totalVariation(p: ArrayLike<number>, q: ArrayLike<number>): number {
  return l1Distance(p, q) / 2;
}

/**
 * KL(p || q) = sum_i p_i log(p_i / q_i) in nats; terms with p_i = 0 are 0, and p_i > 0 with
 * q_i = 0 gives Infinity.
 */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const n = sameLength(p, q, 'klDivergence');
  let s = 0;
  for (let i = 0; i < n; i++) {
    if (p[i] > 0) s += q[i] > 0 ? p[i] * Math.log(p[i] / q[i]) : Number.POSITIVE_INFINITY;
  }
  return s;
}

/** Mean squared error. */
export function meanSquaredError(predicted: ArrayLike<number>, gold: ArrayLike<number>): number {
  const n = sameLength(predicted, gold, 'meanSquaredError');
  let s = 0;
  for (let i = 0; i < n; i++) s += (predicted[i] - gold[i]) ** 2;
  return s / n;
}

/** Mean absolute error. */
export function meanAbsoluteError(predicted: ArrayLike<number>, gold: ArrayLike<number>): number {
  const n = sameLength(predicted, gold, 'meanAbsoluteError');
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(predicted[i] - gold[i]);
  return s / n;
}

/** Proportion and Wilson 95% interval; a hit may be fractional (shared credit among tied maxima). */
export function wilsonProportion(hits: readonly number[]): [number, [number, number]] {
  const n = hits.length;
  const p = hits.reduce((s, h) => s + h, 0) / n;
  const z = 1.96;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return [p, [Math.max(0, centre - half), Math.min(1, centre + half)]];
}

/** Mean and normal 95% interval (mean +- 1.96 s / sqrt(n), s the sample standard deviation) of per-item values. */
export function meanInterval(values: readonly number[]): [number, [number, number]] {
  const n = values.length;
  if (n === 0) throw new OptionError('meanInterval of no values', 'give at least one value');
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, n - 1));
  const half = (1.96 * sd) / Math.sqrt(n);
  return [mean, [mean - half, mean + half]];
}

/** Index of the first largest value. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/**
 * Credit for predicting `target` with the argmax of `values`: 1 / (number of tied maxima) when
 * the target is one of them, so a uniform guess scores chance rather than "always the first label".
 */
export function argmaxCredit(values: ArrayLike<number>, target: number): number {
  const top = values[argmax(values)];
  let ties = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === top) ties++;
  return target >= 0 && values[target] === top ? 1 / ties : 0;
}
