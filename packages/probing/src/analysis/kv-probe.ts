/**
 * What keys and values hold (SPEC §3.4): linear ridge probes per head at offsets around each label
 * position, scored by cross-validated held-out accuracy.
 */

import { type Matrix, OptionError, Rng, ShapeError } from '@iclkr/core';
import { argmax, cholesky, choleskySolve } from '@iclkr/kernels';

/** The folds a probe is scored by unless told otherwise: it needs at least this many groups (prompts). */
export const KV_PROBE_FOLDS = 5;

/** Options of `ridgeProbe`. */
export interface RidgeProbeOptions {
  /** Ridge penalties; with more than one, each outer fold picks its own by inner k-fold CV (default [0.01], the paper's). */
  readonly lambdas?: readonly number[];
  /** Number of folds (default KV_PROBE_FOLDS, 5; at least 3 when choosing among several lambdas). */
  readonly folds?: number;
  /** Seed of the fold assignment (default 0). */
  readonly seed?: number;
  /** Group of each example (e.g. its prompt): a group's examples share a fold. Default: every example its own group. */
  readonly groups?: ArrayLike<number>;
}

/** A probe's cross-validated result. */
export interface RidgeProbeResult {
  /** Held-out accuracy: every example predicted by a probe fitted without its fold. */
  readonly accuracy: number;
  /** The lambda plain k-fold CV picks on all examples (reported; the accuracy is nested when several were given). */
  readonly lambda: number;
  /** Out-of-fold predicted target per example. */
  readonly predictions: Int32Array;
}

interface FoldStats {
  n: number;
  /** X^T X (d x d, upper triangle filled until `mirror`). */
  g: Float64Array;
  /** X^T Y (d x C). */
  b: Float64Array;
  /** Column sums of X. */
  s: Float64Array;
  /** Class counts (column sums of one-hot Y). */
  y: Float64Array;
  rows: number[];
}

function checkLambdas(lambdas: readonly number[]): void {
  if (lambdas.length === 0) throw new OptionError('no ridge lambdas', 'give at least one lambda, e.g. [0.01]');
  for (const l of lambdas)
    if (!(l > 0 && Number.isFinite(l))) throw new OptionError(`ridge lambda ${l} is not positive`, 'use lambdas > 0');
}

/** Fold of each example: its group's position in a seeded shuffle of the distinct groups, mod k. */
function assignFolds(n: number, k: number, seed: number, groups?: ArrayLike<number>): Int32Array {
  const key = (i: number) => (groups ? groups[i] : i);
  const distinct = [...new Set(Array.from({ length: n }, (_, i) => key(i)))].sort((a, b) => a - b);
  if (distinct.length < k)
    throw new OptionError(`${distinct.length} groups cannot fill ${k} folds`, `use at most ${distinct.length} folds or give more examples`);
  const order = new Rng(seed).shuffle(distinct);
  const fold = new Map(order.map((g, p) => [g, p % k]));
  return Int32Array.from({ length: n }, (_, i) => fold.get(key(i))!);
}

/**
 * Linear ridge probe with an unpenalised intercept (features and one-hot targets centred on the
 * training part), classes by argmax (ties to the lowest), scored by seeded k-fold CV. Targets may
 * be any integers (e.g. token ids); they are compacted to the distinct values seen. Solved in the
 * primal (d x d, float64 Cholesky) from per-fold sufficient statistics.
 */
