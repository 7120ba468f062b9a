/**
 * The task-world side of the comparison: each prompt case is a query of a task drawn by prior, with
 * its own pool of `pool` demonstrations drawn from the same task; the model's views of every pool
 * input (each run alone), the world's kernels against each pool and the exact Bayesian predictive.
 */
import { type Matrix, OptionError, Rng } from '@iclkr/core';
import { type HookedModel, spanLogLikelihoods, tokenPromptSpans } from '@iclkr/probing';
import {
  bayesPredictive,
  defaultEstimatorKernel,
  type EstimatorKernel,
  estimatorKernelRows,
  type Prompt,
  promptTokens,
  samplePrompt,
  TheoremKernel,
  type World,
} from '@iclkr/theory';
import { promptLength, taskPool } from '../icl/evaluate.js';
import type { ExperimentIo } from '../io.js';
import { worldLabels } from '../probe/world-prompts.js';
import type { ComparisonSide, PoolView, PromptCase } from './engine.js';
import { type HeadChoice, matrixOf, runAlone } from './model-views.js';
import { checkWorldVocabulary } from '../world.js';

/** Where a head's key is read in a demonstration run alone: its label token, or the delimiter after it. */
export type KeyPosition = 'label' | 'delimiter';

/** What the world side builds. */
export interface WorldSideSettings {
  readonly prompts: number;
  /** Demonstrations per prompt's pool, all of the prompt's task. */
  readonly pool: number;
  /** Input length k. */
  readonly length: number;
  readonly largestShots: number;
  readonly seed: number;
  readonly batch: number;
  readonly views: ReadonlySet<PoolView>;
  /** The world kernels the strategies rank by. */
  readonly kernels: ReadonlySet<'true' | 'belief'>;
  readonly layer: number;
  readonly head?: HeadChoice;
  readonly keyPosition: KeyPosition;
  /** Samples of x behind the theorem kernel's Sigma (default THEOREM_KERNEL_DEFAULTS.samples, 2000). */
  readonly sigmaSamples?: number;
}

/** A world input as words for the lexical strategies (bm25, TF-IDF): token t is the word `t<t>`. */
export const tokenWords = (x: readonly number[]): string => x.map((t) => `t${t}`).join(' ');

/** The true kernel `true-kernel` ranks by in a world: the theorem's where its operator fits, else the belief-state one (as simulate chooses). */
export function trueKernelOf(world: World): EstimatorKernel {
  return defaultEstimatorKernel(world);
}

/** `score` of each distinct sequence once (worlds repeat their short lines often), spread back over `sequences`. */
function distinctScores(sequences: readonly number[][], score: (unique: number[][]) => ArrayLike<number>): Float64Array {
  const index = new Map<string, number>();
  const unique: number[][] = [];
  const at = sequences.map((s) => {
    const key = s.join(',');
    let i = index.get(key);
    if (i === undefined) {
      i = unique.length;
      index.set(key, i);
      unique.push(s);
    }
    return i;
  });
  const values = score(unique);
  return Float64Array.from(at, (i) => values[i]);
}

/** Distinct inputs a kernel table may have on one side (a table row holds that many operators at once). */
const TABLE_INPUTS = 256;

/**
 * K(x_test, x_i) for every prompt's pool: from a table over the distinct queries and pool inputs
 * where that is the smaller computation (worlds of short inputs repeat them: the recall world has
 * 32), else prompt by prompt. Either way the values are estimatorKernelRows'.
 */
export function worldKernelRows(
  world: World,
  prompts: readonly Prompt[],
  name: EstimatorKernel,
  theorem: TheoremKernel | undefined,
  onProgress?: (done: number, total: number) => void,
): Float64Array[] {
  const key = (x: readonly number[]) => x.join(',');
  const inputs = new Map<string, number[]>();
  const queries = new Map<string, number[]>();
  for (const p of prompts) {
    queries.set(key(p.query), p.query);
    for (const [x] of p.demos) inputs.set(key(x), x);
  }
  const size = prompts[0]?.demos.length ?? 0;
  if (inputs.size > TABLE_INPUTS || queries.size * inputs.size > prompts.length * size) {
    return estimatorKernelRows(world, prompts, name, theorem, undefined, (_stage, done, total) => onProgress?.(done, total));
  }
  const xs = [...inputs.values()];
  const column = new Map(xs.map((x, i) => [key(x), i]));
  const qs = [...queries.values()];
  const label = world.spec.labels?.[0] ?? 0;
  const table = estimatorKernelRows(
    world,
    qs.map((q) => ({ task: 0, demos: xs.map((x): [number[], number] => [x, label]), query: q, queryLabel: label })),
    name,
    theorem,
    undefined,
    (_stage, done, total) => onProgress?.(done, total),
  );
  const row = new Map(qs.map((q, i) => [key(q), table[i]]));
  return prompts.map((p) => {
    const values = row.get(key(p.query))!;
    return Float64Array.from(p.demos, ([x]) => values[column.get(key(x))!]);
  });
}

