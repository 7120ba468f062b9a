/**
 * Restart-mode scores of many prompts at once for one HMM whose prompt tokens are each emitted by
 * every state (a dense world such as the paper's random one), where a step costs d x d however
 * the supports are kept (forward.ts). Four things make it cheaper than a ScaledPass per segment:
 *
 * - two steps at a time: for a token a in the middle of a pair, M_a = T diag(B[:, a]) T is built
 *   once (d^3) and one product with it replaces two with T, halving the d x d products;
 * - the query, like a demonstration, by one backward pass for all tasks; the forward pass that
 *   gives a task's next-token distribution only for the tasks whose posterior weight is at least
 *   2^-80 of the largest (the others move the predictive by less than 1e-23);
 * - the cheap ends: a segment's last three tokens x y z give M_y B[:, z], shared by every
 *   segment that ends in y z (a few hundred pairs for thousands of segments), and when the tasks'
 *   starts sit on few states the first one or two steps are taken on those rows alone;
 * - the products of all pending vectors with the same matrix go to a WebAssembly SIMD kernel
 *   together (rows-kernel.ts), level by level, the emission and the rescaling fused in.
 *
 * The sums are grouped differently from a ScaledPass's, so scores agree with it to rounding
 * (1e-16 on the benchmark's predictive), not bit for bit; but a prompt's numbers never depend on
 * the other prompts of the call (every inner token gets its M_a; a prompt with a token that only
 * some states emit is left to the JS passes on its own). Vectors are rescaled to sum 1 after each
 * step and M_a is built with B[:, a] scaled by a power of two, so long prompts never underflow.
 */
import type { Dynamics } from './forward.js';
import { acquireRows, type RowsKernel, type RowsLease } from './rows-kernel.js';

/** A prompt as bayesPredictive encodes it: one token buffer, its demonstrations' bounds and where the query starts. */
export interface RestartPrompt {
  readonly tokens: Int32Array;
  readonly segments: Int32Array;
  readonly segmentEnds: Int32Array;
  readonly query: number;
}

/** What a batch gives one prompt, per task of the group (in the order of `starts`). */
export interface DenseScores {
  /** Σ_i log P(x_i y_i | task), -Infinity where a demonstration is impossible. */
  readonly demo: Float64Array;
  /** log P(x_test | task), -Infinity where impossible. */
  readonly query: Float64Array;
  /** P(next token | x_test, task) for task j at [j * m, (j + 1) * m); all 0 for a task of negligible weight (see the header). */
  readonly next: Float64Array;
}

/** Below this many states the JS passes beat the kernel's calls. */
const MIN_STATES = 16;
/** Jobs (segments and task queries) per batch: their vectors stay in the L2 cache. */
const BATCH_JOBS = 2048;
/** At most this much memory for the pair matrices of all the world's dense tokens (a larger world keeps the JS passes). */
const PAIR_BYTES = 256 * 2 ** 20;
/** Tasks whose log weight is this far below the largest get no forward pass: they cannot move the predictive. */
const NEGLIGIBLE = -80 * Math.LN2;

/** A matrix the kernel multiplies by: byte offset, row length, whether the result is rescaled (and the log it adds). */
interface Slot {
  readonly at: number;
  readonly n: number;
  readonly norm: number;
  readonly log: number;
}

// Fixed slots: T^T (backward step), T (forward step), B (an empty query's next token), T B (the
// next token), T^T on the start rows (a first step); then per pair token M_a^T and M_a^T on the
// start rows (two slots from pairSlot[a]).
const BACK = 0;
const FORWARD = 1;
const EMIT = 2;
const NEXT = 3;
const FIRST = 4;

const sum = (xs: ArrayLike<number>, n: number) => {
  let total = 0;
  for (let i = 0; i < n; i++) total += xs[i];
  return total;
};

/**
 * product[k] *= factor with the product kept within [1e-140, 1e140] (so that multiplying by a
 * factor in that range never underflows): a factor outside it, or a product that would leave it,
 * goes to log[k] as its log instead (a Math.log per factor would cost more than the loops it sits in).
 */
