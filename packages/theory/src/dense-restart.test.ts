import { Rng } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { bayesPredictive, type IclPrompt } from './bayes.js';
import { DenseRestart, type RestartPrompt } from './dense-restart.js';
import { compileDynamics, ScaledPass } from './forward.js';
import { randomWorld } from './generators/random.js';
import { compileWorld, type World, type WorldSpec } from './world.js';

/** The prompt as bayesPredictive encodes it (demonstrations x_i y_i, each followed by the delimiter, then the query). */
function encode(prompt: IclPrompt, delimiter: number): RestartPrompt {
  const tokens: number[] = [];
  const segments: number[] = [];
  const segmentEnds: number[] = [];
  for (const [x, y] of prompt.demos) {
    segments.push(tokens.length);
    tokens.push(...x, y);
    segmentEnds.push(tokens.length);
    tokens.push(delimiter);
  }
  const query = tokens.length;
  tokens.push(...prompt.query);
  return { tokens: Int32Array.from(tokens), segments: Int32Array.from(segments), segmentEnds: Int32Array.from(segmentEnds), query };
}

/** The scores one ScaledPass gives, a segment and a task at a time (the sparse path of bayesPredictive). */
function reference(world: World, prompt: RestartPrompt) {
  const { transition, emission } = world.tasks[0];
  const pass = new ScaledPass(compileDynamics(transition, emission, world.d, world.m));
  return world.tasks.map(({ start }) => {
    let demo = 0;
    for (let i = 0; i < prompt.segments.length; i++) {
      demo += pass.backward(prompt.tokens, prompt.segments[i], prompt.segmentEnds[i])
        ? pass.logLikelihood(start)
        : Number.NEGATIVE_INFINITY;
    }
    const query = pass.forward(start, prompt.tokens, prompt.query, prompt.tokens.length);
    const next = new Float64Array(world.m);
    if (query > Number.NEGATIVE_INFINITY) pass.next(next);
    return { demo, query, next };
  });
}

/** Random prompts of n demonstrations with inputs of 0..maxK tokens and queries of 0..maxK tokens (tokens below `vocabulary`). */
function prompts(rng: Rng, count: number, n: number, maxK: number, vocabulary: number): IclPrompt[] {
  const tokens = (k: number) => Array.from({ length: k }, () => rng.int(vocabulary));
  return Array.from({ length: count }, (_, p) => ({
    demos: Array.from({ length: n }, (_, i) => [tokens((p + i) % (maxK + 1)), tokens(1)[0]] as const),
    query: tokens(p % (maxK + 1)),
  }));
}

/** Checks every score against the reference; counts the -Infinity scores and the tasks without a forward pass. */
function expectScores(world: World, list: IclPrompt[], expectPairs: boolean) {
  let impossible = 0;
  let negligible = 0;
  const encoded = list.map((p) => encode(p, world.delimiter));
  const { transition, emission } = world.tasks[0];
  const dynamics = compileDynamics(transition, emission, world.d, world.m);
  const logPriors = world.tasks.map((t) => Math.log(t.prior));
  const dense = DenseRestart.create(
    dynamics,
    world.tasks.map((t) => t.start),
    logPriors,
    encoded,
  );
  expect(dense).not.toBeNull();
  expect((dense as unknown as { pairSlot: Int32Array }).pairSlot.some((s) => s >= 0)).toBe(expectPairs);
  encoded.forEach((prompt, p) => {
    const got = dense!.at(p)!;
    const wants = reference(world, prompt);
    const joint = wants.map((w, t) => logPriors[t] + w.demo + w.query);
    const top = Math.max(...joint);
    wants.forEach((want, t) => {
      const close = (a: number, b: number) => {
        if (b === Number.NEGATIVE_INFINITY) impossible++;
        if (b === Number.NEGATIVE_INFINITY) expect(a).toBe(b);
        else expect(Math.abs(a - b), `prompt ${p} task ${t}: ${a} vs ${b}`).toBeLessThan(1e-12 * Math.max(1, Math.abs(b)));
      };
      close(got.demo[t], want.demo);
      close(got.query[t], want.query);
      // The next-token distribution of every task that can move the predictive (weight 2^-80 of the largest or more), 0 for the others.
      const row = got.next.subarray(t * world.m, (t + 1) * world.m);
      if (!(joint[t] - top >= -80 * Math.LN2)) {
        expect(row.every((v) => v === 0)).toBe(true);
        negligible++;
        return;
      }
      for (let o = 0; o < world.m; o++) expect(Math.abs(row[o] - want.next[o])).toBeLessThan(1e-14);
    });
  });
  // The next scorer gets this memory back: NaN everywhere shows any read of what it did not write.
  (dense as unknown as { f64: Float64Array }).f64.fill(Number.NaN);
  dense!.release();
  return { impossible, negligible };
}

const dense = (seed: number, tasks = 4, states = 24, tokens = 30) => randomWorld({ tasks, states, tokens }, new Rng(seed));

