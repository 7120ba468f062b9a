import { DataError } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { compileWorld, type WorldSpec } from './world.js';

/** A valid two-task world: 3 states (the last is the delimiter state), 3 tokens (2 = delimiter). */
function tinySpec(): WorldSpec {
  return {
    name: 'tiny',
    tokens: 3,
    states: 3,
    delimiter: 2,
    transition: [
      [0.6, 0.3, 0.1],
      [0.2, 0.7, 0.1],
      [0.5, 0.5, 0],
    ],
    emission: [
      [0.8, 0.2, 0],
      [0.3, 0.7, 0],
      [0, 0, 1],
    ],
    tasks: [
      { name: 'a', prior: 0.4, start: [1, 0, 0] },
      { name: 'b', prior: 0.6, start: [0, 1, 0] },
    ],
  };
}

/** The world with `path` (dotted, [i] for indices) set to `value`. */
function edit(path: string, value: unknown): WorldSpec {
  const spec = structuredClone(tinySpec()) as unknown as Record<string, unknown>;
  const keys = path.split(/\.|\[|\]\.?/).filter(Boolean);
  let node = spec as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = keys[keys.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return spec as unknown as WorldSpec;
}

function message(spec: WorldSpec): string {
  try {
    compileWorld(spec, 'w.json');
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    return (error as DataError).oneLine();
  }
  throw new Error('expected a DataError');
}

describe('compileWorld', () => {
  it('compiles to flat row-major matrices shared by tasks without their own', () => {
    const w = compileWorld(tinySpec());
    expect([w.m, w.d, w.delimiter, w.tasks.length, w.sharedDynamics]).toEqual([3, 3, 2, 2, true]);
    expect(Array.from(w.tasks[0].transition.subarray(3, 6))).toEqual([0.2, 0.7, 0.1]);
    expect(Array.from(w.tasks[1].emission.subarray(0, 3))).toEqual([0.8, 0.2, 0]);
    expect(w.tasks[0].transition).toBe(w.tasks[1].transition);
    const own = compileWorld({
      ...tinySpec(),
      tasks: [
        { ...tinySpec().tasks[0], prior: 1, emission: tinySpec().emission },
        { ...tinySpec().tasks[1], prior: 0 },
      ],
    });
    expect(own.sharedDynamics).toBe(false);
    expect(own.tasks[1].prior).toBe(0);
  });

  it.each([
    [
      'transition[1]',
      [0.2, 0.7, 0.2],
      /w\.json: transition\[1\] sums to 1\.1\d*, not 1 .*; normalise transition\[1\] so that it sums to 1/,
    ],
    ['emission[0][1]', -0.2, /emission\[0\]\[1\] is negative \(-0\.2\); replace emission\[0\]\[1\] by a probability/],
    ['emission[0][1]', null, /emission\[0\]\[1\] is null, not a finite number/],
    ['emission[0]', [1, 0], /emission\[0\] has 2 entries, expected 3; give emission\[0\] exactly 3 probabilities/],
    ['transition', [[1, 0, 0]], /transition has 1 rows, expected 3; give transition exactly 3 rows/],
    ['emission', undefined, /emission is not an array/],
    ['delimiter', 3, /delimiter is 3, not an integer in \[0, 2\]; set delimiter to an integer in \[0, 2\]/],
    ['tokens', 1.5, /tokens is 1\.5, not an integer >= 2/],
    ['tasks', [], /w\.json: has no tasks; give tasks as a non-empty array/],
    ['tasks[0].prior', 0.5, /task priors sum to 1\.1, not 1 .*; normalise the priors/],
    ['tasks[1].prior', -0.6, /tasks\[1\]\.prior is -0\.6, not a number >= 0/],
    ['tasks[0].start', [0.5, 0, 0], /tasks\[0\]\.start sums to 0\.5, not 1/],
    [
      'tasks[0].transition',
      [
        [1, 0, 0],
        [1, 0, 0],
        [1, 1, 0],
      ],
      /tasks\[0\]\.transition\[2\] sums to 2/,
    ],
    ['tasks[0].name', 7, /tasks\[0\]\.name is not a string/],
    ['tasks[0].priors', 1, /tasks\[0\]: unknown field 'priors'; remove it or use one of name, prior, start/],
    ['label', [0], /unknown field 'label'; remove it or use one of/],
    ['labels', [0, 3], /labels\[1\] is 3, not an integer in \[0, 2\]/],
    ['labels', [0, 2], /labels\[1\] is the delimiter token 2/],
    ['labels', [1, 1], /labels\[1\] repeats token 1/],
    ['inputLength', 0, /inputLength is 0, not an integer >= 1/],
    ['stateClass', [0, 1], /stateClass has 2 entries, expected 3; give stateClass one class \(or -1\) per state/],
    ['stateClass', [0, 1, -2], /stateClass\[2\] is -2, not an integer >= -1/],
    ['generator', 'random', /generator is not an object/],
  ])('%s = %j is rejected', (path, value, pattern) => {
    expect(message(edit(path, value))).toMatch(pattern);
  });

  it('rejects non-finite entries and non-objects', () => {
    expect(message(edit('transition[0][0]', Number.NaN))).toMatch(/transition\[0\]\[0\] is null, not a finite number/);
    expect(message(edit('transition[0][0]', Number.POSITIVE_INFINITY))).toMatch(/transition\[0\]\[0\] is null, not a finite number/);
    expect(message([] as unknown as WorldSpec)).toMatch(/w\.json: is not a JSON object/);
  });

  it('accepts rows that sum to 1 within 1e-6 and out-of-distribution tasks', () => {
    expect(() => compileWorld(edit('transition[0]', [0.6, 0.3, 0.1 + 5e-7]))).not.toThrow();
    expect(() => compileWorld(edit('tasks[0].prior', 0.4 + 5e-7))).not.toThrow();
    const w = compileWorld({ ...tinySpec(), tasks: [...tinySpec().tasks, { name: 'ood', prior: 0, start: [0, 1, 0] }] });
    expect(w.tasks.map((t) => t.prior)).toEqual([0.4, 0.6, 0]);
  });
});