function multiplyScaled(product: Float64Array, log: Float64Array, k: number, factor: number): void {
  if (!(factor >= 1e-140 && factor <= 1e140)) {
    log[k] += Math.log(factor);
    return;
  }
  const q = product[k] * factor;
  if (q >= 1e-140 && q <= 1e140) product[k] = q;
  else {
    log[k] += Math.log(q);
    product[k] = 1;
  }
}

/** Hands out 16-byte-aligned byte ranges of the kernel's memory; `zeroed` ones are cleared (the memory is reused). */
class Arena {
  size = 0;
  constructor(private readonly f64?: Float64Array) {}
  take(bytes: number): number {
    const at = this.size;
    this.size += Math.ceil(bytes / 16) * 16;
    return at;
  }
  zeroed(bytes: number): number {
    const at = this.take(bytes);
    this.f64?.fill(0, at / 8, (at + bytes) / 8);
    return at;
  }
}

/**
 * Scores every prompt of a dense group in restart mode: `at(p)` gives prompt p's scores for the
 * group's tasks, computing the batch of prompts from p on when p is not in the last one (prompts
 * are expected in order); `release` when done. `create` returns null where the dense path does not apply: fewer than
 * MIN_STATES states, a prompt token emitted by only some states, or no WebAssembly SIMD.
 */
export class DenseRestart {
  private readonly d: number;
  private readonly m: number;
  /** Row lengths, multiples of 8 as the kernel needs: state vectors P, first-step rows U; R also fits token vectors. */
  private readonly P: number;
  private readonly U: number;
  private readonly R: number;
  private readonly kernel: RowsKernel;
  private readonly f64: Float64Array;
  private readonly i32: Int32Array;
  private readonly slots: Slot[] = [];
  /** Slot of token a's M_a^T (then M_a^T on the start rows), or -1. */
  private readonly pairSlot: Int32Array;
  /** The union of the starts' supports when it is small enough to take first steps on its rows alone. */
  private readonly firstRows: Int32Array | null;
  /** Each start's non-zero entries: over all states (`states`, the state s) and over firstRows (`rows`, its place u there). */
  private readonly sparseStarts: { states: [Int32Array, Float64Array]; rows: [Int32Array, Float64Array] }[];
  private readonly emitAt: number;
  private readonly firstEmitAt: number;
  private readonly onesAt: number;
  /** (T B)[:, o] / Σ (T B)[:, o] at tb[o * P], the log of that sum at tbLog[o]. */
  private readonly tb: Float64Array;
  private readonly tbLog: Float64Array;
  private readonly rowsAt: [number, number];
  private readonly scratchAt: number;
  private readonly listAt: { xs: number; ys: number; es: number; sums: number };
  private readonly maxJobs: number;
  private from = 0;
  private to = 0;
  private scores: (DenseScores | null)[] = [];
  /** M_y B[:, z] normalised, for the pairs y z met so far: vector i at cache[i * P], its log scale cacheLog[i]. */
  private readonly cacheIndex = new Map<number, number>();
  private cache = new Float64Array(0);
  private readonly cacheLog: number[] = [];

