import { OptionError, Rng } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { compileWorld } from '../world.js';
import { randomWorld } from './random.js';

const rowSums = (rows: readonly (readonly number[])[]) => rows.map((r) => r.reduce((a, b) => a + b, 0));

describe('randomWorld', () => {
  const spec = randomWorld({}, new Rng(1));

  it("has the paper's defaults: 8 tasks, 80 states, 100 tokens, uniform prior, one start state per task", () => {
    expect([spec.tasks.length, spec.states, spec.tokens, spec.delimiter]).toEqual([8, 80, 100, 99]);
    spec.tasks.forEach((t, i) => {
      expect(t.prior).toBe(1 / 8);
      expect(t.start.indexOf(1)).toBe(i);
      expect(t.start.filter((p) => p !== 0)).toEqual([1]);
      expect(t.transition).toBeUndefined();
    });
    expect(spec.generator).toEqual({
      name: 'random',
      tasks: 8,
      states: 80,
      tokens: 100,
      transitionConcentration: 0.2,
      emissionConcentration: 0.2,
      delimiterProbability: 0.05,
    });
    expect(compileWorld(spec).sharedDynamics).toBe(true);
  });

  it('is row-stochastic, and only the delimiter state emits the delimiter and returns to the start states', () => {
    for (const s of rowSums(spec.transition)) expect(s).toBeCloseTo(1, 12);
    for (const s of rowSums(spec.emission)) expect(s).toBeCloseTo(1, 12);
    const delimState = 79;
    spec.emission.forEach((row, s) => expect(row[99]).toBe(s === delimState ? 1 : 0));
    expect(spec.transition[delimState]).toEqual(Array.from({ length: 80 }, (_, s) => (s < 8 ? 1 / 8 : 0)));
    spec.transition.slice(0, delimState).forEach((row) => expect(row[delimState]).toBe(0.05));
  });

  it('draws sparse-ish rows (concentration 0.2): the top 5 of 99 tokens carry about 40% of a row', () => {
    const top5 = spec.emission.slice(0, 79).map((row) =>
      [...row]
        .sort((a, b) => b - a)
        .slice(0, 5)
        .reduce((a, b) => a + b, 0),
    );
    expect(top5.reduce((a, b) => a + b, 0) / top5.length).toBeGreaterThan(0.35);
    const flat = randomWorld({ emissionConcentration: 1 }, new Rng(1)).emission.slice(0, 79);
    const flatTop5 = flat.map((row) =>
      [...row]
        .sort((a, b) => b - a)
        .slice(0, 5)
        .reduce((a, b) => a + b, 0),
    );
    expect(flatTop5.reduce((a, b) => a + b, 0) / flatTop5.length).toBeLessThan(0.25);
  });

  it('is deterministic by seed and honours its knobs', () => {
    expect(randomWorld({}, new Rng(1))).toEqual(spec);
    expect(randomWorld({}, new Rng(2))).not.toEqual(spec);
    const none = randomWorld({ tasks: 2, states: 4, tokens: 3, delimiterProbability: 0 }, new Rng(1));
    none.transition.slice(0, 3).forEach((row) => expect(row[3]).toBe(0));
    expect(() => randomWorld({ tasks: 8, states: 8 }, new Rng(1))).toThrow(OptionError);
    expect(() => randomWorld({ tasks: 8, states: 8 }, new Rng(1))).toThrow(/randomWorld: states 8 is not an integer >= 9/);
    expect(() => randomWorld({ delimiterProbability: 1 }, new Rng(1))).toThrow(/delimiterProbability 1 is not in \[0, 1\)/);
    expect(() => randomWorld({ emissionConcentration: 0 }, new Rng(1))).toThrow(/emissionConcentration 0 is not in \(0, inf\)/);
  });
});
