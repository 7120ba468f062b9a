/**
 * The OOD experiment (SPEC §4, "choose in-distribution demonstrations"): in a world, the model's
 * accuracy on out-of-distribution tasks (prior 0) beside the theory's bias term eta^2 eps_theta of
 * each, with in-distribution tasks as the reference; on text, seeded typo noise on the queries.
 */
import { type InsightsTaskRow, type InsightsTypoRow, OptionError } from '@iclkr/core';
import { argmaxCredit, wilsonProportion } from '@iclkr/kernels';
import { defaultEstimatorKernel, MAX_OPERATOR_DIMENSION, TheoremKernel } from '@iclkr/theory';
import { taskPool } from '../icl/evaluate.js';
import type { ExperimentIo } from '../io.js';
import { throwIfAborted } from '../meta.js';
import { type InsightsSettings, Stage, stageProgress } from './common.js';
import { checkTypoRate, streamRng, typoNoise } from './noise.js';
import type { TextPrompts, WorldPrompts } from './prompts.js';
import { type LaidOutPrompt, scorePrompts } from './score.js';

/** The typo rates the paper's setting asks for by default. */
export const DEFAULT_TYPO_RATES = [0, 0.05, 0.1, 0.2] as const;

/** How the OOD experiment runs in a world: tasks scored and the samples behind eps_theta. */
export interface WorldOodSettings extends InsightsSettings {
  /** Out-of-distribution tasks scored (a seeded choice), each beside as many in-distribution tasks. */
  readonly tasks: number;
  /** Inputs drawn from each task for its Sigma_theta (simulate's 300 by default). */
  readonly epsSamples: number;
  /** Inputs from the pre-training mixture for Sigma (the theorem kernel's 2000 by default). */
  readonly sigmaSamples: number;
}

/** The accuracy (argmax credit against gold) of laid-out prompts, progress through `onBatch`. */
function accuracyOf(
  space: { model: WorldPrompts['model'] },
  laid: readonly LaidOutPrompt[],
  batch: number,
  onBatch: (done: number) => void,
) {
  const hits = new Array<number>(laid.length);
  scorePrompts(space.model, laid, { attention: false, batch, onBatch }, (i, s) => {
    hits[i] = argmaxCredit(s.distribution, laid[i].gold);
  });
  return wilsonProportion(hits);
}

/**
 * Whether every task draws an input x of length k from the same distribution: the same start
 * distribution, the same emissions of the states x may be emitted from, and the same transitions
 * between them. Then Sigma_theta = Sigma for every task, so eps_theta = 0 exactly (as in a
 * classify world, whose tasks differ only in the label each class leads to).
 */
export function inputsShareDistribution(world: WorldPrompts['world'], k: number): boolean {
  const { tasks, d, m } = world;
  const same = (a: Float64Array, b: Float64Array, from: number, length: number) => {
    for (let i = from; i < from + length; i++) if (a[i] !== b[i]) return false;
    return true;
  };
  if (!tasks.every((t) => same(t.start, tasks[0].start, 0, d))) return false;
  let states = new Set<number>();
  for (const t of tasks) t.start.forEach((p, s) => p > 0 && states.add(s));
  for (let step = 1; step <= k; step++) {
    for (const s of states) if (!tasks.every((t) => same(t.emission, tasks[0].emission, s * m, m))) return false;
    if (step === k) break;
    const next = new Set<number>();
    for (const s of states) {
      if (!tasks.every((t) => same(t.transition, tasks[0].transition, s * d, d))) return false;
      for (let s2 = 0; s2 < d; s2++) if (tasks[0].transition[s * d + s2] > 0) next.add(s2);
    }
    states = next;
  }
  return true;
}

/**
 * Per scored task and n: the model's accuracy on prompts of that task alone, beside eps_theta
 * (||Sigma_theta - Sigma||_F / ||Sigma||_F, estimated as `iclkr simulate` does) and eta^2 eps_theta.
 */