  private constructor(
    dynamics: Dynamics,
    private readonly starts: readonly ArrayLike<number>[],
    private readonly logPriors: readonly number[],
    private readonly prompts: readonly RestartPrompt[],
    /** covered[p]: prompt p's tokens are all emitted by every state (the others are left to ScaledPass). */
    private readonly covered: Uint8Array,
    private readonly lease: RowsLease,
    layout: { P: number; Q: number; U: number; pairs: number[]; maxJobs: number; firstRows: Int32Array | null },
  ) {
    const { d, m, transition: T, emitters, emitProb } = dynamics;
    const { P, Q, U, pairs, maxJobs, firstRows } = layout;
    const R = Math.max(P, Q);
    this.d = d;
    this.m = m;
    this.P = P;
    this.U = U;
    this.R = R;
    this.maxJobs = maxJobs;
    this.firstRows = firstRows;
    const nonZero = (values: number[]): [Int32Array, Float64Array] => {
      const at = values.flatMap((v, i) => (v !== 0 ? [i] : []));
      return [Int32Array.from(at), Float64Array.from(at, (i) => values[i])];
    };
    this.sparseStarts = starts.map((start) => ({
      states: nonZero(Array.from({ length: d }, (_, s) => start[s])),
      rows: nonZero(Array.from(firstRows ?? [], (s) => start[s])),
    }));
    // The same ranges, in the same order, as `create` sized. Padding must read 0 where a product
    // or a sum reaches it; rows, lists and M_a^T are written before they are read.
    this.kernel = lease.kernel;
    this.f64 = new Float64Array(lease.memory.buffer);
    this.i32 = new Int32Array(lease.memory.buffer);
    const arena = new Arena(this.f64);
    const f = this.f64;
    const rows = maxJobs + 2;
    this.rowsAt = [arena.take(rows * R * 8), arena.take(rows * R * 8)];
    this.scratchAt = arena.take(R * 8);
    this.listAt = { xs: arena.take(rows * 4), ys: arena.take(rows * 4), es: arena.take(rows * 4), sums: arena.take(rows * 8) };
    this.onesAt = arena.take(R * 8);
    f.fill(1, this.onesAt / 8, this.onesAt / 8 + R);
    // B[:, o] per token (P long), B as a d x Q matrix, and B[firstRows, o] (U long).
    this.emitAt = arena.zeroed(m * P * 8);
    const emission = arena.zeroed(d * Q * 8);
    this.firstEmitAt = arena.zeroed(m * U * 8);
    for (let o = 0; o < m; o++) {
      const S = emitters[o];
      const p = emitProb[o];
      for (let j = 0; j < S.length; j++) {
        f[this.emitAt / 8 + o * P + S[j]] = p[j];
        f[emission / 8 + S[j] * Q + o] = p[j];
      }
      firstRows?.forEach((s, u) => (f[this.firstEmitAt / 8 + o * U + u] = f[this.emitAt / 8 + o * P + s]));
    }
    const back = arena.zeroed(P * P * 8);
    const forward = arena.zeroed(P * P * 8);
    const next = arena.zeroed(d * Q * 8);
    const first = arena.zeroed(d * U * 8);
    for (let s = 0; s < d; s++)
      for (let k = 0; k < d; k++) {
        f[back / 8 + k * P + s] = T[s * d + k];
        f[forward / 8 + s * P + k] = T[s * d + k];
      }
    firstRows?.forEach((s, u) => {
      for (let k = 0; k < d; k++) f[first / 8 + k * U + u] = T[s * d + k];
    });
    this.slots.push(
      { at: back, n: P, norm: 1, log: 0 },
      { at: forward, n: P, norm: 1, log: 0 },
      { at: emission, n: Q, norm: 0, log: 0 },
      { at: next, n: Q, norm: 0, log: 0 },
      { at: first, n: U, norm: 0, log: 0 },
    );
    // (T B)[:, o]: B[:, o] as a row times T^T.
    const [a0, a1] = this.rowsAt;
    this.tb = new Float64Array(m * P);
    for (let o0 = 0; o0 < m; o0 += maxJobs) {
      const count = Math.min(maxJobs, m - o0);
      for (let j = 0; j < count; j++) f.set(f.subarray(this.emitAt / 8 + (o0 + j) * P, this.emitAt / 8 + (o0 + j + 1) * P), a0 / 8 + j * R);
      this.raw(back, P, count, a0, R, a1, R);
      for (let j = 0; j < count; j++) this.tb.set(f.subarray(a1 / 8 + j * R, a1 / 8 + j * R + P), (o0 + j) * P);
    }
    for (let o = 0; o < m; o++) for (let s = 0; s < d; s++) f[next / 8 + s * Q + o] = this.tb[o * P + s];
    // The columns kept for segment ends are normalised (a rare token's column would underflow when multiplied by another's).
    this.tbLog = new Float64Array(m);
    for (let o = 0; o < m; o++) {
      const total = sum(this.tb.subarray(o * P, (o + 1) * P), d);
      if (!(total > 0)) continue;
      for (let s = 0; s < d; s++) this.tb[o * P + s] /= total;
      this.tbLog[o] = Math.log(total);
    }
    // M_a^T = T^T diag(b_a / 2^e) T^T: row s is (T^T(s, :) ∘ b_a / 2^e) times T^T.
    this.pairSlot = new Int32Array(m).fill(-1);
    for (const a of pairs) {
      const b = this.emitAt / 8 + a * P;
      let max = 0;
      for (let s = 0; s < d; s++) max = Math.max(max, f[b + s]);
      const e = Math.floor(Math.log2(max));
      const scaled = f.slice(b, b + d).map((v) => v * 2 ** -e);
      const mb = arena.take(P * P * 8);
      const mu = arena.zeroed(d * U * 8);
      for (let s0 = 0; s0 < d; s0 += maxJobs) {
        const count = Math.min(maxJobs, d - s0);
        for (let j = 0; j < count; j++) {
          const row = a0 / 8 + j * R;
          const from = back / 8 + (s0 + j) * P;
          for (let k = 0; k < d; k++) f[row + k] = f[from + k] * scaled[k];
        }
        this.raw(back, P, count, a0, R, mb + s0 * P * 8, P);
      }
      firstRows?.forEach((s, u) => {
        for (let k = 0; k < d; k++) f[mu / 8 + k * U + u] = f[mb / 8 + k * P + s];
      });
      const log = e * Math.LN2;
      this.pairSlot[a] = this.slots.length;
      this.slots.push({ at: mb, n: P, norm: 1, log }, { at: mu, n: U, norm: 0, log });
    }
  }

