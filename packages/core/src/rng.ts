import { type RandomGenerator, unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import { OptionError } from './errors.js';

/**
 * The one seeded random generator every package draws from (xoroshiro128+ from pure-rand).
 * Same seed, same numbers, on every backend and platform.
 */
export class Rng {
  private readonly gen: RandomGenerator;
  private spareNormal: number | undefined;

  constructor(seed: number | RandomGenerator) {
    if (typeof seed === 'number') {
      if (!Number.isInteger(seed)) {
        throw new OptionError(`seed ${seed} is not an integer`, 'pass a whole number as the seed');
      }
      this.gen = xoroshiro128plus(seed | 0);
    } else {
      this.gen = seed;
    }
  }

  /** An independent stream: the child gets the next 2^64 draws, this generator jumps past them. */
  fork(): Rng {
    const child = new Rng(this.gen.clone());
    this.gen.unsafeJump!();
    return child;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.gen.unsafeNext() >>> 5;
    const b = this.gen.unsafeNext() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return unsafeUniformIntDistribution(0, n - 1, this.gen);
  }

  /** Standard normal draw (Marsaglia polar method). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const s = this.spareNormal;
      this.spareNormal = undefined;
      return s;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * f;
    return u * f;
  }

  /** Gamma(shape, 1) draw (Marsaglia–Tsang; boosted for shape < 1). */
  gamma(shape: number): number {
    if (!(shape > 0)) throw new OptionError(`gamma shape ${shape} is not positive`, 'use a shape > 0');
    if (shape < 1) return this.gamma(shape + 1) * this.uniform() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = this.normal();
      const v = (1 + c * x) ** 3;
      if (v <= 0) continue;
      const u = this.uniform();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  }

  /**
   * A probability vector from Dirichlet(alpha), or symmetric Dirichlet(alpha) of size `n`. Very
   * small concentrations can underflow every gamma draw to 0; the vector is then normalised from
   * the draws' logarithms (the same random numbers), so it is always a probability vector.
   */
  dirichlet(alpha: number | ArrayLike<number>, n?: number): Float64Array {
    const size = typeof alpha === 'number' ? (n ?? 0) : alpha.length;
    const out = new Float64Array(size);
    const logs = new Float64Array(size);
    let total = 0;
    for (let i = 0; i < size; i++) {
      const shape = typeof alpha === 'number' ? alpha : alpha[i];
      if (shape > 0 && shape < 1) {
        // gamma(shape) = gamma(shape + 1) * u^(1/shape), drawn in the same order as gamma() does.
        const g = this.gamma(shape + 1);
        const u = this.uniform();
        out[i] = g * u ** (1 / shape);
        logs[i] = Math.log(g) + Math.log(u) / shape;
      } else {
        out[i] = this.gamma(shape);
        logs[i] = Math.log(out[i]);
      }
      total += out[i];
    }
    if (total > 0) {
      for (let i = 0; i < size; i++) out[i] /= total;
      return out;
    }
    const top = Math.max(...logs);
    let sum = 0;
    for (let i = 0; i < size; i++) sum += out[i] = Math.exp(logs[i] - top);
    for (let i = 0; i < size; i++) out[i] /= sum;
    return out;
  }

  /** Index drawn with probability proportional to `weights` (need not sum to 1). */
  categorical(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i];
    let r = this.uniform() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i];
      if (r < 0) return i;
    }
    // Rounding can leave r a hair above 0: return the last index with positive weight.
    for (let i = weights.length - 1; i >= 0; i--) if (weights[i] > 0) return i;
    throw new OptionError('categorical weights are all zero', 'give at least one positive weight');
  }

  /** Shuffles an array in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /** `k` distinct indices from [0, n) in random order. */
  sample(n: number, k: number): number[] {
    if (k > n) throw new OptionError(`cannot draw ${k} distinct items from ${n}`, `ask for at most ${n}`);
    const idx = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < k; i++) {
      const j = i + this.int(n - i);
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    return idx.slice(0, k);
  }
}
