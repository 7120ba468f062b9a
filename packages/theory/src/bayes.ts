/**
 * The exact Bayesian predictive of an ICL prompt in a world (SPEC §2): the posterior over tasks
 * and P(y | prompt), by scaled forward/backward passes in float64 (see forward.ts).
 *
 * Tasks that share their transition and emission arrays form one group, and one backward pass
 * scores a sequence for every start distribution of the group at once: the demonstrations in
 * restart mode (the query then takes a forward pass per task, which also gives its next-token
 * distribution), the whole prompt in continuous mode (where one forward pass from the
 * prior-weighted mix of the group's starts gives its share of the predictive). Tasks with their
 * own matrices are groups of one. In restart mode, a group whose prompt tokens every state emits
 * (a dense world) is scored in batches by dense-restart.ts instead, equal to rounding.
 */
import { DataError, OptionError } from '@iclkr/core';
import { DenseRestart } from './dense-restart.js';
import { compileDynamics, ScaledPass } from './forward.js';
import type { World } from './world.js';

/** An ICL prompt: demonstrations (input tokens x_i, label token y_i) and the query input x_test. */
export interface IclPrompt {
  readonly demos: readonly (readonly [readonly number[], number])[];
  readonly query: readonly number[];
}

/**
 * How a prompt is scored. `restart` (the paper's assumption): every x_i y_i and x_test is a
 * segment sampled afresh from the task's start distribution; delimiters are not scored.
 * `continuous`: `x_1 y_1 delim ... x_n y_n delim x_test` is one sequence from the start, the
 * delimiters scored as ordinary tokens.
 */
export type BayesMode = 'restart' | 'continuous';

/** The scoring modes, for option parsing. */
export const BAYES_MODES: readonly BayesMode[] = ['restart', 'continuous'];