  /** The dense scorer of `prompts` for one group (its dynamics, its tasks' starts and log priors), or null where it does not apply. */
  static create(
    dynamics: Dynamics,
    starts: readonly ArrayLike<number>[],
    logPriors: readonly number[],
    prompts: readonly RestartPrompt[],
  ): DenseRestart | null {
    const { d, m, emitters } = dynamics;
    if (d < MIN_STATES) return null;
    const used = new Uint8Array(m);
    let maxJobs = BATCH_JOBS;
    const full = Uint8Array.from(emitters, (S) => (S.length === d ? 1 : 0));
    // A prompt is covered when every token of its demonstrations and query (delimiters aside) is emitted by every state.
    const covered = new Uint8Array(prompts.length);
    prompts.forEach(({ tokens, segments, segmentEnds, query }, p) => {
      const n = segments.length;
      let ok = true;
      for (let i = 0; i <= n && ok; i++) {
        const to = i < n ? segmentEnds[i] : tokens.length;
        for (let t = i < n ? segments[i] : query; t < to; t++) ok &&= full[tokens[t]] === 1;
      }
      if (!ok) return;
      covered[p] = 1;
      for (let i = 0; i <= n; i++) {
        const to = i < n ? segmentEnds[i] : tokens.length;
        for (let t = (i < n ? segments[i] : query) + 1; t < to - 1; t++) used[tokens[t]] = 1;
      }
      maxJobs = Math.max(maxJobs, n + 1 + starts.length);
    });
    if (!covered.includes(1)) return null;
    const support = new Set<number>();
    for (const start of starts) for (let s = 0; s < d; s++) if (start[s] !== 0) support.add(s);
    const firstRows = 4 * support.size <= d ? Int32Array.from([...support].sort((x, y) => x - y)) : null;
    const P = Math.ceil(d / 8) * 8;
    const Q = Math.ceil(m / 8) * 8;
    const U = Math.ceil((firstRows?.length ?? 0) / 8) * 8 || 8;
    const R = Math.max(P, Q);
    // Every inner token gets its M_a (d^3 to build, d^2 saved per use), whatever the other prompts of
    // the call, so that a prompt's numbers do not depend on them; a world whose dense tokens' matrices
    // could pass the memory cap is left to the JS passes altogether.
    if (full.reduce((a, b) => a + b, 0) * 8 * (P * P + d * U) > PAIR_BYTES) return null;
    const pairs = [...used.keys()].filter((a) => used[a]);
    const rows = maxJobs + 2;
    const arena = new Arena();
    const sizes = [rows * R * 8, rows * R * 8, R * 8, rows * 4, rows * 4, rows * 4, rows * 8, R * 8];
    sizes.push(m * P * 8, d * Q * 8, m * U * 8, P * P * 8, P * P * 8, d * Q * 8, d * U * 8);
    for (const _ of pairs) sizes.push(P * P * 8, d * U * 8);
    for (const bytes of sizes) arena.take(bytes);
    if (arena.size >= 2 ** 31) return null;
    const lease = acquireRows(arena.size);
    if (!lease) return null;
    return new DenseRestart(dynamics, starts, logPriors, prompts, covered, lease, { P, Q, U, pairs, maxJobs, firstRows });
  }