export function ridgeProbe(x: Matrix, targets: ArrayLike<number>, options: RidgeProbeOptions = {}): RidgeProbeResult {
  const lambdas = options.lambdas ?? [0.01];
  const k = options.folds ?? KV_PROBE_FOLDS;
  checkLambdas(lambdas);
  const minFolds = lambdas.length > 1 ? 3 : 2;
  if (!Number.isInteger(k) || k < minFolds) {
    const purpose = minFolds === 3 ? 'choosing among several lambdas (nested cross-validation)' : 'cross-validation';
    throw new OptionError(`${k} folds are too few for ${purpose}`, `use at least ${minFolds} folds`);
  }
  const n = x.rows;
  const d = x.cols;
  if (targets.length !== n) throw new ShapeError(`${n} feature rows but ${targets.length} targets`, 'give one target per row');
  if (options.groups && options.groups.length !== n)
    throw new ShapeError(`${n} feature rows but ${options.groups.length} groups`, 'give one group per row');
  for (let i = 0; i < n; i++)
    if (!Number.isInteger(targets[i]))
      throw new OptionError(`target ${i + 1} is ${targets[i]}, not an integer class`, 'give class ids or token ids as targets');
  for (let i = 0; i < x.data.length; i++) {
    if (!Number.isFinite(x.data[i]))
      throw new OptionError(`feature row ${Math.floor(i / d) + 1} holds ${x.data[i]}`, 'probe finite activations');
  }
  const classes = [...new Set(Array.from(targets))].sort((a, b) => a - b);
  const classOf = new Map(classes.map((c, j) => [c, j]));
  const c = classes.length;
  const fold = assignFolds(n, k, options.seed ?? 0, options.groups);

  // Shifting by the overall mean first keeps the centred Gram G - N mu mu^T well conditioned.
  const shift = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) shift[j] += x.data[i * d + j] / n;
  const row = (i: number) => Float64Array.from({ length: d }, (_, j) => x.data[i * d + j] - shift[j]);
  const stats: FoldStats[] = Array.from({ length: k }, () => ({
    n: 0,
    g: new Float64Array(d * d),
    b: new Float64Array(d * c),
    s: new Float64Array(d),
    y: new Float64Array(c),
    rows: [],
  }));
  for (let i = 0; i < n; i++) {
    const f = stats[fold[i]];
    const r = row(i);
    const t = classOf.get(targets[i])!;
    f.n++;
    f.rows.push(i);
    f.y[t]++;
    for (let a = 0; a < d; a++) {
      const ra = r[a];
      if (ra === 0) continue;
      f.s[a] += ra;
      f.b[a * c + t] += ra;
      for (let b2 = a; b2 < d; b2++) f.g[a * d + b2] += ra * r[b2];
    }
  }

  const fit = (exclude: readonly number[], lambda: number) => {
    const a = new Float64Array(d * d);
    const rhs = new Float64Array(d * c);
    const s = new Float64Array(d);
    const ys = new Float64Array(c);
    let total = 0;
    stats.forEach((f, index) => {
      if (exclude.includes(index)) return;
      total += f.n;
      for (let j = 0; j < d * d; j++) a[j] += f.g[j];
      for (let j = 0; j < d * c; j++) rhs[j] += f.b[j];
      for (let j = 0; j < d; j++) s[j] += f.s[j];
      for (let j = 0; j < c; j++) ys[j] += f.y[j];
    });
    const mu = s.map((v) => v / total);
    const ybar = ys.map((v) => v / total);
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        const v = a[i * d + j] - total * mu[i] * mu[j] + (i === j ? lambda : 0);
        a[i * d + j] = v;
        a[j * d + i] = v;
      }
      for (let j = 0; j < c; j++) rhs[i * c + j] -= total * mu[i] * ybar[j];
    }
    const w = choleskySolve(cholesky(a, d), d, rhs, c);
    return (i: number) => {
      const r = row(i);
      const scores = Float64Array.from(ybar);
      for (let j = 0; j < d; j++) {
        const v = r[j] - mu[j];
        if (v !== 0) for (let t = 0; t < c; t++) scores[t] += v * w[j * c + t];
      }
      return argmax(scores);
    };
  };
  const correct = (exclude: readonly number[], lambda: number, on: number) => {
    const predict = fit(exclude, lambda);
    return stats[on].rows.reduce((hits, i) => hits + (predict(i) === classOf.get(targets[i]) ? 1 : 0), 0);
  };
  /** The lambda with the most correct predictions over folds `on`, each fitted without itself and `also`; ties to the first. */
  const choose = (on: readonly number[], also: readonly number[]) => {
    if (lambdas.length === 1) return lambdas[0];
    let best = lambdas[0];
    let bestHits = -1;
    for (const lambda of lambdas) {
      const hits = on.reduce((sum, g) => sum + correct([...also, g], lambda, g), 0);
      if (hits > bestHits) [best, bestHits] = [lambda, hits];
    }
    return best;
  };

  const all = stats.map((_, f) => f);
  const predictions = new Int32Array(n);
  let hits = 0;
  for (let f = 0; f < k; f++) {
    const predict = fit(
      [f],
      choose(
        all.filter((g) => g !== f),
        [f],
      ),
    );
    for (const i of stats[f].rows) {
      const p = predict(i);
      predictions[i] = classes[p];
      if (p === classOf.get(targets[i])) hits++;
    }
  }
  return { accuracy: hits / n, lambda: choose(all, []), predictions };
}

/** Options of the keys/values probe accumulator. */
export interface KvProbeOptions extends Omit<RidgeProbeOptions, 'groups'> {
  /** Heads per layer and their width: each layer's block is [pos, heads, dHead]. */
  readonly heads: number;
  readonly dHead: number;
  /** Offsets from the label position (default -1..+3). */
  readonly offsets?: readonly number[];
  /** The (layer, head) pairs to probe (default all): memory is examples x pairs x offsets x dHead floats. */
  readonly select?: readonly (readonly [number, number])[];
}

/** Held-out accuracy (and reported lambda) of one head's probe at each offset. */
export interface HeadProbe {
  readonly layer: number;
  readonly head: number;
  /** Accuracy per offset, in the order of `offsets`. */
  readonly accuracy: number[];
  readonly lambda: number[];
}

/** Probe results of every selected head. */
export interface KvProbeResult {
  readonly offsets: readonly number[];
  readonly examples: number;
  /** Share of the most frequent target: the accuracy of always guessing it. */
  readonly chance: number;
  readonly heads: HeadProbe[];
}

/**
 * Collects key or value vectors at label position + offset for every demonstration of every
 * prompt, then fits one `ridgeProbe` per (head, offset) with each prompt's examples kept in one fold.
 */