/** The world side of a comparison (the caller disposes nothing: the theorem kernel is freed here once its rows are computed). */
export function worldSide(model: HookedModel, world: World, settings: WorldSideSettings, io: ExperimentIo): ComparisonSide {
  const { prompts: count, pool: size, length: k, seed } = settings;
  if (size < settings.largestShots)
    throw new OptionError(
      `--pool ${size} is smaller than the largest --shots ${settings.largestShots}`,
      `pass --pool ${settings.largestShots} or more, or fewer --shots`,
    );
  const longest = promptLength(settings.largestShots, k);
  if (longest > model.config.nCtx)
    throw new OptionError(
      `a prompt with n = ${settings.largestShots} demonstrations of length k = ${k} has ${longest} tokens, more than the model's context of ${model.config.nCtx}`,
      `pass --shots with n * (k + 2) + k <= ${model.config.nCtx}`,
    );
  checkWorldVocabulary(model, world, 'compare');
  const tasks = taskPool(world, false);
  if (tasks.tasks.length === 0) throw new OptionError('the world has no task with prior > 0', 'fix the world');
  const { tokens: labelTokens } = worldLabels(world);
  const rng = new Rng((seed * 1_000_003 + 0x7e7) | 0);
  const prompts: Prompt[] = Array.from({ length: count }, () =>
    samplePrompt(world, tasks.tasks[rng.categorical(tasks.weights)], size, k, rng),
  );
  const label = (y: number) => labelTokens.indexOf(y);
  const cases: PromptCase[] = prompts.map((p, i) => ({
    poolId: i,
    pool: { texts: p.demos.map(([x]) => tokenWords(x)), labels: p.demos.map(([, y]) => label(y)), numClasses: labelTokens.length },
    query: tokenWords(p.query),
    gold: label(p.queryLabel),
    ...(p.demoClasses !== undefined && p.queryClass !== undefined ? { classes: p.demoClasses, queryClass: p.queryClass } : {}),
  }));
  const progress = (label: string) => (done: number, total: number) => io.progress(done, total, label);
  // Every pool input and query alone, once (inputs repeat across pools: each distinct one runs once).
  const inputs = [...prompts.flatMap((p) => p.demos.map(([x]) => x)), ...prompts.map((p) => p.query)];
  const alone = runAlone(model, inputs, { distribution: true, hiddenLayer: settings.layer }, settings.batch, progress('pool inputs alone'));
  // The query line as a prompt has it, after a delimiter: no x_test stands at the start of a
  // prompt (the text side runs the template's query line the same way).
  const queryLines = prompts.map((p) => [world.delimiter, ...p.query]);
  const queryVectors = settings.views.has('key')
    ? runAlone(model, queryLines, { head: settings.head, query: true }, settings.batch, progress('queries alone')).queries
    : [];
  const lines = prompts.flatMap((p) => p.demos.map(([x, y]) => [...x, y, world.delimiter]));
  const keyAt = settings.keyPosition === 'label' ? k : k + 1;
  const keys = settings.views.has('key')
    ? runAlone(model, lines, { head: settings.head, keyPositions: lines.map(() => keyAt) }, settings.batch, progress('pool lines alone'))
        .keys
    : [];
  const likelihoods = settings.views.has('likelihood')
    ? distinctScores(lines, (unique) =>
        spanLogLikelihoods(
          model,
          unique,
          unique.map((l) => ({ start: 1, end: l.length })),
          { batchSize: settings.batch, onProgress: progress('pool log-likelihoods') },
        ),
      )
    : undefined;
  const { vocabSize, dModel, dHead } = model.config;
  const poolRows = (rows: readonly Float32Array[], i: number, cols: number): Matrix => matrixOf(rows.slice(i * size, (i + 1) * size), cols);
  const kernelRows = new Map<'true' | 'belief', Float64Array[]>();
  for (const kind of settings.kernels) {
    const name = kind === 'true' ? trueKernelOf(world) : 'belief';
    const theorem =
      name === 'theorem'
        ? new TheoremKernel(
            world,
            {
              inputLength: k,
              samples: settings.sigmaSamples,
              onProgress: (done, total) => io.progress(done, total, 'Sigma of the theorem kernel'),
            },
            new Rng(seed ^ 0x5eed),
          )
        : undefined;
    try {
      kernelRows.set(
        kind,
        worldKernelRows(world, prompts, name, theorem, (done, total) => io.progress(done, total, `${name} kernel`)),
      );
    } finally {
      theorem?.dispose();
    }
  }
  const queryRow = (i: number, rows: readonly Float32Array[]) => rows[count * size + i];
  return {
    model,
    numClasses: labelTokens.length,
    labelTokens,
    cases,
    batch: settings.batch,
    poolView(poolId, view) {
      if (view === 'distribution') return poolRows(alone.distributions, poolId, vocabSize);
      if (view === 'hidden') return poolRows(alone.hidden, poolId, dModel);
      if (view === 'key') return poolRows(keys, poolId, dHead);
      return { rows: size, cols: 1, data: Float32Array.from(likelihoods!.subarray(poolId * size, (poolId + 1) * size)) };
    },
    queryView(caseIndex, view) {
      if (view === 'distribution') return queryRow(caseIndex, alone.distributions);
      if (view === 'hidden') return queryRow(caseIndex, alone.hidden);
      return queryVectors[caseIndex];
    },
    kernel(caseIndex, kind) {
      const rows = kernelRows.get(kind);
      if (rows === undefined) throw new OptionError(`the ${kind} kernel was not computed`, 'ask for its strategy');
      return rows[caseIndex];
    },
    prompt(caseIndex, chosen) {
      const p = prompts[caseIndex];
      return {
        tokens: promptTokens({ demos: chosen.map((i) => p.demos[i]), query: p.query }, world.delimiter),
        spans: tokenPromptSpans(chosen.length, k),
      };
    },
    bayes(items) {
      const labelsOnly = world.spec.labels !== undefined;
      const out: Float64Array[] = [];
      const chunk = 256;
      for (let start = 0; start < items.length; start += chunk) {
        const part = items.slice(start, start + chunk).map(({ caseIndex, chosen }) => {
          const p = prompts[caseIndex];
          return { demos: chosen.map((i) => p.demos[i]), query: p.query };
        });
        for (const b of bayesPredictive(world, part, { labelsOnly })) out.push(Float64Array.from(labelTokens, (t) => b.predictive[t]));
        io.progress(Math.min(start + chunk, items.length), items.length, 'bayes');
      }
      return out;
    },
  };
}