  /** Hands the kernel's memory back (for the next scorer); the scorer is unusable after. */
  release(): void {
    this.lease.release();
  }

  /** Prompt p's scores (valid until a call that starts a new batch), or null for a prompt this scorer does not cover. */
  at(p: number): DenseScores | null {
    if (!this.covered[p]) return null;
    if (p < this.from || p >= this.to) this.batch(p);
    return this.scores[p - this.from];
  }

  /** Rows j < count at byte offset x (rows xStride doubles apart) times the matrix at mt (n columns), to the rows at y; no rescaling. */
  private raw(mt: number, n: number, count: number, x: number, xStride: number, y: number, yStride: number): void {
    const { i32, listAt } = this;
    for (let j = 0; j < count; j++) {
      i32[listAt.xs / 4 + j] = x + j * xStride * 8;
      i32[listAt.ys / 4 + j] = y + j * yStride * 8;
      i32[listAt.es / 4 + j] = this.onesAt;
    }
    this.call(mt, n, 0, count);
  }

  /** The kernel on the first `count` listed rows; an odd count repeats the last row into a scratch row. */
  private call(mt: number, n: number, norm: number, count: number): void {
    const { i32, listAt } = this;
    if (count % 2 === 1) {
      i32[listAt.xs / 4 + count] = i32[listAt.xs / 4 + count - 1];
      i32[listAt.es / 4 + count] = i32[listAt.es / 4 + count - 1];
      i32[listAt.ys / 4 + count] = this.scratchAt;
    }
    if (count > 0) this.kernel(listAt.xs, listAt.ys, listAt.es, listAt.sums, mt, count + (count % 2), this.d, n, norm);
  }

  /**
   * Writes B[:, token] ∘ v (v from `from` in `vector`; B[:, token] all ones for token -1) to job row
   * j and rescales it to sum 1 (the kernel's products need normalised inputs not to underflow):
   * returns the log of the scale, -Infinity if 0.
   */
  private startRow(j: number, token: number, vector: ArrayLike<number>, from: number): number {
    const { d, P, R, f64: f } = this;
    const row = this.rowsAt[0] / 8 + j * R;
    const e = token < 0 ? this.onesAt / 8 : this.emitAt / 8 + token * P;
    let sum = 0;
    for (let s = 0; s < d; s++) sum += f[row + s] = f[e + s] * vector[from + s];
    for (let s = d; s < P; s++) f[row + s] = 0;
    if (!(sum > 0)) return Number.NEGATIVE_INFINITY;
    const inv = 1 / sum;
    for (let s = 0; s < d; s++) f[row + s] *= inv;
    return Math.log(sum);
  }

