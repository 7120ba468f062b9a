/**
 * Worlds: mixtures of HMM tasks over one token vocabulary (SPEC §2). A world is plain data
 * (`WorldSpec`, the JSON form) and is compiled to flat float64 matrices (`World`) for sampling
 * and inference.
 */

import { DataError } from '@iclkr/core';

/** One task: prior weight (0 = out-of-distribution: never in pre-training), start distribution, optional own matrices. */
export interface TaskSpec {
  readonly name: string;
  readonly prior: number;
  /** P(first state), length `states`. */
  readonly start: readonly number[];
  /** The task's own transition matrix [states][states]; default: the world's. */
  readonly transition?: readonly (readonly number[])[];
  /** The task's own emission matrix [states][tokens]; default: the world's. */
  readonly emission?: readonly (readonly number[])[];
}

/** A world as stored in JSON. */
export interface WorldSpec {
  readonly name?: string;
  /** Vocabulary size m. */
  readonly tokens: number;
  /** Hidden states d. */
  readonly states: number;
  /** The delimiter token that ends a segment. */
  readonly delimiter: number;
  /** Shared transition matrix T[s][s'] = P(s' | s). */
  readonly transition: readonly (readonly number[])[];
  /** Shared emission matrix B[s][o] = P(o | s). */
  readonly emission: readonly (readonly number[])[];
  readonly tasks: readonly TaskSpec[];
  /** Label tokens (classification worlds): predictions are restricted to these. */
  readonly labels?: readonly number[];
  /** The example length k the world is built for (classification worlds); prompts must use it. */
  readonly inputLength?: number;
  /** Class of each state (-1: none), so samplers can report the latent class of an input. */
  readonly stateClass?: readonly number[];
  /** The generator and parameters that made the world, for the record. */
  readonly generator?: Readonly<Record<string, unknown>>;
}

/** A compiled task: flat row-major float64 matrices (shared ones are the same arrays). */
export interface Task {
  readonly name: string;
  readonly prior: number;
  readonly start: Float64Array;
  /** d x d, row-major. */
  readonly transition: Float64Array;
  /** d x m, row-major. */
  readonly emission: Float64Array;
}

/** A validated world ready for sampling and inference. */
export interface World {
  readonly spec: WorldSpec;
  /** Vocabulary size. */
  readonly m: number;
  /** Number of hidden states. */
  readonly d: number;
  readonly delimiter: number;
  readonly tasks: readonly Task[];
  /** True when no task has its own transition or emission (tasks differ only in start and prior). */
  readonly sharedDynamics: boolean;
}

/** How far a probability vector's sum may stray from 1. */
export const SUM_TOLERANCE = 1e-6;

const KNOWN_FIELDS = [
  'name',
  'tokens',
  'states',
  'delimiter',
  'transition',
  'emission',
  'tasks',
  'labels',
  'inputLength',
  'stateClass',
  'generator',
];
const KNOWN_TASK_FIELDS = ['name', 'prior', 'start', 'transition', 'emission'];

/** Validation context: the source named in every error. */
class Checker {
  constructor(readonly source: string) {}

  fail(message: string, fix: string): never {
    throw new DataError(this.source, undefined, message, fix);
  }

  integer(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
      this.fail(`${path} is ${JSON.stringify(value) ?? 'missing'}, not an integer ${range}`, `set ${path} to an integer ${range}`);
    }
    return value;
  }

  /** A probability vector of length `n` (entries finite, >= 0, sum 1), copied into `out` at `offset`. */
  distribution(value: unknown, path: string, n: number, out: Float64Array, offset: number): void {
    if (!Array.isArray(value)) this.fail(`${path} is not an array`, `give ${path} as an array of ${n} probabilities`);
    if (value.length !== n) this.fail(`${path} has ${value.length} entries, expected ${n}`, `give ${path} exactly ${n} probabilities`);
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const p = value[j];
      if (typeof p !== 'number' || !Number.isFinite(p)) {
        this.fail(
          `${path}[${j}] is ${JSON.stringify(p) ?? 'missing'}, not a finite number`,
          `replace ${path}[${j}] by a probability in [0, 1]`,
        );
      }
      if (p < 0) this.fail(`${path}[${j}] is negative (${p})`, `replace ${path}[${j}] by a probability in [0, 1]`);
      out[offset + j] = p;
      sum += p;
    }
    if (Math.abs(sum - 1) > SUM_TOLERANCE) {
      this.fail(
        `${path} sums to ${Number(sum.toPrecision(10))}, not 1 (tolerance ${SUM_TOLERANCE})`,
        `normalise ${path} so that it sums to 1`,
      );
    }
  }

  /** A row-stochastic `rows` x `cols` matrix, flattened row-major. */
  stochastic(value: unknown, path: string, rows: number, cols: number): Float64Array {
    if (!Array.isArray(value)) this.fail(`${path} is not an array`, `give ${path} as ${rows} rows of ${cols} probabilities`);
    if (value.length !== rows)
      this.fail(`${path} has ${value.length} rows, expected ${rows}`, `give ${path} exactly ${rows} rows (one per state)`);
    const out = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) this.distribution(value[i], `${path}[${i}]`, cols, out, i * cols);
    return out;
  }

  fields(value: object, known: readonly string[], path: string): void {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) this.fail(`${path}unknown field '${key}'`, `remove it or use one of ${known.join(', ')}`);
    }
  }
}

