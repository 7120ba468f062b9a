import { DataError, OptionError, Rng } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { type BayesMode, bayesPredictive, type IclPrompt } from './bayes.js';
import type { Task, World } from './world.js';

type Rows = number[][];
interface TaskInput {
  prior: number;
  start: number[];
  transition?: Rows;
  emission?: Rows;
}

/** A compiled World built directly (tasks without their own matrices share the world's arrays). */
function makeWorld(transition: Rows, emission: Rows, delimiter: number, taskInputs: TaskInput[], labels?: number[]): World {
  const d = transition.length;
  const m = emission[0].length;
  const shared = { transition: Float64Array.from(transition.flat()), emission: Float64Array.from(emission.flat()) };
  const tasks: Task[] = taskInputs.map((t, i) => ({
    name: `task${i}`,
    prior: t.prior,
    start: Float64Array.from(t.start),
    transition: t.transition ? Float64Array.from(t.transition.flat()) : shared.transition,
    emission: t.emission ? Float64Array.from(t.emission.flat()) : shared.emission,
  }));
  return {
    spec: { tokens: m, states: d, delimiter, transition, emission, tasks: taskInputs.map((t, i) => ({ name: `task${i}`, ...t })), labels },
    m,
    d,
    delimiter,
    tasks,
    sharedDynamics: taskInputs.every((t) => !t.transition && !t.emission),
  };
}

const stochastic = (rng: Rng, rows: number, cols: number, zeros = 0): Rows =>
  Array.from({ length: rows }, (_, r) => {
    const row = Array.from(rng.dirichlet(1, cols));
    // Knock out some entries (never all) so that supports are sparse, then renormalise.
    for (let z = 0; z < zeros; z++) row[(r + z * 2) % cols] = 0;
    const sum = row.reduce((a, b) => a + b, 0);
    return row.map((v) => v / sum);
  });

/** d=3, m=4 (token 3 the delimiter), four tasks: two sharing the world's matrices, one with its own
 * transition, one with its own emission; plus one of prior 0. Emission rows have a zero each. */
function tinyWorld(seed: number): World {
  const rng = new Rng(seed);
  const d = 3;
  const m = 4;
  return makeWorld(
    stochastic(rng, d, d),
    stochastic(rng, d, m, 1),
    3,
    [
      { prior: 0.3, start: Array.from(rng.dirichlet(1, d)) },
      { prior: 0.2, start: Array.from(rng.dirichlet(1, d)) },
      { prior: 0.35, start: Array.from(rng.dirichlet(1, d)), transition: stochastic(rng, d, d, 1) },
      { prior: 0.15, start: Array.from(rng.dirichlet(1, d)), emission: stochastic(rng, d, m, 2) },
      { prior: 0, start: Array.from(rng.dirichlet(1, d)), transition: stochastic(rng, d, d) },
    ],
    [0, 2],
  );
}

/** d=4, m=5 (token 4 the delimiter): token 1 is emitted by every state, token 3 by two, tokens 0, 2 and 4 by one. */
function mixedWorld(): World {
  const rng = new Rng(20);
  const emission = [
    [0.5, 0.5, 0, 0, 0],
    [0, 0.3, 0.7, 0, 0],
    [0, 0.2, 0, 0.8, 0],
    [0, 0.1, 0, 0.4, 0.5],
  ];
  return makeWorld(stochastic(rng, 4, 4), emission, 4, [
    { prior: 0.5, start: Array.from(rng.dirichlet(1, 4)) },
    { prior: 0.25, start: Array.from(rng.dirichlet(1, 4)) },
    { prior: 0.25, start: Array.from(rng.dirichlet(1, 4)), transition: stochastic(rng, 4, 4, 1) },
  ]);
}

// ---------------------------------------------------------------------------------------------
// Brute force: P(sequence | task) by summing over every hidden state sequence.

/** Σ over all paths s_1..s_l of start(s_1) B(s_1,o_1) Π T(s_{t-1},s_t) B(s_t,o_t), and for each
 * token y the same sum continued one step: Σ_paths weight · Σ_s' T(s_l,s') B(s',y). */
