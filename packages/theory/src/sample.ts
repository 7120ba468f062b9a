/**
 * Seeded, streaming sampling from a world: ICL segments `x y`, prompts `x_1 y_1 delim ... x_test`,
 * and pre-training documents. Rows are drawn with alias tables (one uniform per draw; rows with a
 * single positive entry, such as GINC's emissions, need none), built once per matrix and cached.
 */
import { OptionError, type Rng } from '@iclkr/core';
import type { Task, World } from './world.js';

/** Alias tables for every row of a row-stochastic matrix (Vose's method). */
interface AliasRows {
  /** Row width. */
  readonly n: number;
  readonly prob: Float64Array;
  readonly alias: Int32Array;
  /** The row's only positive entry, or -1 when the row needs a random draw. */
  readonly only: Int32Array;
}

const aliasCache = new WeakMap<Float64Array, AliasRows>();

function buildAlias(matrix: Float64Array, n: number): AliasRows {
  const rows = matrix.length / n;
  const prob = new Float64Array(matrix.length);
  const alias = new Int32Array(matrix.length);
  const only = new Int32Array(rows).fill(-1);
  const q = new Float64Array(n);
  const small = new Int32Array(n);
  const large = new Int32Array(n);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    let sum = 0;
    let positive = 0;
    let top = 0;
    for (let j = 0; j < n; j++) {
      const p = matrix[base + j];
      sum += p;
      if (p > 0) positive++;
      if (p > matrix[base + top]) top = j;
    }
    if (positive === 1) only[r] = top;
    let ns = 0;
    let nl = 0;
    for (let j = 0; j < n; j++) {
      q[j] = (matrix[base + j] * n) / sum;
      if (q[j] < 1) small[ns++] = j;
      else large[nl++] = j;
    }
    while (ns > 0 && nl > 0) {
      const s = small[--ns];
      const l = large[nl - 1];
      prob[base + s] = q[s];
      alias[base + s] = l;
      q[l] += q[s] - 1;
      if (q[l] < 1) {
        nl--;
        small[ns++] = l;
      }
    }
    // Leftovers are rounding residue: keep them (probability 1) unless they are impossible
    // entries, which must never be drawn and so point at the row's largest entry.
    for (const [list, count] of [
      [large, nl],
      [small, ns],
    ] as const) {
      for (let i = 0; i < count; i++) {
        const j = list[i];
        prob[base + j] = matrix[base + j] > 0 ? 1 : 0;
        alias[base + j] = top;
      }
    }
  }
  return { n, prob, alias, only };
}

function aliasRows(matrix: Float64Array, n: number): AliasRows {
  let table = aliasCache.get(matrix);
  if (!table) {
    table = buildAlias(matrix, n);
    aliasCache.set(matrix, table);
  }
  return table;
}

/** One draw from row `row` of an alias table. */
function draw(t: AliasRows, row: number, rng: Rng): number {
  const only = t.only[row];
  if (only >= 0) return only;
  const u = rng.uniform() * t.n;
  const i = Math.floor(u);
  const k = row * t.n + i;
  return u - i < t.prob[k] ? i : t.alias[k];
}

/** The alias tables of one task: start (one row), transition (d x d), emission (d x m). */
interface TaskTables {
  readonly start: AliasRows;
  readonly transition: AliasRows;
  readonly emission: AliasRows;
}

function taskTables(world: World, task: Task): TaskTables {
  return {
    start: aliasRows(task.start, world.d),
    transition: aliasRows(task.transition, world.d),
    emission: aliasRows(task.emission, world.m),
  };
}

/** Token arrays a document can be written into. */
export type TokenArray = Uint16Array | Uint32Array | number[];

/**
 * Writes `length` tokens of one document of task `task` into `out` from `offset`: the chain runs
 * continuously; with `restart`, the state after each delimiter is drawn from the task's start
 * distribution instead of the transition row. The inner loop of corpus generation.
 */
export function emitDocument(
  world: World,
  task: number,
  out: TokenArray,
  offset: number,
  length: number,
  restart: boolean,
  rng: Rng,
): void {
  const { start, transition, emission } = taskTables(world, world.tasks[task]);
  const delimiter = world.delimiter;
  let s = draw(start, 0, rng);
  for (let t = 0; t < length; t++) {
    const o = draw(emission, s, rng);
    out[offset + t] = o;
    if (t + 1 < length) s = restart && o === delimiter ? draw(start, 0, rng) : draw(transition, s, rng);
  }
}

/**
 * How the label y of a segment is chosen: emitted by the chain (a draw from P(y | x, task)), or the
 * most likely token (GINC's test label).
 */
export type LabelMode = 'sample' | 'argmax';

/** Options of `sampleSegment` and `samplePrompt`. */
export interface SegmentOptions {
  /** How y is chosen (default 'sample'). */
  readonly label?: LabelMode;
  /**
   * Let x and y be the delimiter (default false: segments holding it are redrawn, and argmax
   * labels skip it). In the random world every ordinary state moves to the delimiter state with
   * the same probability, so this conditioning scales every task's likelihood alike and leaves
   * the task posterior unchanged (but P(y | x, task) loses its delimiter mass); GINC's own
   * prompts allow the delimiter.
   */
  readonly allowDelimiter?: boolean;
}

