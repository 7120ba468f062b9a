import { DataError, Rng } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { classifyWorld } from './generators/classify.js';
import { gincWorld } from './generators/ginc.js';
import { randomWorld } from './generators/random.js';
import { compileWorld } from './world.js';
import { parseWorldJson, worldToJson } from './world-json.js';

describe('world JSON', () => {
  it.each([
    ['random', () => randomWorld({ tasks: 3, states: 6, tokens: 5 }, new Rng(1))],
    ['ginc', () => gincWorld({ n_values: 3, n_slots: 3, n_symbols: 7, n_hmms: 4 }, new Rng(2))],
    ['classify', () => classifyWorld({ classes: 3, inputTokens: 6, inputLength: 2, labellings: 3, oodLabellings: 2 }, new Rng(3))],
  ])('round-trips a %s world exactly (spec and compiled matrices)', (_, make) => {
    const world = compileWorld(make());
    const text = worldToJson(world);
    const back = parseWorldJson(text, 'w.json');
    expect(back.spec).toEqual(world.spec);
    expect(worldToJson(back)).toBe(text);
    back.tasks.forEach((t, i) => {
      expect(t.transition).toEqual(world.tasks[i].transition);
      expect(t.emission).toEqual(world.tasks[i].emission);
      expect(t.start).toEqual(world.tasks[i].start);
    });
    expect(worldToJson(world.spec)).toBe(text);
  });

  it('prints small fields first and one matrix row per line', () => {
    const text = worldToJson(randomWorld({ tasks: 2, states: 4, tokens: 3 }, new Rng(1)));
    const lines = text.split('\n');
    expect(lines[1]).toMatch(/^ {2}"name": "random-2x4x3",$/);
    expect(lines.filter((l) => /^ {4}\[[\d.e, -]+\],?$/.test(l))).toHaveLength(8);
  });

  it('reports bad JSON and invalid worlds as DataErrors naming the source', () => {
    expect(() => parseWorldJson('{"tokens": 3,', 'bad.json')).toThrow(DataError);
    expect(() => parseWorldJson('{"tokens": 3,', 'bad.json')).toThrow(/^bad\.json: is not valid JSON/);
    expect(() => parseWorldJson('{"tokens": 3}', 'w.json')).toThrow(/^w\.json: states is missing, not an integer >= 1$/);
  });
});