  /** Fills the cache with M_y B[:, z] for the pairs y z (key y m + z) it lacks. */
  private fillCache(keys: Iterable<number>): void {
    const { m, P, f64: f, pairSlot, cacheIndex } = this;
    const wanted = [...keys].filter((key) => !cacheIndex.has(key));
    if (wanted.length === 0) return;
    const logScale = new Float64Array(wanted.length);
    const steps = new Int32Array(2 * wanted.length);
    const stepStart = Int32Array.from({ length: wanted.length + 1 }, (_, j) => j);
    wanted.forEach((key, j) => {
      const y = Math.floor(key / m);
      const z = key % m;
      logScale[j] = this.startRow(j, z, this.f64, this.onesAt / 8);
      steps[2 * j] = pairSlot[y];
      steps[2 * j + 1] = this.onesAt;
    });
    const at = this.run(wanted.length, logScale, stepStart, steps);
    const size = cacheIndex.size + wanted.length;
    if (size * P > this.cache.length) {
      const grown = new Float64Array(Math.max(2 * this.cache.length, size * P));
      grown.set(this.cache);
      this.cache = grown;
    }
    wanted.forEach((key, j) => {
      const i = cacheIndex.size;
      cacheIndex.set(key, i);
      this.cache.set(f.subarray(at[j] / 8, at[j] / 8 + P), i * P);
      this.cacheLog.push(logScale[j]);
    });
  }

  private batch(first: number): void {
    const { d, m, prompts, starts, logPriors, covered } = this;
    const members = starts.length;
    let last = first;
    let jobs = 0;
    while (last < prompts.length) {
      const cost = covered[last] ? prompts[last].segments.length + 1 + members : 0;
      if (last > first && jobs + cost > this.maxJobs) break;
      jobs += cost;
      last++;
    }
    // Phase 1: every demonstration and non-empty query by a backward pass, shared by the tasks.
    // sequences: (prompt, from, to) per job.
    const sequences = new Int32Array(3 * jobs);
    let jobs1 = 0;
    const keys = new Set<number>();
    const add = (p: number, from: number, to: number) => {
      sequences.set([p, from, to], 3 * jobs1++);
      if (to - from >= 3) keys.add(prompts[p].tokens[to - 2] * m + prompts[p].tokens[to - 1]);
    };
    for (let p = first; p < last; p++) {
      if (!covered[p]) continue;
      const { tokens, segments, segmentEnds, query } = prompts[p];
      for (let i = 0; i < segments.length; i++) add(p, segments[i], segmentEnds[i]);
      if (query < tokens.length) add(p, query, tokens.length);
    }
    this.fillCache(keys);
    const { logScale, at, short } = this.backward(sequences, jobs1);
    // A task's likelihoods are multiplied and their log taken only when the product leaves [1e-140, 1e140]
    // (multiplyScaled): a Math.log per segment and task would cost more than the rest of this loop.
    const demo = Array.from({ length: last - first }, () => new Float64Array(members));
    const query = Array.from({ length: last - first }, (_, i) => {
      const { tokens, query } = prompts[first + i];
      // An empty query: log Σ start, as a forward pass over nothing gives.
      return query < tokens.length ? new Float64Array(members) : Float64Array.from(starts, (start) => Math.log(sum(start, d)));
    });
    const product = new Float64Array(members);
    const f = this.f64;
    const flush = (out: Float64Array) => {
      for (let t = 0; t < members; t++) out[t] += Math.log(product[t]);
      product.fill(1);
    };
    product.fill(1);
    for (let job = 0; job < jobs1; job++) {
      const p = sequences[3 * job];
      const isQuery = sequences[3 * job + 1] === prompts[p].query;
      const out = isQuery ? query[p - first] : demo[p - first];
      const row = at[job] / 8;
      const log = logScale[job];
      for (let t = 0; t < members; t++) {
        const [index, value] = short[job] ? this.sparseStarts[t].rows : this.sparseStarts[t].states;
        let like = 0;
        if (log !== Number.NEGATIVE_INFINITY) for (let i = 0; i < index.length; i++) like += value[i] * f[row + index[i]];
        multiplyScaled(product, out, t, like);
        out[t] += log;
      }
      if (isQuery || job + 1 === jobs1 || sequences[3 * job + 3] !== p || sequences[3 * job + 4] === prompts[p].query) flush(out);
    }
    // Phase 2: a forward pass on the query for each task that can move the predictive.
    const wanted: [number, number][] = [];
    for (let p = first; p < last; p++) {
      if (!covered[p]) continue;
      const joint = Array.from(starts, (_, t) => logPriors[t] + demo[p - first][t] + query[p - first][t]);
      const top = Math.max(...joint);
      joint.forEach((j, t) => {
        if (j > Number.NEGATIVE_INFINITY && j - top >= NEGLIGIBLE) wanted.push([p, t]);
      });
    }
    const next = Array.from({ length: last - first }, () => new Float64Array(members * m));
    const rows = this.forward(wanted);
    wanted.forEach(([p, t], job) => {
      const row = rows[job] / 8;
      let total = 0;
      for (let o = 0; o < m; o++) total += this.f64[row + o];
      const z = total > 0 ? total : 1;
      const out = next[p - first];
      for (let o = 0; o < m; o++) out[t * m + o] = this.f64[row + o] / z;
    });
    this.from = first;
    this.to = last;
    this.scores = demo.map((_, i) => (covered[first + i] ? { demo: demo[i], query: query[i], next: next[i] } : null));
  }