function enumerate(task: Task, d: number, m: number, seq: number[]): { p: number; withNext: number[] } {
  const { start, transition: T, emission: B } = task;
  const withNext = new Array<number>(m).fill(0);
  let p = 0;
  const leaf = (weight: number, last: number) => {
    p += weight;
    for (let y = 0; y < m; y++) {
      // An empty sequence: the next token is the first one, emitted by the start state itself.
      if (last < 0) for (let s = 0; s < d; s++) withNext[y] += start[s] * B[s * m + y];
      else for (let s = 0; s < d; s++) withNext[y] += weight * T[last * d + s] * B[s * m + y];
    }
  };
  const visit = (t: number, weight: number, last: number) => {
    if (t === seq.length) return leaf(weight, last);
    for (let s = 0; s < d; s++) {
      const w = weight * (t === 0 ? start[s] : T[last * d + s]) * B[s * m + seq[t]];
      // Zero terms add nothing; skipping them keeps deterministic worlds' sums small.
      if (w > 0) visit(t + 1, w, s);
    }
  };
  visit(0, 1, -1);
  return { p, withNext };
}

function bruteForce(world: World, prompt: IclPrompt, mode: BayesMode, labelsOnly = false) {
  const { d, m } = world;
  const joint: number[] = [];
  const numer = new Array<number>(m).fill(0);
  for (const task of world.tasks) {
    let weight = task.prior;
    let last: { p: number; withNext: number[] };
    if (mode === 'restart') {
      for (const [x, y] of prompt.demos) weight *= enumerate(task, d, m, [...x, y]).p;
      last = enumerate(task, d, m, [...prompt.query]);
    } else {
      const seq = prompt.demos.flatMap(([x, y]) => [...x, y, world.delimiter]);
      last = enumerate(task, d, m, [...seq, ...prompt.query]);
    }
    joint.push(weight * last.p);
    // P(y | x, task) P(task | prompt) ∝ weight · P(x y | task).
    for (let y = 0; y < m; y++) numer[y] += weight * last.withNext[y];
  }
  const z = joint.reduce((a, b) => a + b, 0);
  const keep = numer.map((v, y) => (labelsOnly && !world.spec.labels!.includes(y) ? 0 : v));
  const total = keep.reduce((a, b) => a + b, 0);
  return { taskPosterior: joint.map((j) => j / z), predictive: keep.map((v) => v / total), logEvidence: Math.log(z) };
}

function randomPrompt(rng: Rng, m: number, n: number, k: number, vocabulary = m): IclPrompt {
  const tokens = (len: number) => Array.from({ length: len }, () => rng.int(vocabulary));
  return { demos: Array.from({ length: n }, () => [tokens(k), rng.int(vocabulary)] as const), query: tokens(k) };
}

function expectFinite(r: { taskPosterior: number[]; predictive: number[]; logEvidence: number }) {
  expect(Number.isFinite(r.logEvidence)).toBe(true);
  for (const v of [...r.taskPosterior, ...r.predictive]) expect(Number.isFinite(v) && v >= 0 && v <= 1).toBe(true);
  expect(r.taskPosterior.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  expect(r.predictive.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
}

function expectClose(actual: number[], expected: number[], tol: number) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i]), `entry ${i}: ${a} vs ${expected[i]}`).toBeLessThan(tol));
}

/** Prompts over n = 0..2 demonstrations and example lengths k = 1..3 (continuous ones shorter, to keep 3^l paths small). */
function promptGrid(rng: Rng, m: number, mode: BayesMode, vocabulary = m): IclPrompt[] {
  const prompts: IclPrompt[] = [];
  for (let n = 0; n <= 2; n++)
    for (let k = 1; k <= (mode === 'restart' || n < 2 ? 3 : 2); k++) prompts.push(randomPrompt(rng, m, n, k, vocabulary));
  return prompts;
}

// ---------------------------------------------------------------------------------------------