describe('DenseRestart agrees with a ScaledPass per segment and task (relative 1e-12)', () => {
  it('with pair matrices, segments of 1 to 7 tokens and queries of 0 to 6, starts on one state each', () => {
    const world = compileWorld(dense(1));
    expect(expectScores(world, prompts(new Rng(2), 40, 16, 6, world.m - 1), true).negligible).toBeGreaterThan(0);
  });

  it('with prompts of one or two tokens per segment (no pair matrices)', () => {
    const world = compileWorld(dense(3, 4, 40, 30));
    expectScores(world, prompts(new Rng(4), 3, 4, 1, world.m - 1), false);
  });

  it('with starts spread over all states, and batches that split the prompts', () => {
    const spec = dense(5, 3, 20, 12);
    const rng = new Rng(6);
    const world = compileWorld({ ...spec, tasks: spec.tasks.map((t) => ({ ...t, start: Array.from(rng.dirichlet(1, 20)) })) });
    expectScores(world, prompts(new Rng(7), 60, 40, 4, world.m - 1), true);
  });

  it('with zeros in the emission and transition rows: impossible segments and queries are -Infinity', () => {
    const d = 16;
    const m = 6;
    const rng = new Rng(8);
    const row = (n: number, zeros: number, r: number) => {
      const v = Array.from(rng.dirichlet(1, n));
      for (let z = 0; z < zeros; z++) v[(r + z * 5) % n] = 0;
      const sum = v.reduce((a, b) => a + b, 0);
      return v.map((x) => x / sum);
    };
    // Each token is emitted by most states (so every support is full), but not by all.
    const spec: WorldSpec = {
      tokens: m,
      states: d,
      delimiter: m - 1,
      transition: Array.from({ length: d }, (_, r) => row(d, 6, r)),
      emission: Array.from({ length: d }, (_, r) => row(m, 1, r)),
      tasks: [0, 1, 2].map((t) => ({ name: `t${t}`, prior: 1 / 3, start: Array.from({ length: d }, (_, s) => (s === t ? 1 : 0)) })),
    };
    const world = compileWorld(spec);
    expect(expectScores(world, prompts(new Rng(9), 30, 8, 6, m), true).impossible).toBeGreaterThan(10);
  });

  it('with a token of probability about 1e-300 everywhere, repeated (scales far below the double range)', () => {
    const spec = dense(17, 3, 20, 10);
    const emission = spec.emission.map((row, s) => {
      const scaled = row.map((v, o) => (o === 0 ? (1 + s) * 1e-300 : v));
      const total = scaled.reduce((a, b) => a + b, 0);
      return s === spec.states - 1 ? row : scaled.map((v) => v / total);
    });
    const world = compileWorld({ ...spec, emission });
    const rng = new Rng(18);
    const list = prompts(rng, 30, 6, 5, world.m - 1).map((p, i) => ({
      demos: p.demos.map(([x, y], j) => [x.map((t, k) => ((i + j + k) % 2 ? 0 : t)), j % 3 ? y : 0] as const),
      query: p.query.map((t, k) => (k % 2 ? 0 : t)),
    }));
    expectScores(world, list, true);
  });

  it('is not used for small worlds or tokens emitted by few states', () => {
    const small = compileWorld(dense(10, 2, 8, 6));
    const { transition, emission } = small.tasks[0];
    const starts = small.tasks.map((t) => t.start);
    const list = prompts(new Rng(11), 2, 2, 2, small.m - 1).map((p) => encode(p, small.delimiter));
    expect(DenseRestart.create(compileDynamics(transition, emission, small.d, small.m), starts, [0, 0], list)).toBeNull();
    const world = compileWorld(dense(12));
    const t = world.tasks[0];
    // The delimiter is emitted by one state only.
    const withDelimiter = [encode({ demos: [[[0, world.delimiter], 1]], query: [2] }, world.delimiter)];
    expect(
      DenseRestart.create(
        compileDynamics(t.transition, t.emission, world.d, world.m),
        world.tasks.map((x) => x.start),
        world.tasks.map(() => 0),
        withDelimiter,
      ),
    ).toBeNull();
  });
});

describe('bayesPredictive on a dense world', () => {
  it('gives the posterior and predictive of the per-segment passes (1e-12)', () => {
    const world = compileWorld(dense(13));
    const list = prompts(new Rng(14), 30, 12, 5, world.m - 1);
    const got = bayesPredictive(world, list);
    list.forEach((prompt, p) => {
      const scores = reference(world, encode(prompt, world.delimiter));
      const joint = scores.map((s, t) => Math.log(world.tasks[t].prior) + s.demo + s.query);
      const top = Math.max(...joint);
      const z = top + Math.log(joint.reduce((a, j) => a + Math.exp(j - top), 0));
      expect(Math.abs(got[p].logEvidence - z)).toBeLessThan(1e-12 * Math.abs(z));
      joint.forEach((j, t) => expect(Math.abs(got[p].taskPosterior[t] - Math.exp(j - z))).toBeLessThan(1e-12));
      for (let o = 0; o < world.m; o++) {
        const want = scores.reduce((a, s, t) => a + Math.exp(joint[t] - z) * s.next[o], 0);
        expect(Math.abs(got[p].predictive[o] - want)).toBeLessThan(1e-12);
      }
    });
  });

  it('gives a prompt the same numbers (bit for bit) whatever other prompts share the call', () => {
    const world = compileWorld(dense(19));
    const list = prompts(new Rng(20), 12, 10, 5, world.m - 1);
    // A prompt with the delimiter (emitted by one state) inside a demonstration goes to the per-segment passes.
    const odd: IclPrompt = { demos: [[[1, world.delimiter, 2], 3], ...list[0].demos.slice(1)], query: [4, 5] };
    const together = bayesPredictive(world, [...list.slice(0, 6), odd, ...list.slice(6)]);
    const alone = [...list.slice(0, 6), odd, ...list.slice(6)].map((p) => bayesPredictive(world, [p])[0]);
    expect(together).toEqual(alone);
    expect(bayesPredictive(world, list)).toEqual([...together.slice(0, 6), ...together.slice(7)]);
  });

  it('stays finite over n = 256 demonstrations of k = 10', () => {
    const world = compileWorld(dense(15));
    const got = bayesPredictive(world, prompts(new Rng(16), 2, 256, 10, world.m - 1));
    for (const r of got) {
      expect(Number.isFinite(r.logEvidence)).toBe(true);
      expect(r.logEvidence).toBeLessThan(-2000);
      expect(r.predictive.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
  });
});