  /**
   * Backward passes over tokens[from..to) of prompt p for each (p, from, to) in `sequences`: the segment's last
   * three tokens x y z by the cache, then in pairs; where the tasks' starts sit on few states, the
   * last one or two steps on those rows only (`short`: the vector then holds U entries, on
   * firstRows). Returns each job's log scale and where its vector is.
   */
  private backward(sequences: Int32Array, jobs: number) {
    const { m, P, U, f64: f, prompts, pairSlot, firstRows, cacheIndex } = this;
    const logScale = new Float64Array(jobs);
    const stepStart = new Int32Array(jobs + 1);
    let size = 0;
    for (let job = 0; job < jobs; job++) size += sequences[3 * job + 2] - sequences[3 * job + 1] + 1;
    const steps = new Int32Array(2 * size);
    let n = 0;
    const step = (slot: number, emission: number) => {
      steps[n++] = slot;
      steps[n++] = emission;
    };
    const emitOf = (token: number) => this.emitAt + token * P * 8;
    const firstEmitOf = (token: number) => this.firstEmitAt + token * U * 8;
    const short = new Uint8Array(jobs);
    for (let job = 0; job < jobs; job++) {
      const from = sequences[3 * job + 1];
      const to = sequences[3 * job + 2];
      const { tokens } = prompts[sequences[3 * job]];
      stepStart[job] = n / 2;
      let j = to - 1;
      if (j === from) logScale[job] = this.startRow(job, tokens[j], f, this.onesAt / 8);
      else if (j === from + 1) {
        logScale[job] = this.startRow(job, tokens[from], this.tb, tokens[j] * P) + this.tbLog[tokens[j]];
        j = from;
      } else {
        const c = cacheIndex.get(tokens[j - 1] * m + tokens[j])!;
        j -= 2;
        logScale[job] = this.startRow(job, tokens[j], this.cache, c * P) + this.cacheLog[c];
      }
      for (; j - from > 2 || (j - from === 2 && !firstRows); j -= 2) step(pairSlot[tokens[j - 1]], emitOf(tokens[j - 2]));
      if (j - from === 2) {
        step(pairSlot[tokens[j - 1]] + 1, firstEmitOf(tokens[from]));
        short[job] = 1;
      } else if (j - from === 1) {
        if (firstRows) {
          step(FIRST, firstEmitOf(tokens[from]));
          short[job] = 1;
        } else step(BACK, emitOf(tokens[from]));
      }
    }
    stepStart[jobs] = n / 2;
    return { logScale, at: this.run(jobs, logScale, stepStart, steps), short };
  }