describe('bayesPredictive agrees with brute-force enumeration over hidden paths (float64, 1e-9)', () => {
  for (const mode of ['restart', 'continuous'] as const) {
    it(`${mode} mode, tasks with shared, own-transition and own-emission dynamics`, () => {
      for (const seed of [1, 2, 3]) {
        const world = tinyWorld(seed);
        const prompts = promptGrid(new Rng(seed + 100), world.m, mode, 3);
        const got = bayesPredictive(world, prompts, { mode });
        prompts.forEach((prompt, i) => {
          const want = bruteForce(world, prompt, mode);
          expectClose(got[i].taskPosterior, want.taskPosterior, 1e-9);
          expectClose(got[i].predictive, want.predictive, 1e-9);
          expect(Math.abs(got[i].logEvidence - want.logEvidence)).toBeLessThan(1e-9);
          expect(got[i].taskPosterior[4]).toBe(0);
          expect(got[i].taskPosterior.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
          expect(got[i].predictive.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        });
      }
    });

    it(`${mode} mode, supports of one state, two states and all states in one world`, () => {
      const world = mixedWorld();
      const prompts = promptGrid(new Rng(21), world.m, mode);
      const got = bayesPredictive(world, prompts, { mode });
      prompts.forEach((prompt, i) => {
        const want = bruteForce(world, prompt, mode);
        expectClose(got[i].taskPosterior, want.taskPosterior, 1e-9);
        expectClose(got[i].predictive, want.predictive, 1e-9);
      });
    });

    it(`${mode} mode, deterministic emissions (sparse supports, GINC-like)`, () => {
      const world = deterministicWorld();
      const rng = new Rng(7);
      // Sampled prompts are possible under their task (random ones often are not), each mode sampled its own way.
      const prompts = Array.from({ length: 12 }, (_, i) =>
        mode === 'restart'
          ? samplePrompt(world, rng, i % 3, i % 3, 1 + (i % 3))
          : sampleDocumentPrompt(world, rng, i % 3, i % 3, 1 + (i % 3)),
      );
      const got = bayesPredictive(world, prompts, { mode });
      prompts.forEach((prompt, i) => {
        const want = bruteForce(world, prompt, mode);
        expectClose(got[i].taskPosterior, want.taskPosterior, 1e-9);
        expectClose(got[i].predictive, want.predictive, 1e-9);
      });
    });
  }

  it('labelsOnly restricts the predictive to the label tokens and renormalises', () => {
    const world = tinyWorld(4);
    const prompts = promptGrid(new Rng(5), world.m, 'restart', 3);
    const got = bayesPredictive(world, prompts, { labelsOnly: true });
    prompts.forEach((prompt, i) => {
      expectClose(got[i].predictive, bruteForce(world, prompt, 'restart', true).predictive, 1e-9);
      expect(got[i].predictive[1]).toBe(0);
      expect(got[i].predictive[3]).toBe(0);
    });
  });

  it('empty demonstrations are the prior updated by the query; an empty query predicts the first token', () => {
    const world = tinyWorld(6);
    const [noDemos, emptyQuery, nothing] = bayesPredictive(world, [
      { demos: [], query: [0, 2] },
      { demos: [[[1], 2]], query: [] },
      { demos: [], query: [] },
    ]);
    expectClose(noDemos.predictive, bruteForce(world, { demos: [], query: [0, 2] }, 'restart').predictive, 1e-12);
    expectClose(emptyQuery.predictive, bruteForce(world, { demos: [[[1], 2]], query: [] }, 'restart').predictive, 1e-12);
    // Nothing observed: posterior = prior (normalised over positive priors), predictive = Σ prior start^T B.
    const priors = world.tasks.map((t) => t.prior);
    expectClose(nothing.taskPosterior, priors, 1e-12);
    const first = Array.from({ length: world.m }, (_, y) =>
      world.tasks.reduce((acc, t) => acc + t.prior * t.start.reduce((a, s, i) => a + s * t.emission[i * world.m + y], 0), 0),
    );
    expectClose(nothing.predictive, first, 1e-12);
    expect(nothing.logEvidence).toBeCloseTo(0, 12);
  });
});

// A GINC-shaped world: states (value, slot), each state emits one token, slot 0 the delimiter.
function deterministicWorld(values = 2, slots = 3, tokens = 5, taskCount = 3, seed = 11): World {
  const rng = new Rng(seed);
  const d = values * slots;
  const delimiter = 0;
  const emission = Array.from({ length: d }, (_, s) => {
    const row = new Array<number>(tokens).fill(0);
    row[s % slots === 0 ? delimiter : 1 + rng.int(tokens - 1)] = 1;
    return row;
  });
  const valueT = stochastic(rng, values, values);
  const tasks = Array.from({ length: taskCount }, () => {
    const slotT = stochastic(rng, slots, slots, 1);
    const transition = Array.from({ length: d }, (_, s) =>
      Array.from({ length: d }, (_, t) => valueT[Math.floor(s / slots)][Math.floor(t / slots)] * slotT[s % slots][t % slots]),
    );
    return { prior: 1 / taskCount, start: Array.from(rng.dirichlet(1, d)), transition };
  });
  return makeWorld(tasks[0].transition, emission, delimiter, tasks);
}

/** Samples x (k tokens) from a task's HMM; y is the most likely next token, as GINC labels. */
function sampleExample(world: World, rng: Rng, task: number, k: number): [number[], number] {
  const { d, m } = world;
  const { start, transition, emission } = world.tasks[task];
  const x: number[] = [];
  let s = rng.categorical(start);
  for (let t = 0; t < k; t++) {
    if (t > 0) s = rng.categorical(transition.subarray(s * d, s * d + d));
    x.push(rng.categorical(emission.subarray(s * m, s * m + m)));
  }
  const nextState = rng.categorical(transition.subarray(s * d, s * d + d));
  return [x, rng.categorical(emission.subarray(nextState * m, nextState * m + m))];
}

function samplePrompt(world: World, rng: Rng, task: number, n: number, k: number): IclPrompt {
  return { demos: Array.from({ length: n }, () => sampleExample(world, rng, task, k)), query: sampleExample(world, rng, task, k)[0] };
}

/** A continuous document from a task cut at its delimiters: n segments x_i y_i, then a query of at most k tokens. */
function sampleDocumentPrompt(world: World, rng: Rng, task: number, n: number, k: number): IclPrompt {
  const { d, m, delimiter } = world;
  const { start, transition, emission } = world.tasks[task];
  for (;;) {
    const doc: number[] = [];
    let s = rng.categorical(start);
    while (doc.filter((o) => o === delimiter).length <= n) {
      doc.push(rng.categorical(emission.subarray(s * m, s * m + m)));
      s = rng.categorical(transition.subarray(s * d, s * d + d));
    }
    const segments: number[][] = [[]];
    for (const o of doc) {
      if (o === delimiter) segments.push([]);
      else segments[segments.length - 1].push(o);
    }
    if (segments.slice(0, n).some((seg) => seg.length === 0)) continue;
    return { demos: segments.slice(0, n).map((seg) => [seg.slice(0, -1), seg[seg.length - 1]] as const), query: segments[n].slice(0, k) };
  }
}

describe('long prompts', () => {
  for (const mode of ['restart', 'continuous'] as const) {
    it(`n = 256, k = 10 gives finite results that concentrate on the true task (${mode}, deterministic emissions)`, () => {
      const world = deterministicWorld(4, 5, 12, 4, 3);
      const rng = new Rng(9);
      const prompts = [0, 1, 2, 3].map((task) => (mode === 'restart' ? samplePrompt : sampleDocumentPrompt)(world, rng, task, 256, 10));
      const got = bayesPredictive(world, prompts, { mode });
      got.forEach((r, task) => {
        expectFinite(r);
        expect(r.logEvidence).toBeLessThan(-500);
        expect(r.taskPosterior[task]).toBeGreaterThan(0.99);
      });
    });

    it(`n = 256, k = 10 gives finite results in a dense world (${mode})`, () => {
      const world = tinyWorld(13);
      const got = bayesPredictive(
        world,
        [0, 1].map(() => randomPrompt(new Rng(14), world.m, 256, 10, 3)),
        { mode },
      );
      for (const r of got) {
        expectFinite(r);
        expect(r.logEvidence).toBeLessThan(-2000);
      }
    });
  }

  it('a dense world gives the same long-prompt posterior in float64 log space as a direct log-sum-exp forward', () => {
    const world = tinyWorld(8);
    const prompt = randomPrompt(new Rng(10), world.m, 256, 10, 3);
    const [got] = bayesPredictive(world, [prompt]);
    // Independent check: per-segment forward in log space (no scaling), summed per task.
    const logForward = (task: Task, seq: number[]) => {
      const { d, m } = world;
      let la = Array.from({ length: d }, (_, s) => Math.log(task.start[s]) + Math.log(task.emission[s * m + seq[0]]));
      for (const o of seq.slice(1)) {
        la = Array.from({ length: d }, (_, s) => {
          const terms = la.map((v, r) => v + Math.log(task.transition[r * d + s]));
          const max = Math.max(...terms);
          return (
            (max === -Infinity ? max : max + Math.log(terms.reduce((a, v) => a + Math.exp(v - max), 0))) +
            Math.log(task.emission[s * m + o])
          );
        });
      }
      const max = Math.max(...la);
      return max + Math.log(la.reduce((a, v) => a + Math.exp(v - max), 0));
    };
    const joint = world.tasks.map((task) =>
      task.prior === 0
        ? -Infinity
        : Math.log(task.prior) +
          prompt.demos.reduce((acc, [x, y]) => acc + logForward(task, [...x, y]), 0) +
          logForward(task, [...prompt.query]),
    );
    const max = Math.max(...joint);
    const z = max + Math.log(joint.reduce((a, v) => a + Math.exp(v - max), 0));
    expect(Math.abs(got.logEvidence - z) / Math.abs(z)).toBeLessThan(1e-12);
    expectClose(
      got.taskPosterior,
      joint.map((j) => Math.exp(j - z)),
      1e-9,
    );
  });
});

describe('bad input is a typed error, raised before any work', () => {
  const world = tinyWorld(12);
  const good: IclPrompt = { demos: [[[0, 1], 2]], query: [1] };
  const expectError = (prompts: unknown[], type: typeof DataError | typeof OptionError, pattern: RegExp, options = {}) => {
    let progress = 0;
    const call = () => bayesPredictive(world, prompts as IclPrompt[], { ...options, onProgress: () => progress++ });
    expect(call).toThrow(type);
    expect(call).toThrow(pattern);
    expect(progress).toBe(0);
  };

  it('a token outside the vocabulary names the prompt and the token', () => {
    expectError(
      [good, { demos: [[[0, 7], 2]], query: [1] }],
      DataError,
      /prompts: prompt 1: token 7 in demo 0 input is outside the vocabulary 0\.\.3/,
    );
    expectError([good, { demos: [[[0], 4]], query: [1] }], DataError, /prompt 1: token 4 in demo 0 label is outside/);
    expectError([{ demos: [], query: [-1] }], DataError, /prompt 0: token -1 in the query is outside/);
  });

  it('the source and line numbers name the file in the message', () => {
    expectError([good, { demos: [], query: [9] }], DataError, /^p\.jsonl:5: prompt 1: token 9/, { source: 'p.jsonl', lines: [2, 5] });
  });

  it('malformed prompts name what is wrong', () => {
    expectError([{ demos: [[[0], 1.5]], query: [] }], DataError, /prompt 0: demo 0 label holds 1\.5, not an integer token/);
    expectError([{ demos: [[[0], '1']], query: [] }], DataError, /demo 0 label holds "1"/);
    expectError([{ demos: [[0, 1]], query: [] }], DataError, /prompt 0: demo 0 is not an \[input tokens, label\] pair/);
    expectError([{ demos: [[[0], 1, 2]], query: [] }], DataError, /demo 0 is not an \[input tokens, label\] pair/);
    expectError([{ query: [] }], DataError, /prompt 0: demos is not an array/);
    expectError([{ demos: [] }], DataError, /prompt 0: query is not an array of tokens/);
    expectError([null], DataError, /prompt 0: demos is not an array/);
  });

  it('a prompt impossible under every task with positive prior is a DataError', () => {
    // A deterministic cycle 0 -> 1 -> 2 -> 0, state s emitting token s; the prior-0 task could jump 0 -> 2.
    const cycle = makeWorld(
      [
        [0, 1, 0],
        [0, 0, 1],
        [1, 0, 0],
      ],
      [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
      2,
      [
        { prior: 0.5, start: [1, 0, 0] },
        { prior: 0.5, start: [0.5, 0.5, 0] },
        {
          prior: 0,
          start: [1, 0, 0],
          transition: [
            [0, 0, 1],
            [0, 0, 1],
            [1, 0, 0],
          ],
        },
      ],
    );
    expect(() => bayesPredictive(cycle, [{ demos: [], query: [0, 2] }])).toThrow(DataError);
    expect(() => bayesPredictive(cycle, [{ demos: [], query: [0, 2] }])).toThrow(
      /prompt 0 has probability 0 under every task with positive prior \(restart mode\)/,
    );
    expect(() => bayesPredictive(cycle, [{ demos: [[[2], 0]], query: [0] }])).toThrow(DataError);
    // Continuous: "0 1 delim(2) 0" is possible, "0 1 delim 1" is not.
    const [ok] = bayesPredictive(cycle, [{ demos: [[[0], 1]], query: [0] }], { mode: 'continuous' });
    expectClose(ok.taskPosterior, [2 / 3, 1 / 3, 0], 1e-15);
    expectClose(ok.predictive, [0, 1, 0], 1e-15);
    expect(() => bayesPredictive(cycle, [{ demos: [[[0], 1]], query: [1] }], { mode: 'continuous' })).toThrow(/continuous mode/);
  });

  it('labelsOnly on a world without labels, and an unknown mode, are OptionErrors', () => {
    const noLabels = { ...world, spec: { ...world.spec, labels: undefined } };
    expect(() => bayesPredictive(noLabels, [good], { labelsOnly: true })).toThrow(OptionError);
    expect(() => bayesPredictive(world, [good], { mode: 'sliding' as BayesMode })).toThrow(/unknown Bayes mode 'sliding'/);
  });
});
