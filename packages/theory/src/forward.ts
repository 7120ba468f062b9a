/**
 * Scaled forward and backward passes of one HMM over token sequences (SPEC §2), in float64.
 *
 * After a token o is emitted the hidden state can only be one of the states that emit o, so each
 * step works on those supports: a step from token a to token b costs |S_a| x |S_b| instead of
 * d x d. With GINC's deterministic emissions the supports hold one or two states; a dense world
 * (every state emits every token) takes the same path with full supports. Each step rescales its
 * vector to sum 1 and keeps the log of the scale factors, so long prompts never underflow.
 */

/** One HMM's transition matrix and, for each token, the states that emit it with their probabilities. */
export interface Dynamics {
  readonly d: number;
  readonly m: number;
  /** T[s * d + s'] = P(s' | s), row-major d x d. */
  readonly transition: Float64Array;
  /** The transpose: transposed[s' * d + s] = P(s' | s), so that forward steps read rows too. */
  readonly transposed: Float64Array;
  /** emitters[o]: the states s with B(s, o) > 0, ascending (all states when that is most of them). */
  readonly emitters: readonly Int32Array[];
  /** emitProb[o][j] = B(emitters[o][j], o). */
  readonly emitProb: readonly Float64Array[];
}

/**
 * Indexes a task's transition (d x d) and emission (d x m, row-major) for sparse steps. A token
 * emitted by more than half the states gets the full support (zeros included): contiguous rows
 * are faster than gathering almost all of them.
 */
export function compileDynamics(transition: Float64Array, emission: Float64Array, d: number, m: number): Dynamics {
  const emitters: Int32Array[] = [];
  const emitProb: Float64Array[] = [];
  const all = Int32Array.from({ length: d }, (_, s) => s);
  for (let o = 0; o < m; o++) {
    const states: number[] = [];
    for (let s = 0; s < d; s++) if (emission[s * m + o] > 0) states.push(s);
    const support = 2 * states.length > d ? all : Int32Array.from(states);
    emitters.push(support);
    emitProb.push(Float64Array.from(support, (s) => emission[s * m + o]));
  }
  const transposed = new Float64Array(d * d);
  for (let s = 0; s < d; s++) for (let t = 0; t < d; t++) transposed[t * d + s] = transition[s * d + t];
  return { d, m, transition, transposed, emitters, emitProb };
}

/**
 * Σ_j M[row + cols[j]] v[j] for j < n: one entry of a sparse step. A full support (n = d) reads
 * the row contiguously, with four partial sums so that the additions do not wait on each other.
 */
function rowDot(M: Float64Array, row: number, cols: Int32Array, n: number, d: number, v: Float64Array): number {
  if (n !== d) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += M[row + cols[j]] * v[j];
    return sum;
  }
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < d; j += 4) {
    s0 += M[row + j] * v[j];
    s1 += M[row + j + 1] * v[j + 1];
    s2 += M[row + j + 2] * v[j + 2];
    s3 += M[row + j + 3] * v[j + 3];
  }
  for (; j < d; j++) s0 += M[row + j] * v[j];
  return s0 + s1 + s2 + s3;
}

// Scale factors are multiplied into one number and its log taken only when it gets small: a
// Math.log per step would cost as much as a sparse step itself.
const FLUSH = 1e-140;

/**
 * A reusable pass over one HMM. `forward` leaves the normalised forward vector of the last
 * token's emitters for `next`; `backward` leaves the normalised backward vector of the first
 * token's emitters for `logLikelihood`.
 */
export class ScaledPass {
  private a: Float64Array;
  private b: Float64Array;
  private readonly u: Float64Array;
  /** Support of the vector in `a`; null: the empty sequence (the vector is the start itself, dense). */
  private support: Int32Array | null = null;
  private size = 0;
  private logScale = 0;
  private scale = 1;

  constructor(readonly dynamics: Dynamics) {
    this.a = new Float64Array(dynamics.d);
    this.b = new Float64Array(dynamics.d);
    this.u = new Float64Array(dynamics.d);
  }

  private rescale(sum: number, vector: Float64Array, n: number): void {
    const inv = 1 / sum;
    for (let j = 0; j < n; j++) vector[j] *= inv;
    if (sum < FLUSH) this.logScale += Math.log(sum);
    else {
      this.scale *= sum;
      if (this.scale < FLUSH) {
        this.logScale += Math.log(this.scale);
        this.scale = 1;
      }
    }
  }