/** Options of `bayesPredictive`. */
export interface BayesOptions {
  /** Default `restart`. */
  readonly mode?: BayesMode;
  /**
   * Restrict the predictive to the world's label tokens (`spec.labels`) and renormalise: the
   * distribution of the next token given that it is a label. Other tokens get 0.
   */
  readonly labelsOnly?: boolean;
  /** Name of the prompts' source in error messages (default `prompts`). */
  readonly source?: string;
  /** The source line of each prompt, for error messages. */
  readonly lines?: readonly number[];
  /** Called after each prompt with (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** The exact Bayesian answer for one prompt. */
export interface BayesPrediction {
  /** P(task | prompt), one per world task in world order (0 for tasks with prior 0); sums to 1. */
  readonly taskPosterior: number[];
  /** P(y | prompt) over the m tokens; sums to 1. */
  readonly predictive: number[];
  /** log P(prompt) (natural log) under the prior over tasks; in restart mode delimiters are not scored. */
  readonly logEvidence: number;
}

interface Group {
  readonly pass: ScaledPass;
  /** World indices of the group's tasks with positive prior. */
  readonly tasks: readonly number[];
}

/** A validated prompt as one token buffer in continuous order, with its segments. */
interface Encoded {
  readonly tokens: Int32Array;
  /** Demonstration i (x_i y_i, without the delimiter) is tokens[segments[i] .. segmentEnds[i]). */
  readonly segments: Int32Array;
  readonly segmentEnds: Int32Array;
  /** Where x_test starts (it runs to the end). */
  readonly query: number;
}

function groupTasks(world: World): Group[] {
  const groups = new Map<Float64Array, Map<Float64Array, number[]>>();
  world.tasks.forEach((task, t) => {
    if (!(task.prior > 0)) return;
    const byEmission = groups.get(task.transition) ?? new Map<Float64Array, number[]>();
    groups.set(task.transition, byEmission);
    byEmission.set(task.emission, [...(byEmission.get(task.emission) ?? []), t]);
  });
  return [...groups.values()].flatMap((byEmission) =>
    [...byEmission.values()].map((tasks) => {
      const first = world.tasks[tasks[0]];
      return { pass: new ScaledPass(compileDynamics(first.transition, first.emission, world.d, world.m)), tasks };
    }),
  );
}

function encode(prompts: readonly IclPrompt[], world: World, options: BayesOptions): Encoded[] {
  const source = options.source ?? 'prompts';
  const fail = (i: number, message: string, fix: string) => new DataError(source, options.lines?.[i], `prompt ${i}: ${message}`, fix);
  const pairFix = 'write a prompt as { "demos": [[[x tokens...], y], ...], "query": [x_test tokens...] }';
  const { m } = world;
  return prompts.map((prompt, i) => {
    const demos = (prompt as { demos?: unknown })?.demos;
    const query = (prompt as { query?: unknown })?.query;
    if (!Array.isArray(demos)) throw fail(i, 'demos is not an array', pairFix);
    if (!Array.isArray(query)) throw fail(i, 'query is not an array of tokens', pairFix);
    const tokens: number[] = [];
    const segments: number[] = [];
    const segmentEnds: number[] = [];
    // `where` names the place only when a token is bad: demo j's input (part 0) or label (part 1), or the query (j = -1).
    const where = (j: number, part: number) => (j < 0 ? 'the query' : `demo ${j} ${part ? 'label' : 'input'}`);
    const push = (token: unknown, j: number, part: number) => {
      if (typeof token !== 'number' || !Number.isInteger(token)) {
        throw fail(i, `${where(j, part)} holds ${JSON.stringify(token) ?? String(token)}, not an integer token`, pairFix);
      }
      if (token < 0 || token >= m) {
        throw fail(
          i,
          `token ${token} in ${where(j, part)} is outside the vocabulary 0..${m - 1}`,
          `use token ids below ${m}, the world's vocabulary size`,
        );
      }
      tokens.push(token);
    };
    for (let j = 0; j < demos.length; j++) {
      const demo: unknown = demos[j];
      if (!Array.isArray(demo) || demo.length !== 2 || !Array.isArray(demo[0])) {
        throw fail(i, `demo ${j} is not an [input tokens, label] pair`, pairFix);
      }
      segments.push(tokens.length);
      const x: unknown[] = demo[0];
      for (let t = 0; t < x.length; t++) push(x[t], j, 0);
      push(demo[1], j, 1);
      segmentEnds.push(tokens.length);
      tokens.push(world.delimiter);
    }
    const queryStart = tokens.length;
    for (let t = 0; t < query.length; t++) push(query[t], -1, 0);
    return {
      tokens: Int32Array.from(tokens),
      segments: Int32Array.from(segments),
      segmentEnds: Int32Array.from(segmentEnds),
      query: queryStart,
    };
  });
}

function labelMask(world: World, labelsOnly: boolean | undefined): Uint8Array | undefined {
  if (!labelsOnly) return undefined;
  const labels = world.spec.labels;
  if (!labels || labels.length === 0) {
    throw new OptionError(
      'the world has no label tokens to restrict the predictive to',
      "drop the labels-only option, or use a world whose JSON lists 'labels'",
    );
  }
  const mask = new Uint8Array(world.m);
  for (const label of labels) mask[label] = 1;
  return mask;
}

const logSumExp = (xs: ArrayLike<number>): number => {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < xs.length; i++) if (xs[i] > max) max = xs[i];
  if (max === Number.NEGATIVE_INFINITY) return max;
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += Math.exp(xs[i] - max);
  return max + Math.log(sum);
};

/**
 * P(task | prompt) and P(y | prompt) for each prompt (SPEC §2, exact, float64). In `restart` mode
 * P(task | prompt) ∝ prior · Π_i P(x_i y_i | task) · P(x_test | task) with every segment scored
 * from the task's start, and P(y | x_test, task) = ((alpha_x T) B)(y) normalised; an empty query
 * gives the first token's distribution start^T B. In `continuous` mode the whole prompt with its
 * delimiters is one sequence. Prompts are validated first (DataError naming the prompt and
 * token); a prompt of probability 0 under every task with positive prior is a DataError.
 */
