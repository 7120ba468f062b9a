/** Probing prompts from a task world: sampled ICL prompts with spans, label ids, classes and the world's true kernels. */
import { OptionError, Rng } from '@iclkr/core';
import { tokenPromptSpans, type ProbePrompt } from '@iclkr/probing';
import {
  defaultEstimatorKernel,
  type EstimatorKernel,
  estimatorKernelRows,
  MAX_OPERATOR_DIMENSION,
  promptTokens,
  samplePrompt,
  TheoremKernel,
  type World,
} from '@iclkr/theory';
import { taskPool } from '../icl/evaluate.js';

/** What to sample: n demonstrations of length k per prompt, `prompts` prompts in batches. */
export interface WorldPromptSettings {
  readonly shots: number;
  readonly length: number;
  readonly prompts: number;
  readonly ood: boolean;
  readonly seed: number;
  readonly batch: number;
  /** The headline true kernel (default: the theorem's where it fits). */
  readonly kernel?: (typeof TRUE_KERNELS)[number];
  /** Attach the true kernels K(x_test, x_i) (default true); the same prompts are drawn either way. */
  readonly trueKernels?: boolean;
}

/** The label tokens of a world (its label set, else every token but the delimiter) and their names. */
export function worldLabels(world: World): { tokens: number[]; names: string[] } {
  const tokens = world.spec.labels
    ? [...world.spec.labels]
    : Array.from({ length: world.m }, (_, t) => t).filter((t) => t !== world.delimiter);
  return { tokens, names: tokens.map((t) => `token ${t}`) };
}

/** True kernels a probe can compare attention with. */
export const TRUE_KERNELS = ['theorem', 'belief'] as const;

/**
 * The true kernels the correlations and baselines use, the headline first: the theorem's (where
 * its operator fits) and the belief-state inner product; `headline` picks the first (default the
 * theorem's where it fits).
 */
export function trueKernelNames(world: World, headline?: (typeof TRUE_KERNELS)[number]): EstimatorKernel[] {
  const fits = defaultEstimatorKernel(world) === 'theorem';
  if (headline === 'theorem' && !fits) {
    throw new OptionError(
      `the theorem's kernel does not fit this world (vec(T_x) above ${MAX_OPERATOR_DIMENSION} values)`,
      'pass --kernel belief',
    );
  }
  const all: EstimatorKernel[] = fits ? ['theorem', 'belief'] : ['belief'];
  return headline === undefined ? all : [headline, ...all.filter((k) => k !== headline)];
}

/**
 * Batches of probing prompts, sampled as `iclkr icl` samples them (tasks by prior, or uniform
 * over the out-of-distribution ones), each carrying K(x_test, x_i) under every true kernel.
 */
export function* worldPrompts(world: World, settings: WorldPromptSettings): Generator<ProbePrompt[]> {
  const { shots: n, length: k } = settings;
  if (n < 1) throw new OptionError(`--shots ${n} leaves no demonstration to attend to`, 'pass --shots 1 or more (the paper reads n = 16)');
  const pool = taskPool(world, settings.ood);
  if (pool.tasks.length === 0)
    throw new OptionError(
      `the world has no ${settings.ood ? 'out-of-distribution task (prior 0)' : 'task with prior > 0'}`,
      settings.ood ? 'drop --ood' : 'fix the world',
    );
  const { tokens: labelTokens } = worldLabels(world);
  const rng = new Rng((settings.seed * 1_000_003 + n * 1009 + k * 31 + (settings.ood ? 7 : 0)) | 0);
  const kernels = settings.trueKernels === false ? [] : trueKernelNames(world, settings.kernel);
  const theorem = kernels.includes('theorem') ? new TheoremKernel(world, { inputLength: k }, new Rng(settings.seed ^ 0x5eed)) : undefined;
  const spans = tokenPromptSpans(n, k);
  try {
    for (let start = 0; start < settings.prompts; start += settings.batch) {
      const count = Math.min(settings.batch, settings.prompts - start);
      const prompts = Array.from({ length: count }, () => samplePrompt(world, pool.tasks[rng.categorical(pool.weights)], n, k, rng));
      const values = kernels.map((name) => estimatorKernelRows(world, prompts, name, theorem));
      yield prompts.map((p, i) => ({
        tokens: promptTokens(p, world.delimiter),
        spans,
        labels: p.demos.map(([, y]) => labelTokens.indexOf(y)),
        gold: labelTokens.indexOf(p.queryLabel),
        ...(p.demoClasses !== undefined && p.queryClass !== undefined ? { classes: p.demoClasses, queryClass: p.queryClass } : {}),
        ...(kernels.length > 0 ? { trueKernels: Object.fromEntries(kernels.map((name, j) => [name, values[j][i]])) } : {}),
      }));
    }
  } finally {
    theorem?.dispose();
  }
}