/** One ICL example: input tokens x, label y, the hidden states behind x, and x's latent class (worlds with `stateClass`). */
export interface Segment {
  readonly x: number[];
  readonly y: number;
  readonly states: number[];
  readonly xClass?: number;
}

const MAX_TRIES = 10_000;

/**
 * P(next token | x, task) by the forward algorithm (normalised at each step), written into `out`
 * (length m). Returns false when x is impossible under the task.
 */
function nextTokenDistribution(world: World, task: Task, x: readonly number[], out: Float64Array): boolean {
  const { d, m } = world;
  const T = task.transition;
  const B = task.emission;
  let alpha = new Float64Array(d);
  let next = new Float64Array(d);
  for (let i = 0; i < d; i++) alpha[i] = task.start[i] * B[i * m + x[0]];
  for (let t = 1; t <= x.length; t++) {
    let total = 0;
    for (let i = 0; i < d; i++) total += alpha[i];
    if (!(total > 0)) return false;
    next.fill(0);
    for (let i = 0; i < d; i++) {
      const a = alpha[i] / total;
      if (a === 0) continue;
      const row = i * d;
      for (let j = 0; j < d; j++) next[j] += a * T[row + j];
    }
    if (t < x.length) for (let j = 0; j < d; j++) next[j] *= B[j * m + x[t]];
    [alpha, next] = [next, alpha];
  }
  out.fill(0);
  for (let j = 0; j < d; j++) {
    const a = alpha[j];
    if (a === 0) continue;
    const row = j * m;
    for (let o = 0; o < m; o++) out[o] += a * B[row + o];
  }
  return true;
}

function checkTask(world: World, task: number): void {
  if (!Number.isInteger(task) || task < 0 || task >= world.tasks.length) {
    throw new OptionError(`task ${task} is not a task of this world`, `pass a task index in [0, ${world.tasks.length - 1}]`);
  }
}

function checkLength(world: World, k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new OptionError(`input length ${k} is not an integer >= 1`, 'pass k >= 1');
  const fixed = world.spec.inputLength;
  if (fixed !== undefined && k !== fixed) {
    throw new OptionError(`input length ${k} does not match the world's inputLength ${fixed}`, `pass k = ${fixed} for this world`);
  }
}

/** Tokens y may take: the world's labels, else every token (but the delimiter unless allowed). */
function allowedLabels(world: World, allowDelimiter: boolean): number[] {
  if (world.spec.labels) return [...world.spec.labels];
  return Array.from({ length: world.m }, (_, o) => o).filter((o) => allowDelimiter || o !== world.delimiter);
}

/** Draws one segment without argument checks (see `sampleSegment`). */
function segment(
  world: World,
  task: number,
  k: number,
  rng: Rng,
  label: LabelMode,
  allowDelimiter: boolean,
  allowed: readonly number[],
  scratch: Float64Array,
): Segment {
  const t = world.tasks[task];
  const { start, transition, emission } = taskTables(world, t);
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    const x = new Array<number>(k);
    const states = new Array<number>(k);
    let s = draw(start, 0, rng);
    let clean = true;
    for (let j = 0; j < k && clean; j++) {
      if (j > 0) s = draw(transition, s, rng);
      states[j] = s;
      x[j] = draw(emission, s, rng);
      clean = allowDelimiter || x[j] !== world.delimiter;
    }
    if (!clean) continue;
    let y: number;
    if (label === 'sample') {
      y = draw(emission, draw(transition, s, rng), rng);
      if (!allowed.includes(y)) continue;
    } else {
      if (!nextTokenDistribution(world, t, x, scratch)) continue;
      y = allowed[0];
      for (const o of allowed) if (scratch[o] > scratch[y]) y = o;
      if (!(scratch[y] > 0)) continue;
    }
    const cls = world.spec.stateClass?.[states[0]];
    return cls === undefined ? { x, y, states } : { x, y, states, xClass: cls };
  }
  throw new OptionError(
    `task '${t.name}' gave no usable segment of length ${k} in ${MAX_TRIES} tries (the delimiter or an impossible label every time)`,
    'use a shorter input length, or allowDelimiter: true',
  );
}

/**
 * One segment of task `task`: x = k tokens emitted by the task's HMM from its start distribution
 * and y the next token. 'sample': the chain goes on and emits y, so x, y and x's latent class
 * follow the HMM jointly; a segment whose y is not allowed (not a label in worlds with `labels`;
 * the delimiter unless allowed) is redrawn whole. 'argmax': y is the most likely allowed token
 * under P(y | x, task), computed exactly by the forward algorithm (GINC's test labels).
 */
export function sampleSegment(world: World, task: number, k: number, rng: Rng, options: SegmentOptions = {}): Segment {
  checkTask(world, task);
  checkLength(world, k);
  const allowDelimiter = options.allowDelimiter ?? false;
  return segment(
    world,
    task,
    k,
    rng,
    options.label ?? 'sample',
    allowDelimiter,
    allowedLabels(world, allowDelimiter),
    new Float64Array(world.m),
  );
}