export function worldOodRows(
  space: WorldPrompts,
  settings: WorldOodSettings,
  io: ExperimentIo,
): { rows: InsightsTaskRow[]; eta: number | null; boundsNote: string; sameInputs: boolean; epsEstimate: number | null } {
  const { world } = space;
  const ood = taskPool(world, true).tasks;
  const inDistribution = taskPool(world, false).tasks;
  if (ood.length === 0)
    throw new OptionError(
      `world ${space.source} has no out-of-distribution task (prior 0)`,
      'use a world with held-out tasks, e.g. recall or classify (oodLabellings)',
    );
  const pick = (tasks: readonly number[], key: number) =>
    streamRng(settings.seed, 0x00d, key)
      .shuffle([...tasks])
      .slice(0, settings.tasks)
      .sort((a, b) => a - b);
  const tasks = [...pick(ood, 1).map((t) => ({ task: t, ood: true })), ...pick(inDistribution, 0).map((t) => ({ task: t, ood: false }))];
  const sameInputs = inputsShareDistribution(world, space.length);
  let eta: number | null = null;
  let epsEstimate: number | null = null;
  const eps = new Map<number, number>();
  let boundsNote: string;
  if (defaultEstimatorKernel(world) === 'theorem') {
    // Where every task draws x alike, Sigma_theta = Sigma exactly: one estimate shows the estimator's bias, the rows hold 0.
    const estimated = sameInputs ? tasks.slice(0, 1) : tasks;
    io.log(
      `estimating Sigma from ${settings.sigmaSamples} inputs and eps_theta of ${estimated.length} task(s) from ${settings.epsSamples} each`,
    );
    const theorem = new TheoremKernel(
      world,
      { inputLength: space.length, samples: settings.sigmaSamples, onProgress: stageProgress(io, 'sigma', 3) },
      streamRng(settings.seed, 0x5eed),
    );
    try {
      eta = theorem.eta;
      const progress = stageProgress(io, 'eps_theta', estimated.length);
      estimated.forEach(({ task }, i) => {
        // The same draws for every task (common random numbers): tasks that differ only in chance show no difference.
        eps.set(task, theorem.epsTheta(task, settings.epsSamples, streamRng(settings.seed, 0xe95)));
        progress(i + 1);
      });
    } finally {
      theorem.dispose();
    }
    const drawn =
      `eta = sup ||T_x||_F over the ${settings.sigmaSamples} inputs behind Sigma; eps_theta from ${settings.epsSamples} inputs ` +
      'of a task against them (the Monte Carlo estimate iclkr simulate makes, on the same draws for every task)';
    if (sameInputs) {
      epsEstimate = eps.get(tasks[0].task)!;
      for (const { task } of tasks) eps.set(task, 0);
      boundsNote =
        `${drawn}. Every task here draws x from the same distribution, so Sigma_theta = Sigma and eps_theta = 0 exactly for ` +
        `every task; the estimator gives ${epsEstimate.toPrecision(3)} for any of them, its bias at these sample counts.`;
    } else {
      boundsNote = `${drawn}.`;
    }
  } else {
    boundsNote = `not computed: the theorem's operator vec(T_x) of this world is above ${MAX_OPERATOR_DIMENSION} values`;
  }
  const rows: InsightsTaskRow[] = [];
  const total = tasks.length * settings.shots.length * settings.prompts;
  const stage = new Stage(io, 'ood', total);
  for (const { task, ood: isOod } of tasks) {
    for (const n of settings.shots) {
      throwIfAborted(io.signal);
      const base = space.draw(n, settings.prompts, settings.seed, { task });
      const laid = base.map((p) => space.layOut(p, space.natural));
      const [accuracy, accuracyCi] = accuracyOf(space, laid, settings.batch, stage.advance);
      const e = eps.get(task) ?? null;
      rows.push({
        task,
        name: world.tasks[task].name ?? `task ${task}`,
        ood: isOod,
        n,
        prompts: laid.length,
        accuracy,
        accuracyCi,
        epsTheta: e,
        bias: e === null || eta === null ? null : eta * eta * e,
      });
    }
  }
  return { rows, eta, boundsNote, sameInputs, epsEstimate };
}

/**
 * Per rate and n: the model's accuracy with seeded typo noise on the queries (the demonstrations
 * stay clean); every rate and n sees the same queries and demonstrations, and a query's noise
 * depends only on the seed, the query and the rate.
 */
export function textOodRows(
  space: TextPrompts,
  settings: InsightsSettings & { readonly rates: readonly number[] },
  io: ExperimentIo,
): InsightsTypoRow[] {
  const rates = [...new Set(settings.rates)].sort((a, b) => a - b);
  rates.forEach(checkTypoRate);
  const rows: InsightsTypoRow[] = [];
  const total = settings.shots.length * rates.length * settings.prompts;
  const stage = new Stage(io, 'ood', total);
  for (const n of settings.shots) {
    const base = space.draw(n, settings.prompts, settings.seed);
    for (const rate of rates) {
      let edits = 0;
      let editable = 0;
      const laid = base.map((p) => {
        const noisy = typoNoise(p.query, rate, streamRng(settings.seed, 0x7790, p.key, Math.round(rate * 1e6)));
        edits += noisy.edits;
        editable += noisy.editable;
        return space.layOut(p, space.natural, undefined, noisy.text);
      });
      const [accuracy, accuracyCi] = accuracyOf(space, laid, settings.batch, stage.advance);
      rows.push({ rate, editRate: editable === 0 ? 0 : edits / editable, n, prompts: laid.length, accuracy, accuracyCi });
    }
  }
  return rows;
}
