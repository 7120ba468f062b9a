/**
 * In-context evaluation of a model on a world's prompts: its prediction at the query position
 * against the sampled label, against the exact Bayesian predictive, and against two baselines on
 * the same prompts (the demonstrations' majority label, and the same-class oracle).
 */
import { type IclRow, OptionError, Rng } from '@iclkr/core';
import { argmax, argmaxCredit, wilsonProportion } from '@iclkr/kernels';
import { type HookedModel, nextTokenDistributions } from '@iclkr/probing';
import { bayesPredictive, type Prompt, promptTokens, samplePrompt, type World } from '@iclkr/theory';
import { checkWorldVocabulary } from '../world.js';

/** What to evaluate: every (n, k) pair, in and (optionally) out of distribution. */
export interface IclSettings {
  readonly shots: readonly number[];
  readonly lengths: readonly number[];
  readonly prompts: number;
  /** Evaluate out-of-distribution tasks (prior 0) too. */
  readonly ood: boolean;
  readonly seed: number;
}

/** Tokens of a prompt with n demonstrations of length k: `x y delim` each, then x_test. */
export function promptLength(n: number, k: number): number {
  return n * (k + 2) + k;
}

/** The tasks prompts are drawn from, with their weights: the prior, or uniform over the prior-0 tasks. */
export function taskPool(world: World, ood: boolean): { tasks: number[]; weights: number[] } {
  const tasks = world.tasks.flatMap((t, i) => ((ood ? t.prior === 0 : t.prior > 0) ? [i] : []));
  return { tasks, weights: tasks.map((i) => (ood ? 1 : world.tasks[i].prior)) };
}

/** Majority label of `labels` among `candidates` (index into `scored`), ties broken at random; a uniform guess when empty. */
function majority(labels: readonly number[], scored: readonly number[], rng: Rng): number {
  const counts = new Map<number, number>(scored.map((t) => [t, 0]));
  for (const y of labels) counts.set(y, (counts.get(y) ?? 0) + 1);
  const top = Math.max(...counts.values());
  const tied = scored.filter((t) => counts.get(t) === top);
  return tied[rng.int(tied.length)];
}

/** Checks that every prompt fits the model's context before any work is done. */
export function checkPromptsFit(settings: IclSettings, nCtx: number): void {
  for (const n of settings.shots) {
    for (const k of settings.lengths) {
      const length = promptLength(n, k);
      if (length > nCtx) {
        throw new OptionError(
          `a prompt with n = ${n} demonstrations of length k = ${k} has ${length} tokens, more than the model's context of ${nCtx}`,
          `pass --shots and --lengths with n * (k + 2) + k <= ${nCtx}`,
        );
      }
    }
  }
}

/** Scores one batch of prompts (same n, k, distribution) into a row. */
function scoreRow(model: HookedModel, world: World, prompts: Prompt[], n: number, k: number, ood: boolean, rng: Rng): IclRow {
  const labels = world.spec.labels;
  const scored = labels ?? Array.from({ length: world.m }, (_, t) => t).filter((t) => t !== world.delimiter);
  const model_ = nextTokenDistributions(
    model,
    prompts.map((p) => promptTokens(p, world.delimiter)),
    { restrict: scored },
  );
  const bayes = bayesPredictive(world, prompts, { labelsOnly: labels !== undefined });
  const hits: number[] = [];
  const bayesHits: number[] = [];
  const agree: number[] = [];
  const majorityHits: number[] = [];
  const oracleHits: number[] = [];
  let kl = 0;
  prompts.forEach((p, i) => {
    const q = model_[i];
    const b = scored.map((t) => bayes[i].predictive[t]);
    const gold = scored.indexOf(p.queryLabel);
    hits.push(argmaxCredit(q, gold));
    bayesHits.push(argmaxCredit(b, gold));
    agree.push(argmaxCredit(q, argmax(b)));
    for (let c = 0; c < b.length; c++) if (b[c] > 0) kl += (b[c] * Math.log(b[c] / Math.max(q[c], 1e-12))) / prompts.length;
    const demoLabels = p.demos.map(([, y]) => y);
    majorityHits.push(majority(demoLabels, scored, rng) === p.queryLabel ? 1 : 0);
    if (p.demoClasses !== undefined && p.queryClass !== undefined) {
      const same = demoLabels.filter((_, j) => p.demoClasses![j] === p.queryClass);
      oracleHits.push(majority(same.length > 0 ? same : demoLabels, scored, rng) === p.queryLabel ? 1 : 0);
    }
  });
  const [accuracy, accuracyCi] = wilsonProportion(hits);
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  return {
    n,
    k,
    ood,
    prompts: prompts.length,
    accuracy,
    bayesAccuracy: mean(bayesHits),
    agreementWithBayes: mean(agree),
    majorityAccuracy: mean(majorityHits),
    oracleAccuracy: oracleHits.length === prompts.length ? mean(oracleHits) : null,
    klFromBayes: kl,
    accuracyCi,
  };
}

/**
 * Evaluates `model` on prompts of `world` for every (n, k) (and out of distribution when asked);
 * `onProgress(done, total)` after each row.
 */
export function evaluateIcl(
  model: HookedModel,
  world: World,
  settings: IclSettings,
  onProgress?: (done: number, total: number) => void,
): IclRow[] {
  checkPromptsFit(settings, model.config.nCtx);
  checkWorldVocabulary(model, world, 'evaluate');
  const dists = settings.ood ? [false, true] : [false];
  for (const ood of dists) {
    if (taskPool(world, ood).tasks.length === 0) {
      throw new OptionError(
        `the world has no ${ood ? 'out-of-distribution tasks (prior 0)' : 'task with prior > 0'}`,
        ood ? 'drop --ood' : 'fix the world',
      );
    }
  }
  const rows: IclRow[] = [];
  const total = dists.length * settings.shots.length * settings.lengths.length;
  for (const ood of dists) {
    const pool = taskPool(world, ood);
    for (const k of settings.lengths) {
      for (const n of settings.shots) {
        // One stream per (n, k, ood): a row's prompts do not depend on which other rows were asked.
        const rng = new Rng((settings.seed * 1_000_003 + n * 1009 + k * 31 + (ood ? 7 : 0)) | 0);
        const prompts = Array.from({ length: settings.prompts }, () =>
          samplePrompt(world, pool.tasks[rng.categorical(pool.weights)], n, k, rng),
        );
        rows.push(scoreRow(model, world, prompts, n, k, ood, rng));
        onProgress?.(rows.length, total);
      }
    }
  }
  return rows;
}
