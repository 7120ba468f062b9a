import { OptionError, Rng } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { randomWorld } from './generators/random.js';
import { documents, promptTokens, samplePrefixPrompt, samplePrompt, sampleSegment } from './sample.js';
import { compileWorld, type Task, type World } from './world.js';

// Three states (2 = the delimiter state), three tokens (2 = the delimiter); task c has its own transition.
const world = compileWorld({
  tokens: 3,
  states: 3,
  delimiter: 2,
  transition: [
    [0.6, 0.25, 0.15],
    [0.2, 0.6, 0.2],
    [0.5, 0.5, 0],
  ],
  emission: [
    [0.8, 0.2, 0],
    [0.3, 0.7, 0],
    [0, 0, 1],
  ],
  tasks: [
    { name: 'a', prior: 0.3, start: [1, 0, 0] },
    { name: 'b', prior: 0.5, start: [0.2, 0.8, 0] },
    {
      name: 'c',
      prior: 0.2,
      start: [0.5, 0.5, 0],
      transition: [
        [0.1, 0.8, 0.1],
        [0.7, 0.1, 0.2],
        [1, 0, 0],
      ],
    },
  ],
});

/** P(o_1..o_n | task) by summing over every hidden path; with `restart`, the state after a delimiter comes from the start distribution. */
function pathProbability(w: World, task: Task, tokens: readonly number[], restart = false): number {
  const { d, m } = w;
  const walk = (t: number, prev: number, prevToken: number): number => {
    if (t === tokens.length) return 1;
    let total = 0;
    for (let s = 0; s < d; s++) {
      const p = t === 0 || (restart && prevToken === w.delimiter) ? task.start[s] : task.transition[prev * d + s];
      const e = task.emission[s * m + tokens[t]];
      if (p * e > 0) total += p * e * walk(t + 1, s, tokens[t]);
    }
    return total;
  };
  return walk(0, -1, -1);
}

/** Every token sequence of length n over m tokens. */
function sequences(m: number, n: number): number[][] {
  if (n === 0) return [[]];
  return sequences(m, n - 1).flatMap((s) => Array.from({ length: m }, (_, o) => [...s, o]));
}

/** Pearson's chi-square of observed counts against expected probabilities (cells with expected count < 5 pooled). */
function chiSquare(counts: Map<string, number>, expected: Map<string, number>, n: number): { chi2: number; df: number } {
  let chi2 = 0;
  let df = -1;
  let poolObserved = 0;
  let poolExpected = 0;
  for (const [key, p] of expected) {
    const o = counts.get(key) ?? 0;
    if (n * p < 5) {
      poolObserved += o;
      poolExpected += n * p;
      continue;
    }
    chi2 += (o - n * p) ** 2 / (n * p);
    df++;
  }
  for (const key of counts.keys()) if (!expected.has(key)) throw new Error(`impossible outcome ${key} was sampled`);
  if (poolExpected > 0) {
    chi2 += (poolObserved - poolExpected) ** 2 / poolExpected;
    df++;
  }
  return { chi2, df };
}

/** The chi-square statistic stays below df + 5 sqrt(2 df) (far in the tail for a correct sampler). */
function expectFits(counts: Map<string, number>, expected: Map<string, number>, n: number): void {
  const total = [...expected.values()].reduce((a, b) => a + b, 0);
  expect(total).toBeCloseTo(1, 12);
  const { chi2, df } = chiSquare(counts, expected, n);
  expect(df).toBeGreaterThan(3);
  expect(chi2).toBeLessThan(df + 5 * Math.sqrt(2 * df));
}

function count(keys: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}

describe('documents', () => {
  for (const restart of [false, true]) {
    it(`3-token documents match the mixture's exact probabilities (restart ${restart})`, () => {
      const n = 40_000;
      const counts = count(Array.from(documents(world, { docs: n, length: 3, restart }, new Rng(11)), (doc) => doc.tokens.join()));
      const expected = new Map<string, number>();
      for (const seq of sequences(3, 3)) {
        const p = world.tasks.reduce((acc, t) => acc + t.prior * pathProbability(world, t, seq, restart), 0);
        if (p > 0) expected.set(seq.join(), p);
      }
      expectFits(counts, expected, n);
    });
  }

  it('draws tasks from the prior and never an out-of-distribution task', () => {
    const w = compileWorld({ ...world.spec, tasks: [...world.spec.tasks, { name: 'ood', prior: 0, start: [1, 0, 0] }] });
    const tasks = Array.from(documents(w, { docs: 20_000, length: 1 }, new Rng(4)), (d) => d.task);
    expect(tasks).not.toContain(3);
    [0.3, 0.5, 0.2].forEach((p, t) => expect(tasks.filter((x) => x === t).length / tasks.length).toBeCloseTo(p, 1));
  });

  it('is deterministic by seed, with exactly `length` tokens per document', () => {
    const a = [...documents(world, { docs: 5, length: 50 }, new Rng(3))];
    const b = [...documents(world, { docs: 5, length: 50 }, new Rng(3))];
    const c = [...documents(world, { docs: 5, length: 50 }, new Rng(4))];
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.every((d) => d.tokens.length === 50)).toBe(true);
    expect(() => documents(world, { docs: 0, length: 5 }, new Rng(1)).next()).toThrow(/docs 0 is not an integer >= 1/);
  });
});