/** Options of `samplePrompt`: segment options for the demonstrations, and the query's label mode. */
export interface PromptOptions extends SegmentOptions {
  /** How the query's label is chosen (default: as the demonstrations'; GINC uses 'argmax' for it and sampled demonstration labels). */
  readonly queryLabel?: LabelMode;
}

/** An ICL prompt of one task: n demonstrations (x_i, y_i), the query x_test and its label. */
export interface Prompt {
  readonly task: number;
  readonly demos: [number[], number][];
  readonly query: number[];
  readonly queryLabel: number;
  /** Latent class of the query (worlds with `stateClass`). */
  readonly queryClass?: number;
  /** Latent class of each demonstration (worlds with `stateClass`). */
  readonly demoClasses?: number[];
}

/**
 * A prompt of `n` i.i.d. segments of task `taskIndex` (each from the start distribution: delimiters
 * restart) and a query of the same task.
 */
export function samplePrompt(world: World, taskIndex: number, n: number, k: number, rng: Rng, options: PromptOptions = {}): Prompt {
  checkTask(world, taskIndex);
  checkLength(world, k);
  if (!Number.isInteger(n) || n < 0) throw new OptionError(`number of demonstrations ${n} is not an integer >= 0`, 'pass n >= 0');
  const allowDelimiter = options.allowDelimiter ?? false;
  const allowed = allowedLabels(world, allowDelimiter);
  const scratch = new Float64Array(world.m);
  const label = options.label ?? 'sample';
  const demos: [number[], number][] = [];
  const demoClasses: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = segment(world, taskIndex, k, rng, label, allowDelimiter, allowed, scratch);
    demos.push([s.x, s.y]);
    if (s.xClass !== undefined) demoClasses.push(s.xClass);
  }
  const q = segment(world, taskIndex, k, rng, options.queryLabel ?? label, allowDelimiter, allowed, scratch);
  const prompt = { task: taskIndex, demos, query: q.x, queryLabel: q.y };
  return q.xClass === undefined ? prompt : { ...prompt, queryClass: q.xClass, demoClasses };
}

/**
 * A prompt like `samplePrompt`'s whose first m demonstrations do not depend on n: the query comes
 * from a stream forked off `rng` first, the demonstrations from `rng` after it. Scoring its
 * prefixes makes a convergence curve whose rows do not depend on the largest n asked for.
 */
export function samplePrefixPrompt(world: World, taskIndex: number, n: number, k: number, rng: Rng, options: PromptOptions = {}): Prompt {
  const query = samplePrompt(world, taskIndex, 0, k, rng.fork(), options);
  const demos = samplePrompt(world, taskIndex, n, k, rng, options);
  const prompt = { task: taskIndex, demos: demos.demos, query: query.query, queryLabel: query.queryLabel };
  return query.queryClass === undefined ? prompt : { ...prompt, queryClass: query.queryClass, demoClasses: demos.demoClasses };
}

/** The prompt as one token sequence: `x_1 y_1 delim ... x_n y_n delim x_test`. */
export function promptTokens(prompt: Pick<Prompt, 'demos' | 'query'>, delimiter: number): number[] {
  const out: number[] = [];
  for (const [x, y] of prompt.demos) out.push(...x, y, delimiter);
  out.push(...prompt.query);
  return out;
}

/** Options of `documents`: how many documents, each exactly `length` tokens. */
export interface DocumentOptions {
  readonly docs: number;
  readonly length: number;
  /**
   * After each delimiter, draw the next state from the document's task start distribution
   * (default false: follow the HMM's own transition, as GINC does; in the random world the
   * delimiter state returns to the prior mixture of start states, so the task can change).
   */
  readonly restart?: boolean;
}

/** Checks document options, returning them with defaults filled in. */
export function checkDocumentOptions(options: DocumentOptions): Required<DocumentOptions> {
  for (const key of ['docs', 'length'] as const) {
    const v = options[key];
    if (!Number.isSafeInteger(v) || v < 1) throw new OptionError(`${key} ${v} is not an integer >= 1`, `pass ${key} >= 1`);
  }
  return { docs: options.docs, length: options.length, restart: options.restart ?? false };
}

/** Draws the task of a document from the prior. */
export function documentTaskSampler(world: World): (rng: Rng) => number {
  const priors = world.tasks.map((t) => t.prior);
  return (rng) => rng.categorical(priors);
}

/** One pre-training document: its task and its tokens. */
export interface Document {
  readonly task: number;
  readonly tokens: Uint32Array;
}

/** Pre-training documents, one at a time: a task per document from the prior, then `length` tokens from its HMM. */
export function* documents(world: World, options: DocumentOptions, rng: Rng): Generator<Document> {
  const { docs, length, restart } = checkDocumentOptions(options);
  const pick = documentTaskSampler(world);
  for (let i = 0; i < docs; i++) {
    const task = pick(rng);
    const tokens = new Uint32Array(length);
    emitDocument(world, task, tokens, 0, length, restart, rng);
    yield { task, tokens };
  }
}