  /** Forward passes over prompt p's query from task t's start for each [p, t], then (alpha T) B (start^T B for an empty query), unnormalised. */
  private forward(wanted: readonly [number, number][]): Int32Array {
    const { P, prompts, starts } = this;
    const jobs = wanted.length;
    const logScale = new Float64Array(jobs);
    const stepStart = new Int32Array(jobs + 1);
    let size = 0;
    for (const [p] of wanted) size += prompts[p].tokens.length - prompts[p].query + 1;
    const steps = new Int32Array(2 * size);
    let n = 0;
    wanted.forEach(([p, t], job) => {
      const { tokens, query } = prompts[p];
      stepStart[job] = n / 2;
      logScale[job] = this.startRow(job, query < tokens.length ? tokens[query] : -1, starts[t], 0);
      for (let j = query + 1; j < tokens.length; j++) {
        steps[n++] = FORWARD;
        steps[n++] = this.emitAt + tokens[j] * P * 8;
      }
      steps[n++] = query < tokens.length ? NEXT : EMIT;
      steps[n++] = this.onesAt;
    });
    stepStart[jobs] = n / 2;
    return this.run(jobs, logScale, stepStart, steps);
  }

  /**
   * Takes every job's steps level by level: at each level the jobs whose next step uses the same
   * matrix go to the kernel together. Returns where each job's last vector is (byte offset).
   */
  private run(jobs: number, logScale: Float64Array, stepStart: Int32Array, steps: Int32Array): Int32Array {
    const { R, i32, f64: f, slots, listAt } = this;
    const count = new Int32Array(slots.length + 1);
    const order = new Int32Array(jobs);
    const at = new Int32Array(jobs);
    const other = new Int32Array(jobs);
    for (let j = 0; j < jobs; j++) {
      at[j] = this.rowsAt[0] + j * R * 8;
      other[j] = this.rowsAt[1] + j * R * 8;
    }
    const xs = listAt.xs / 4;
    const ys = listAt.ys / 4;
    const es = listAt.es / 4;
    const sums = listAt.sums / 8;
    // The scale factors are multiplied and their log taken only when the product leaves [1e-140, 1e140].
    const scale = new Float64Array(jobs).fill(1);
    for (let level = 0; ; level++) {
      count.fill(0);
      let pending = 0;
      for (let j = 0; j < jobs; j++) {
        const step = stepStart[j] + level;
        if (step >= stepStart[j + 1] || logScale[j] === Number.NEGATIVE_INFINITY) continue;
        count[steps[2 * step] + 1]++;
        pending++;
      }
      if (pending === 0) {
        for (let j = 0; j < jobs; j++) logScale[j] += Math.log(scale[j]);
        return at;
      }
      for (let s = 0; s < slots.length; s++) count[s + 1] += count[s];
      const fill = count.slice(0, slots.length);
      for (let j = 0; j < jobs; j++) {
        const step = stepStart[j] + level;
        if (step >= stepStart[j + 1] || logScale[j] === Number.NEGATIVE_INFINITY) continue;
        order[fill[steps[2 * step]]++] = j;
      }
      for (let s = 0; s < slots.length; s++) {
        const from = count[s];
        const n = count[s + 1] - from;
        if (n === 0) continue;
        for (let i = 0; i < n; i++) {
          const j = order[from + i];
          i32[xs + i] = at[j];
          i32[ys + i] = other[j];
          i32[es + i] = steps[2 * (stepStart[j] + level) + 1];
        }
        const slot = slots[s];
        this.call(slot.at, slot.n, slot.norm, n);
        for (let i = 0; i < n; i++) {
          const j = order[from + i];
          const swap = at[j];
          at[j] = other[j];
          other[j] = swap;
          if (!slot.norm) {
            logScale[j] += slot.log;
            continue;
          }
          const sum = f[sums + i];
          if (!(sum > 0)) {
            logScale[j] = Number.NEGATIVE_INFINITY;
            continue;
          }
          logScale[j] += slot.log;
          multiplyScaled(scale, logScale, j, sum);
        }
      }
    }
  }
}
