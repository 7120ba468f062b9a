import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
const variance = (xs: number[]) => mean(xs.map((v) => (v - mean(xs)) ** 2));

describe('Rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(xs);
    expect(new Rng(43).uniform()).not.toBe(xs[0]);
  });

  it('forks into independent streams without disturbing determinism', () => {
    const a = new Rng(1);
    const child = a.fork();
    const b = new Rng(1);
    const childB = b.fork();
    expect(child.uniform()).toBe(childB.uniform());
    expect(a.uniform()).toBe(b.uniform());
    expect(child.uniform()).not.toBe(a.uniform());
  });

  it('draws with the right moments (uniform, normal, gamma; 20,000 draws, 5-sigma bounds)', () => {
    const r = new Rng(7);
    const n = 20000;
    const u = Array.from({ length: n }, () => r.uniform());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(Math.abs(mean(u) - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    const z = Array.from({ length: n }, () => r.normal());
    expect(Math.abs(mean(z))).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance(z) - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    for (const shape of [0.3, 1, 4.5]) {
      const g = Array.from({ length: n }, () => r.gamma(shape));
      // Gamma(k, 1): mean k, variance k.
      expect(Math.abs(mean(g) - shape)).toBeLessThan(5 * Math.sqrt(shape / n));
      expect(Math.abs(variance(g) - shape) / shape).toBeLessThan(0.1);
    }
  });

  it('integers, categorical, Dirichlet, shuffle and sample', () => {
    const r = new Rng(3);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30000; i++) counts[r.categorical([1, 2, 7])]++;
    expect(counts[0] / 30000).toBeCloseTo(0.1, 1);
    expect(counts[2] / 30000).toBeCloseTo(0.7, 1);
    const ints = new Set(Array.from({ length: 1000 }, () => r.int(5)));
    expect([...ints].sort()).toEqual([0, 1, 2, 3, 4]);
    const p = r.dirichlet([1, 2, 3]);
    expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    expect(r.dirichlet(0.5, 4)).toHaveLength(4);
    // The draws are gamma's, normalised: the same numbers as normalising gamma() by hand.
    const [a, b] = [new Rng(9), new Rng(9)];
    const gammas = [0.3, 2, 0.05].map((shape) => b.gamma(shape));
    const sum = gammas.reduce((t, v) => t + v, 0);
    expect([...a.dirichlet([0.3, 2, 0.05])]).toEqual(gammas.map((v) => v / sum));
    // A concentration so small that every gamma draw underflows to 0 still gives a probability vector.
    const sparse = new Rng(1).dirichlet(1e-5, 79);
    expect(sparse.every(Number.isFinite)).toBe(true);
    expect(sparse.reduce((t, v) => t + v, 0)).toBeCloseTo(1, 12);
    expect(Math.max(...sparse)).toBeGreaterThan(0.99);
    expect(r.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
    const s = r.sample(10, 4);
    expect(new Set(s).size).toBe(4);
    expect(s.every((v) => v >= 0 && v < 10)).toBe(true);
  });

  it('rejects impossible requests', () => {
    expect(() => new Rng(1.5)).toThrow(/seed 1.5 is not an integer/);
    expect(() => new Rng(1).gamma(0)).toThrow(/not positive/);
    expect(() => new Rng(1).categorical([0, 0])).toThrow(/all zero/);
    expect(() => new Rng(1).sample(3, 4)).toThrow(/cannot draw 4 distinct items from 3/);
  });
});