  /**
   * log(start^T T_x 1) for x = tokens[from..to): the log-probability of x when the first state
   * is drawn from `start` (which need not sum to 1); -Infinity when x is impossible.
   */
  forward(start: ArrayLike<number>, tokens: Int32Array, from: number, to: number): number {
    const { d, transposed: Tt, emitters, emitProb } = this.dynamics;
    this.logScale = 0;
    this.scale = 1;
    if (from === to) {
      let sum = 0;
      for (let s = 0; s < d; s++) sum += this.a[s] = start[s];
      this.support = null;
      this.size = d;
      if (!(sum > 0)) return Number.NEGATIVE_INFINITY;
      this.rescale(sum, this.a, d);
      return this.logScale + Math.log(this.scale);
    }
    let S = emitters[tokens[from]];
    let P = emitProb[tokens[from]];
    let n = S.length;
    let a = this.a;
    let b = this.b;
    let sum = 0;
    for (let j = 0; j < n; j++) sum += a[j] = start[S[j]] * P[j];
    if (!(sum > 0)) return Number.NEGATIVE_INFINITY;
    this.rescale(sum, a, n);
    for (let t = from + 1; t < to; t++) {
      const prev = S;
      const prevN = n;
      S = emitters[tokens[t]];
      P = emitProb[tokens[t]];
      n = S.length;
      sum = 0;
      for (let j = 0; j < n; j++) sum += b[j] = rowDot(Tt, S[j] * d, prev, prevN, d, a) * P[j];
      if (!(sum > 0)) return Number.NEGATIVE_INFINITY;
      this.rescale(sum, b, n);
      const swap = a;
      a = b;
      b = swap;
    }
    this.a = a;
    this.b = b;
    this.support = S;
    this.size = n;
    return this.logScale + Math.log(this.scale);
  }

  /**
   * The next-token distribution after the last `forward` (which must have been finite), written
   * to out[0..m): (alpha_x T) B normalised; for the empty sequence the first token's, start^T B.
   */
  next(out: Float64Array): void {
    const { d, m, transition: T, emitters, emitProb } = this.dynamics;
    const { a, u, support, size } = this;
    if (support === null) u.set(a.subarray(0, d));
    else {
      u.fill(0);
      for (let i = 0; i < size; i++) {
        const ai = a[i];
        if (ai === 0) continue;
        const row = support[i] * d;
        for (let s = 0; s < d; s++) u[s] += ai * T[row + s];
      }
    }
    let total = 0;
    for (let o = 0; o < m; o++) {
      const S = emitters[o];
      const P = emitProb[o];
      let v = 0;
      for (let j = 0; j < S.length; j++) v += u[S[j]] * P[j];
      out[o] = v;
      total += v;
    }
    if (total > 0) for (let o = 0; o < m; o++) out[o] /= total;
  }

  /**
   * The backward pass over tokens[from..to) (non-empty), shared by every start distribution:
   * returns false when the sequence is impossible from any state. Follow with `logLikelihood`.
   */
  backward(tokens: Int32Array, from: number, to: number): boolean {
    const { d, transition: T, emitters, emitProb } = this.dynamics;
    this.logScale = 0;
    this.scale = 1;
    let S = emitters[tokens[to - 1]];
    let P = emitProb[tokens[to - 1]];
    let n = S.length;
    let a = this.a;
    let b = this.b;
    let sum = 0;
    for (let j = 0; j < n; j++) sum += a[j] = P[j];
    if (!(sum > 0)) return false;
    this.rescale(sum, a, n);
    for (let t = to - 2; t >= from; t--) {
      const after = S;
      const afterN = n;
      S = emitters[tokens[t]];
      P = emitProb[tokens[t]];
      n = S.length;
      sum = 0;
      for (let i = 0; i < n; i++) sum += b[i] = rowDot(T, S[i] * d, after, afterN, d, a) * P[i];
      if (!(sum > 0)) return false;
      this.rescale(sum, b, n);
      const swap = a;
      a = b;
      b = swap;
    }
    this.a = a;
    this.b = b;
    this.support = S;
    this.size = n;
    return true;
  }

  /** After a successful `backward`: log P(x) when the first state is drawn from `start`; -Infinity if 0. */
  logLikelihood(start: ArrayLike<number>): number {
    const { a, support, size } = this;
    let p = 0;
    for (let j = 0; j < size; j++) p += start[support![j]] * a[j];
    return p > 0 ? this.logScale + Math.log(this.scale) + Math.log(p) : Number.NEGATIVE_INFINITY;
  }
}
