import { Rng } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { compileWorld } from '../world.js';
import { gincWorld } from './ginc.js';

describe('gincWorld', () => {
  const spec = gincWorld({}, new Rng(1111));
  const world = compileWorld(spec);
  const nSlots = 10;

  it('has GINC defaults: 100 states (value, slot), 50 symbols, delimiter 0, 10 concepts', () => {
    expect([spec.states, spec.tokens, spec.delimiter, spec.tasks.length]).toEqual([100, 50, 0, 10]);
    expect(spec.generator).toEqual({
      name: 'ginc',
      n_values: 10,
      n_slots: 10,
      n_symbols: 50,
      transition_temp: 0.1,
      start_temp: 10,
      value_identity_coeff: 0.9,
      n_hmms: 10,
    });
  });

  it('has 5 in-distribution concepts (prior 1/5) and 5 out-of-distribution ones (prior 0)', () => {
    expect(spec.tasks.map((t) => t.prior)).toEqual([0.2, 0.2, 0.2, 0.2, 0.2, 0, 0, 0, 0, 0]);
    expect(world.sharedDynamics).toBe(false);
  });

  it('emits deterministically: slot 0 emits the delimiter, other slots a non-delimiter token', () => {
    spec.emission.forEach((row, i) => {
      expect(row.filter((p) => p !== 0)).toEqual([1]);
      const token = row.indexOf(1);
      if (i % nSlots === 0) expect(token).toBe(0);
      else expect(token).toBeGreaterThan(0);
    });
    expect(spec.tasks.every((t) => t.emission === undefined)).toBe(true);
  });

  it('factors each transition as shared value matrix (x) own slot matrix', () => {
    const factors = spec.tasks.map((t) => {
      const T = t.transition!;
      // value[v][w] = sum_t T[(v,s),(w,t)] and slot[s][t] = sum_w T[(v,s),(w,t)] for any v, s.
      const value = Array.from({ length: 10 }, (_, v) =>
        Array.from({ length: 10 }, (_, w) => T[v * nSlots].slice(w * nSlots, w * nSlots + nSlots).reduce((a, b) => a + b, 0)),
      );
      const slot = Array.from({ length: nSlots }, (_, s) =>
        Array.from({ length: nSlots }, (_, u) => T[s].filter((_, j) => j % nSlots === u).reduce((a, b) => a + b, 0)),
      );
      for (let i = 0; i < 100; i++) {
        for (let j = 0; j < 100; j++) {
          expect(T[i][j]).toBeCloseTo(value[Math.floor(i / nSlots)][Math.floor(j / nSlots)] * slot[i % nSlots][j % nSlots], 12);
        }
      }
      return { value, slot };
    });
    for (const { value, slot } of factors) {
      expect(value).toEqual(factors[0].value.map((r) => r.map((x) => expect.closeTo(x, 12))));
      value.forEach((row, v) => expect(row[v]).toBeGreaterThanOrEqual(0.9));
      // A mix of permutation matrices is doubly stochastic.
      for (let u = 0; u < nSlots; u++) expect(slot.reduce((a, row) => a + row[u], 0)).toBeCloseTo(1, 12);
    }
    expect(factors[1].slot).not.toEqual(factors[0].slot);
  });

  it('starts nearly uniformly (softmax at temperature 10 of U(-0.5, 0.5))', () => {
    for (const t of spec.tasks) {
      expect(t.start.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(Math.max(...t.start) / Math.min(...t.start)).toBeLessThanOrEqual(Math.exp(0.1));
    }
  });

  it('is deterministic by seed and takes the other vocabulary sizes', () => {
    expect(gincWorld({}, new Rng(1111))).toEqual(spec);
    expect(gincWorld({}, new Rng(1))).not.toEqual(spec);
    for (const n of [100, 150]) {
      const w = compileWorld(gincWorld({ n_symbols: n }, new Rng(1)));
      expect(w.m).toBe(n);
    }
    expect(() => gincWorld({ n_hmms: 1 }, new Rng(1))).toThrow(/gincWorld: n_hmms 1 is not an integer >= 2/);
  });
});