export class KvProbe {
  readonly offsets: readonly number[];
  private readonly options: KvProbeOptions;
  private layers?: number;
  private pairs?: (readonly [number, number])[];
  private readonly features: Float32Array[] = [];
  private readonly targets: number[] = [];
  private readonly groups: number[] = [];

  constructor(options: KvProbeOptions) {
    this.options = options;
    this.offsets = options.offsets ?? [-1, 0, 1, 2, 3];
    for (const v of [options.heads, options.dHead]) {
      if (!Number.isInteger(v) || v < 1)
        throw new OptionError(
          `heads ${options.heads} / dHead ${options.dHead} is not a positive size`,
          "give the model config's heads and d_head",
        );
    }
    if (this.offsets.length === 0 || this.offsets.some((o) => !Number.isInteger(o))) {
      throw new OptionError(`offsets [${this.offsets.join(', ')}] are not whole numbers`, 'give integer offsets such as [-1, 0, 1, 2, 3]');
    }
    checkLambdas(options.lambdas ?? [0.01]);
  }

  /** Adds one prompt: per-layer flat [pos, head, d_head] blocks, the label positions and one target per demonstration. */
  add(blocks: readonly ArrayLike<number>[], labelPositions: readonly number[], targets: ArrayLike<number>): this {
    const { heads, dHead } = this.options;
    const width = heads * dHead;
    if (this.layers !== undefined && blocks.length !== this.layers) {
      throw new ShapeError(`${blocks.length} layers, earlier prompts had ${this.layers}`, "pass every layer's block for every prompt");
    }
    if (blocks.length === 0) throw new ShapeError('no layer blocks', 'pass one [pos, head, d_head] block per layer');
    const positions = blocks[0].length / width;
    blocks.forEach((b, l) => {
      if (b.length !== positions * width || !Number.isInteger(positions)) {
        throw new ShapeError(
          `layer ${l} block has ${b.length} values, not positions x ${heads} heads x ${dHead}`,
          'pass hook_k/hook_v of one prompt, [pos, head, d_head], for every layer',
        );
      }
    });
    if (targets.length !== labelPositions.length)
      throw new ShapeError(`${labelPositions.length} label positions but ${targets.length} targets`, 'give one target per demonstration');
    if (!this.pairs) {
      this.layers = blocks.length;
      this.pairs = this.options.select
        ? [...this.options.select]
        : Array.from({ length: blocks.length * heads }, (_, j) => [Math.floor(j / heads), j % heads] as const);
      for (const [l, h] of this.pairs) {
        if (!(Number.isInteger(l) && l >= 0 && l < blocks.length && Number.isInteger(h) && h >= 0 && h < heads)) {
          throw new OptionError(`selected head (${l}, ${h}) is outside ${blocks.length} layers x ${heads} heads`, 'select existing heads');
        }
      }
    }
    const pairs = this.pairs;
    const group = this.features.length;
    const block = new Float32Array(labelPositions.length * pairs.length * this.offsets.length * dHead);
    let at = 0;
    labelPositions.forEach((p, i) => {
      for (const o of this.offsets) {
        if (!Number.isInteger(p + o) || p + o < 0 || p + o >= positions) {
          throw new ShapeError(
            `label position ${p} of demonstration ${i + 1} with offset ${o} is outside the prompt's ${positions} positions`,
            "pass label positions from the same prompt's spans",
          );
        }
      }
      for (const [l, h] of pairs) {
        for (const o of this.offsets) {
          const from = (p + o) * width + h * dHead;
          for (let j = 0; j < dHead; j++) block[at++] = blocks[l][from + j];
        }
      }
      this.targets.push(targets[i]);
      this.groups.push(group);
    });
    this.features.push(block);
    return this;
  }

  /** Demonstrations added so far. */
  get examples(): number {
    return this.targets.length;
  }

  /** Fits and scores every (head, offset) probe. */
  result(): KvProbeResult {
    if (!this.pairs || this.targets.length === 0)
      throw new OptionError('keys/values probe has no examples', 'add prompts with demonstrations before result()');
    const { dHead } = this.options;
    const n = this.targets.length;
    const stride = this.pairs.length * this.offsets.length * dHead;
    const heads = this.pairs.map(([layer, head], s) => {
      const accuracy: number[] = [];
      const lambda: number[] = [];
      this.offsets.forEach((_, o) => {
        const data = new Float32Array(n * dHead);
        const from = (s * this.offsets.length + o) * dHead;
        let i = 0;
        for (const f of this.features) {
          for (let at = from; at < f.length; at += stride) data.set(f.subarray(at, at + dHead), dHead * i++);
        }
        const r = ridgeProbe({ rows: n, cols: dHead, data }, this.targets, { ...this.options, groups: this.groups });
        accuracy.push(r.accuracy);
        lambda.push(r.lambda);
      });
      return { layer, head, accuracy, lambda };
    });
    const counts = new Map<number, number>();
    for (const t of this.targets) counts.set(t, (counts.get(t) ?? 0) + 1);
    return { offsets: this.offsets, examples: n, chance: Math.max(...counts.values()) / n, heads };
  }
}