/**
 * Validates a world spec and compiles it to flat float64 matrices. Every problem is a DataError
 * naming `source`, the JSON path and the fix. Tasks with prior 0 are out-of-distribution (valid).
 */
export function compileWorld(spec: WorldSpec, source = 'world'): World {
  const c: Checker = new Checker(source);
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
    c.fail('is not a JSON object', 'give the world as an object with tokens, states, delimiter, transition, emission and tasks');
  c.fields(spec, KNOWN_FIELDS, '');
  if (spec.name !== undefined && typeof spec.name !== 'string') c.fail('name is not a string', 'give name as a string or leave it out');
  const m = c.integer(spec.tokens, 'tokens', 2);
  const d = c.integer(spec.states, 'states', 1);
  const delimiter = c.integer(spec.delimiter, 'delimiter', 0, m - 1);
  const transition = c.stochastic(spec.transition, 'transition', d, d);
  const emission = c.stochastic(spec.emission, 'emission', d, m);
  if (!Array.isArray(spec.tasks) || spec.tasks.length === 0)
    c.fail('has no tasks', 'give tasks as a non-empty array of { name, prior, start }');
  let priorSum = 0;
  let shared = true;
  const tasks: Task[] = spec.tasks.map((t, i) => {
    const path = `tasks[${i}]`;
    if (typeof t !== 'object' || t === null || Array.isArray(t))
      c.fail(`${path} is not an object`, 'give each task as { name, prior, start }');
    c.fields(t, KNOWN_TASK_FIELDS, `${path}: `);
    if (typeof t.name !== 'string') c.fail(`${path}.name is not a string`, `give ${path} a name`);
    if (typeof t.prior !== 'number' || !Number.isFinite(t.prior) || t.prior < 0) {
      c.fail(
        `${path}.prior is ${JSON.stringify(t.prior) ?? 'missing'}, not a number >= 0`,
        `set ${path}.prior to a probability (0 marks an out-of-distribution task)`,
      );
    }
    priorSum += t.prior;
    const start = new Float64Array(d);
    c.distribution(t.start, `${path}.start`, d, start, 0);
    if (t.transition !== undefined || t.emission !== undefined) shared = false;
    return {
      name: t.name,
      prior: t.prior,
      start,
      transition: t.transition === undefined ? transition : c.stochastic(t.transition, `${path}.transition`, d, d),
      emission: t.emission === undefined ? emission : c.stochastic(t.emission, `${path}.emission`, d, m),
    };
  });
  if (Math.abs(priorSum - 1) > SUM_TOLERANCE) {
    c.fail(
      `task priors sum to ${Number(priorSum.toPrecision(10))}, not 1 (tolerance ${SUM_TOLERANCE})`,
      'normalise the priors of the in-distribution tasks so that they sum to 1',
    );
  }
  if (spec.labels !== undefined) {
    if (!Array.isArray(spec.labels) || spec.labels.length === 0)
      c.fail('labels is not a non-empty array', 'give labels as an array of token ids or leave it out');
    spec.labels.forEach((l, i) => {
      c.integer(l, `labels[${i}]`, 0, m - 1);
      if (l === delimiter) c.fail(`labels[${i}] is the delimiter token ${delimiter}`, 'use label tokens other than the delimiter');
      if (spec.labels!.indexOf(l) !== i) c.fail(`labels[${i}] repeats token ${l}`, 'list each label token once');
    });
  }
  if (spec.inputLength !== undefined) c.integer(spec.inputLength, 'inputLength', 1);
  if (spec.stateClass !== undefined) {
    if (!Array.isArray(spec.stateClass) || spec.stateClass.length !== d) {
      c.fail(
        `stateClass has ${Array.isArray(spec.stateClass) ? spec.stateClass.length : 'no'} entries, expected ${d}`,
        `give stateClass one class (or -1) per state`,
      );
    }
    spec.stateClass.forEach((k, i) => c.integer(k, `stateClass[${i}]`, -1));
  }
  if (spec.generator !== undefined && (typeof spec.generator !== 'object' || spec.generator === null || Array.isArray(spec.generator))) {
    c.fail('generator is not an object', 'give generator as { name, ...params } or leave it out');
  }
  return { spec, m, d, delimiter, tasks, sharedDynamics: shared };
}