describe('sampleSegment', () => {
  it('(x, y) with delimiters allowed follows P(x y | task) exactly', () => {
    const n = 30_000;
    for (const [task, seed] of [
      [0, 1],
      [2, 2],
    ]) {
      const rng = new Rng(seed);
      const counts = count(
        Array.from({ length: n }, () => sampleSegment(world, task, 2, rng, { allowDelimiter: true })).map((s) => [...s.x, s.y].join()),
      );
      const expected = new Map<string, number>();
      for (const seq of sequences(3, 3)) {
        const p = pathProbability(world, world.tasks[task], seq);
        if (p > 0) expected.set(seq.join(), p);
      }
      expectFits(counts, expected, n);
    }
  });

  it('by default conditions the whole segment on holding no delimiter', () => {
    const n = 30_000;
    const task = world.tasks[1];
    const rng = new Rng(5);
    const counts = count(Array.from({ length: n }, () => sampleSegment(world, 1, 2, rng)).map((s) => [...s.x, s.y].join()));
    const clean = sequences(3, 3).filter((seq) => !seq.includes(2));
    const z = clean.reduce((acc, seq) => acc + pathProbability(world, task, seq), 0);
    const expected = new Map(clean.map((seq) => [seq.join(), pathProbability(world, task, seq) / z]));
    expectFits(counts, expected, n);
  });

  it("'argmax' labels are the most likely next token given x", () => {
    const rng = new Rng(6);
    for (let i = 0; i < 200; i++) {
      const s = sampleSegment(world, 2, 3, rng, { label: 'argmax' });
      const next = [0, 1].map((y) => pathProbability(world, world.tasks[2], [...s.x, y]));
      expect(s.y).toBe(next[1] > next[0] ? 1 : 0);
      expect(s.states).toHaveLength(3);
      expect(s.xClass).toBeUndefined();
    }
  });

  it('checks its arguments and gives up with a clear error when every x holds the delimiter', () => {
    expect(() => sampleSegment(world, 3, 2, new Rng(1))).toThrow(/task 3 is not a task of this world/);
    expect(() => sampleSegment(world, 0, 0, new Rng(1))).toThrow(/input length 0 is not an integer >= 1/);
    const stuck = compileWorld({ ...world.spec, tasks: [{ name: 'delim', prior: 1, start: [0, 0, 1] }] });
    expect(() => sampleSegment(stuck, 0, 2, new Rng(1))).toThrow(OptionError);
    expect(() => sampleSegment(stuck, 0, 2, new Rng(1))).toThrow(/task 'delim' gave no usable segment of length 2 in 10000 tries/);
  });
});

describe('samplePrompt', () => {
  const random = compileWorld(randomWorld({ tasks: 4, states: 12, tokens: 10 }, new Rng(8)));

  it('samplePrefixPrompt: the first m demonstrations and the query do not depend on n', () => {
    const short = samplePrefixPrompt(random, 2, 3, 2, new Rng(5));
    const long = samplePrefixPrompt(random, 2, 40, 2, new Rng(5));
    expect(long.demos.slice(0, 3)).toEqual(short.demos);
    expect([long.query, long.queryLabel]).toEqual([short.query, short.queryLabel]);
    expect(long.demos).toHaveLength(40);
    expect(long.task).toBe(2);
  });

  it('builds n demonstrations and a query of one task; promptTokens interleaves delimiters', () => {
    const p = samplePrompt(random, 2, 3, 4, new Rng(1));
    expect(p.task).toBe(2);
    expect(p.demos).toHaveLength(3);
    p.demos.forEach(([x, y]) => {
      expect(x).toHaveLength(4);
      expect([...x, y]).not.toContain(random.delimiter);
    });
    expect(p.query).toHaveLength(4);
    expect(p.queryClass).toBeUndefined();
    const tokens = promptTokens(p, random.delimiter);
    expect(tokens).toEqual([...p.demos.flatMap(([x, y]) => [...x, y, random.delimiter]), ...p.query]);
    expect(tokens).toHaveLength(3 * 6 + 4);
    expect(samplePrompt(random, 0, 0, 2, new Rng(1)).demos).toEqual([]);
  });

  it('is deterministic by seed, and queryLabel can differ in mode from the demonstrations', () => {
    expect(samplePrompt(random, 1, 5, 3, new Rng(4))).toEqual(samplePrompt(random, 1, 5, 3, new Rng(4)));
    expect(samplePrompt(random, 1, 5, 3, new Rng(4))).not.toEqual(samplePrompt(random, 1, 5, 3, new Rng(5)));
    // The query's argmax label is its most likely next token (delimiter excluded).
    const rng = new Rng(2);
    for (let i = 0; i < 20; i++) {
      const p = samplePrompt(world, 1, 2, 2, rng, { queryLabel: 'argmax' });
      const next = [0, 1].map((y) => pathProbability(world, world.tasks[1], [...p.query, y]));
      expect(p.queryLabel).toBe(next[1] > next[0] ? 1 : 0);
    }
  });

  it('rejects a negative number of demonstrations', () => {
    expect(() => samplePrompt(random, 0, -1, 2, new Rng(1))).toThrow(/number of demonstrations -1 is not an integer >= 0/);
  });
});