export function bayesPredictive(world: World, prompts: readonly IclPrompt[], options: BayesOptions = {}): BayesPrediction[] {
  const mode = options.mode ?? 'restart';
  if (!BAYES_MODES.includes(mode)) {
    throw new OptionError(`unknown Bayes mode '${String(mode)}'`, `use one of ${BAYES_MODES.join(', ')}`);
  }
  const mask = labelMask(world, options.labelsOnly);
  const encoded = encode(prompts, world, options);
  const groups = groupTasks(world);
  const { m, d, tasks } = world;
  const restart = mode === 'restart';
  const logPrior = tasks.map((t) => Math.log(t.prior));
  // Dense groups score all prompts in batches (dense-restart.ts); the others a segment at a time.
  const dense = restart
    ? groups.map(({ pass, tasks: members }) =>
        DenseRestart.create(
          pass.dynamics,
          members.map((t) => tasks[t].start),
          members.map((t) => logPrior[t]),
          encoded,
        ),
      )
    : [];
  const lw = new Float64Array(tasks.length);
  const joint = new Float64Array(tasks.length);
  const mixed = new Float64Array(d);
  const next = new Float64Array(m);
  // The predictive is a mixture of components: one per task in restart mode, one per group in
  // continuous mode, each with its log weight (unnormalised) and next-token distribution.
  const components = restart ? tasks.length : groups.length;
  const componentLog = new Float64Array(components);
  const componentNext = Array.from({ length: components }, () => new Float64Array(m));

  const results = encoded.map((prompt, p) => {
    joint.fill(Number.NEGATIVE_INFINITY);
    componentLog.fill(Number.NEGATIVE_INFINITY);
    const to = prompt.tokens.length;
    if (restart) {
      // The demonstrations by one backward pass per group; the query by a forward pass per task,
      // which also gives the task's next-token distribution.
      groups.forEach(({ pass, tasks: members }, g) => {
        const batch = dense[g]?.at(p);
        if (batch) {
          members.forEach((t, j) => {
            const demos = logPrior[t] + batch.demo[j];
            if (demos === Number.NEGATIVE_INFINITY || batch.query[j] === Number.NEGATIVE_INFINITY) return;
            joint[t] = componentLog[t] = demos + batch.query[j];
            componentNext[t].set(batch.next.subarray(j * m, (j + 1) * m));
          });
          return;
        }
        for (const t of members) lw[t] = logPrior[t];
        for (let i = 0; i < prompt.segments.length; i++) {
          const possible = pass.backward(prompt.tokens, prompt.segments[i], prompt.segmentEnds[i]);
          for (const t of members) lw[t] = possible ? lw[t] + pass.logLikelihood(tasks[t].start) : Number.NEGATIVE_INFINITY;
        }
        for (const t of members) {
          if (lw[t] === Number.NEGATIVE_INFINITY) continue;
          const query = pass.forward(tasks[t].start, prompt.tokens, prompt.query, to);
          if (query === Number.NEGATIVE_INFINITY) continue;
          joint[t] = componentLog[t] = lw[t] + query;
          pass.next(componentNext[t]);
        }
      });
    } else {
      // One forward pass per group from the prior-weighted mix of its starts gives the group's
      // share of the predictive; a backward pass splits the likelihood among its tasks.
      groups.forEach(({ pass, tasks: members }, g) => {
        mixed.fill(0);
        for (const t of members) {
          const { prior, start } = tasks[t];
          for (let s = 0; s < d; s++) mixed[s] += prior * start[s];
        }
        const mass = pass.forward(mixed, prompt.tokens, 0, to);
        if (mass === Number.NEGATIVE_INFINITY) return;
        componentLog[g] = mass;
        pass.next(componentNext[g]);
        if (members.length === 1) joint[members[0]] = mass;
        else if (to === 0) for (const t of members) joint[t] = logPrior[t];
        else if (pass.backward(prompt.tokens, 0, to)) for (const t of members) joint[t] = logPrior[t] + pass.logLikelihood(tasks[t].start);
      });
    }
    const logEvidence = logSumExp(joint);
    if (logEvidence === Number.NEGATIVE_INFINITY) {
      throw new DataError(
        options.source ?? 'prompts',
        options.lines?.[p],
        `prompt ${p} has probability 0 under every task with positive prior (${mode} mode)`,
        mode === 'restart'
          ? 'check that every demonstration x_i y_i and the query can be emitted from a start state of some task'
          : 'check that the whole prompt, delimiters included, can be emitted by some task, or use restart mode',
      );
    }
    const mixture = logSumExp(componentLog);
    next.fill(0);
    for (let c = 0; c < components; c++) {
      const w = Math.exp(componentLog[c] - mixture);
      if (w === 0) continue;
      const dist = componentNext[c];
      for (let o = 0; o < m; o++) next[o] += w * dist[o];
    }
    let total = 0;
    for (let o = 0; o < m; o++) {
      if (mask && !mask[o]) next[o] = 0;
      total += next[o];
    }
    if (!(total > 0)) {
      throw new DataError(
        options.source ?? 'prompts',
        options.lines?.[p],
        mask ? `prompt ${p}: the predictive gives probability 0 to every label token` : `prompt ${p}: the predictive is 0 for every token`,
        mask ? "check the world's labels, or drop the labels-only option" : "check that the world's transition and emission rows sum to 1",
      );
    }
    options.onProgress?.(p + 1, encoded.length);
    return {
      taskPosterior: Array.from(joint, (j) => Math.exp(j - logEvidence)),
      predictive: Array.from(next, (v) => v / total),
      logEvidence,
    };
  });
  // A prompt that throws leaves its scorers' memory to the garbage collector instead.
  for (const scorer of dense) scorer?.release();
  return results;
}
