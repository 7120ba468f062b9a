import { type ConvergenceRow, type ConvergenceStats, DataError, OptionError, Rng, tf } from '@iclkr/core';
import { argmax, argmaxCredit, augmentedTargets, combineScores, wilsonProportion } from '@iclkr/kernels';
import { type BayesMode, type BayesPrediction, bayesPredictive, type IclPrompt } from './bayes.js';
import { beliefVectors, dynamicsBlocks } from './belief.js';
import { type Prompt, samplePrefixPrompt } from './sample.js';
import { MAX_OPERATOR_DIMENSION, TheoremKernel } from './theorem-kernel.js';
import type { World } from './world.js';

/** The paper's Table 3 (random HMMs, 8 tasks, 80 states, 100 tokens): distance and accuracy per n, to print beside ours. */
export const PAPER_TABLE3: { readonly n: readonly number[]; readonly distance: readonly number[]; readonly accuracy: readonly number[] } = {
  n: [1, 2, 4, 8, 16, 32, 64, 128],
  distance: [1.322, 0.942, 0.519, 0.218, 0.163, 0.085, 0.093, 0.083],
  accuracy: [0.337, 0.532, 0.745, 0.901, 0.926, 0.968, 0.961, 0.964],
};

/** Default temperature tau of the attention kernel on belief vectors. */
export const DEFAULT_TEMPERATURE = 0.05;

/** Kernels the convergence experiment can use for its estimator. */
export const ESTIMATOR_KERNELS = ['theorem', 'belief', 'cosine', 'attention'] as const;

/** The estimator's kernel: the theorem's vec(T_x)^T Sigma^-1 vec(T_x'), or a belief-vector kernel. */
export type EstimatorKernel = (typeof ESTIMATOR_KERNELS)[number];

/** Settings of the convergence experiment (SPEC §2, the paper's Table 3). */
export interface ConvergenceSettings {
  /** Numbers of demonstrations n (default 1, 2, 4, ..., 128). */
  readonly shots: readonly number[];
  /** Prompts per n (the same prompts' first n demonstrations serve every n). */
  readonly prompts: number;
  /** Default: theorem where vec(T_x) fits (MAX_OPERATOR_DIMENSION), else belief. */
  readonly kernel?: EstimatorKernel;
  readonly seed: number;
  /** Example length k (default: the world's inputLength, else 2). */
  readonly inputLength?: number;
  /** How the exact predictive treats delimiters (default restart, the theorem's assumption). */
  readonly mode?: BayesMode;
  /** Samples of x from the pre-training distribution used to estimate Sigma (default 2000). */
  readonly sigmaSamples?: number;
  /** Ridge added to Sigma, relative to its mean eigenvalue (default THEOREM_KERNEL_DEFAULTS.ridge, 0.1). */
  readonly ridge?: number;
  /** Temperature tau of the attention kernel on belief vectors (default 0.05). */
  readonly temperature?: number;
  /** Draw prompts from out-of-distribution tasks (prior 0) instead of in-distribution ones. */
  readonly ood?: boolean;
  /**
   * Estimate the bound's eps_theta per task (theorem kernel): `true`, `false`, or `auto` (the
   * default), which skips it where it would cost more than BOUNDS_AUTO_FLOPS (e.g. the recall
   * world's 256 tasks with operators of 23,232 values: minutes) and says so in the settings.
   */
  readonly bounds?: boolean | 'auto';
}

/** What the experiment measured: one row per n, every choice made, the bound's constants. */
export interface ConvergenceResult {
  readonly rows: ConvergenceRow[];
  readonly settings: Record<string, unknown>;
  readonly bounds: { eta: number | null; epsTheta: number[] | null };
  readonly seconds: number;
}

/** Progress of the experiment's stages. */
export type ConvergenceProgress = (stage: 'sigma' | 'prompts' | 'bayes' | 'bounds', done: number, total: number) => void;

/** Additive smoothing of estimates before KL(Bayes || estimate), so labels no demonstration has do not make KL infinite. */
const KL_SMOOTHING = 1e-4;
/** Samples per task for eps_theta. */
const EPS_SAMPLES = 300;
/** The most floating-point work `bounds: 'auto'` spends on eps_theta (about 5 s on the 2-core wasm backend). */
export const BOUNDS_AUTO_FLOPS = 1.5e11;

/** The floating-point work of eps_theta for every task: per task, a samples x D by D x (samples + Sigma samples) product. */
function boundsFlops(tasks: number, dimension: number, sigmaSamples: number): number {
  return 2 * tasks * EPS_SAMPLES * dimension * (EPS_SAMPLES + sigmaSamples);
}

/** Default kernel for a world: the theorem's where its operator fits, else the belief-vector inner product. */
export function defaultEstimatorKernel(world: World): EstimatorKernel {
  return dynamicsBlocks(world).length * world.d * world.d <= MAX_OPERATOR_DIMENSION ? 'theorem' : 'belief';
}

/**
 * Kernel values K(x_i, x_test) of each prompt's demonstrations (log K for attention), prompts in
 * chunks to bound memory; `theorem` is required for the theorem's kernel. Every prompt of a call
 * has the same number of demonstrations.
 */
export function estimatorKernelRows(
  world: World,
  prompts: readonly Prompt[],
  kernel: EstimatorKernel,
  theorem: TheoremKernel | undefined,
  temperature = DEFAULT_TEMPERATURE,
  onProgress?: ConvergenceProgress,
): Float64Array[] {
  if (kernel === 'theorem' && theorem === undefined)
    throw new OptionError('the theorem kernel needs its TheoremKernel (Sigma)', 'pass a TheoremKernel built for the world');
  const rows: Float64Array[] = [];
  const chunk = 16;
  for (let start = 0; start < prompts.length; start += chunk) {
    const part = prompts.slice(start, start + chunk);
    const queries = part.map((p) => p.query);
    const inputs = part.map((p) => p.demos.map(([x]) => x));
    if (kernel === 'theorem') {
      rows.push(...theorem!.rows(queries, inputs));
    } else {
      const n = inputs[0].length;
      const values = tf.tidy(() => {
        let bq = beliefVectors(world, queries);
        let bd = beliefVectors(world, inputs.flat());
        if (kernel === 'cosine') {
          const unit = (b: tf.Tensor2D) => tf.div(b, tf.maximum(tf.norm(b, 2, 1, true), 1e-30)) as tf.Tensor2D;
          bq = unit(bq);
          bd = unit(bd);
        }
        const dots = tf.matMul(tf.reshape(bd, [part.length, n, -1]), tf.expandDims(bq, 2));
        return kernel === 'attention' ? tf.div(dots, temperature) : dots;
      });
      const flat = values.dataSync();
      values.dispose();
      part.forEach((_, p) => rows.push(Float64Array.from(flat.subarray(p * n, (p + 1) * n))));
    }
    onProgress?.('prompts', Math.min(start + chunk, prompts.length), prompts.length);
  }
  return rows;
}

/**
 * The exact predictive of each prompt, or null for a prompt with probability 0 under every
 * in-distribution task (the Bayesian answer does not exist; an out-of-distribution prompt can be
 * one). Other errors propagate.
 */
function possibleBayes(
  world: World,
  prompts: readonly IclPrompt[],
  mode: BayesMode,
  onProgress?: (done: number, total: number) => void,
): (BayesPrediction | null)[] {
  try {
    return bayesPredictive(world, prompts, { mode, onProgress });
  } catch (error) {
    if (!(error instanceof DataError)) throw error;
    return prompts.map((p) => {
      try {
        return bayesPredictive(world, [p], { mode })[0];
      } catch (inner) {
        if (inner instanceof DataError && /probability 0/.test(inner.message)) return null;
        throw inner;
      }
    });
  }
}

/** Mean and normal 95% interval of per-prompt values. */
function meanInterval(values: readonly number[]): [number, [number, number]] {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, n - 1));
  const half = (1.96 * sd) / Math.sqrt(n);
  return [mean, [mean - half, mean + half]];
}

/** Label counts of a prompt's first n demonstrations: the plain vote, K = 1 (all zero for n = 0, a tie). */
function labelVote(prompt: Prompt, n: number, labelIndex: ReadonlyMap<number, number>, classes: number): Float64Array {
  const counts = new Float64Array(classes);
  for (const [, y] of prompt.demos.slice(0, n)) counts[labelIndex.get(y)!] += 1;
  return counts;
}

/** Scores one estimator form against Bayes over the prompts at one n. */
function score(estimates: Float64Array[], bayes: Float64Array[], labels: readonly number[]): ConvergenceStats {
  const l1: number[] = [];
  const kl: number[] = [];
  const vsBayes: number[] = [];
  const vsLabel: number[] = [];
  estimates.forEach((est, p) => {
    const b = bayes[p];
    let dist = 0;
    for (let c = 0; c < est.length; c++) dist += Math.abs(est[c] - b[c]);
    l1.push(dist);
    let total = 0;
    for (const v of est) total += Math.max(0, v) + KL_SMOOTHING;
    let divergence = 0;
    for (let c = 0; c < est.length; c++) {
      if (b[c] > 0) divergence += b[c] * Math.log(b[c] / ((Math.max(0, est[c]) + KL_SMOOTHING) / total));
    }
    kl.push(divergence);
    vsBayes.push(argmaxCredit(est, argmax(b)));
    vsLabel.push(argmaxCredit(est, labels[p]));
  });
  const [l1Mean, l1Ci] = meanInterval(l1);
  const [klMean, klCi] = meanInterval(kl);
  const [accB, accBCi] = wilsonProportion(vsBayes);
  const [accL, accLCi] = wilsonProportion(vsLabel);
  return {
    l1: l1Mean,
    tv: l1Mean / 2,
    kl: klMean,
    accVsBayes: accB,
    accVsLabel: accL,
    ci: { l1: l1Ci, tv: [l1Ci[0] / 2, l1Ci[1] / 2], kl: klCi, accVsBayes: accBCi, accVsLabel: accLCi },
  };
}

/**
 * Runs the convergence experiment on a world (the paper's Table 3): prompts from its tasks, the
 * exact Bayesian predictive, and the kernel-regression estimator in normalised (Nadaraya–Watson)
 * and 1/n forms, compared per n over the label tokens (the world's labels, else every token but
 * the delimiter; both distributions restricted to them and renormalised). `onRow` hears each row
 * of n as it is done (a page draws the curves growing).
 */
export function runConvergence(
  world: World,
  settings: ConvergenceSettings,
  onProgress?: ConvergenceProgress,
  onRow?: (row: ConvergenceRow) => void,
): ConvergenceResult {
  const started = performance.now();
  const shots = [...new Set(settings.shots)].sort((a, b) => a - b);
  if (shots.length === 0 || !shots.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new OptionError(`shots ${settings.shots.join(',')} are not integers >= 0`, 'pass shots like 0,1,2,4,8');
  }
  if (!Number.isInteger(settings.prompts) || settings.prompts < 2) {
    throw new OptionError(`prompts ${settings.prompts} is not an integer >= 2`, 'pass at least 2 prompts');
  }
  const kernel = settings.kernel ?? defaultEstimatorKernel(world);
  const k = settings.inputLength ?? world.spec.inputLength ?? 2;
  const mode = settings.mode ?? 'restart';
  const temperature = settings.temperature ?? DEFAULT_TEMPERATURE;
  if (!(temperature > 0)) throw new OptionError(`temperature ${temperature} is not positive`, 'pass a temperature > 0');
  const pool = world.tasks.map((t, i) => ({ i, prior: t.prior })).filter((t) => (settings.ood ? t.prior === 0 : t.prior > 0));
  if (pool.length === 0) {
    throw new OptionError(
      settings.ood ? 'the world has no out-of-distribution tasks (prior 0)' : 'the world has no task with prior > 0',
      settings.ood ? 'drop --ood or use a world with prior-0 tasks' : 'give some task a positive prior',
    );
  }
  const labels = world.spec.labels
    ? [...world.spec.labels]
    : Array.from({ length: world.m }, (_, o) => o).filter((o) => o !== world.delimiter);
  const labelIndex = new Map(labels.map((o, c) => [o, c]));
  const rng = new Rng(settings.seed);
  const kernelRng = rng.fork();
  const nMax = shots[shots.length - 1];

  const theorem =
    kernel === 'theorem'
      ? new TheoremKernel(
          world,
          {
            inputLength: k,
            samples: settings.sigmaSamples,
            ridge: settings.ridge,
            onProgress: (done, total) => onProgress?.('sigma', done, total),
          },
          kernelRng,
        )
      : undefined;
  try {
    const weights = pool.map((t) => (settings.ood ? 1 : t.prior));
    // One stream per prompt (the p-th fork of the seed's generator): its task, query and
    // demonstrations depend on (seed, p) only, so a row of n is the same whatever other n are asked.
    const prompts = Array.from({ length: settings.prompts }, () => {
      const stream = rng.fork();
      return samplePrefixPrompt(world, pool[stream.categorical(weights)].i, Math.max(1, nMax), k, stream);
    });
    const rows = estimatorKernelRows(world, prompts, kernel, theorem, temperature, onProgress);
    const restrict = (predictive: readonly number[]) => {
      const out = Float64Array.from(labels, (o) => predictive[o]);
      const total = out.reduce((s, v) => s + v, 0);
      return total > 0 ? out.map((v) => v / total) : out;
    };
    const queryLabels = prompts.map((p) => labelIndex.get(p.queryLabel) ?? -1);
    const table: ConvergenceRow[] = [];
    const emptyShots: number[] = [];
    for (const n of shots) {
      const exact = possibleBayes(
        world,
        prompts.map((p) => ({ demos: p.demos.slice(0, n), query: p.query })),
        mode,
        (done, total) => onProgress?.('bayes', done, total),
      );
      const kept = prompts.map((_, i) => i).filter((i) => exact[i] !== null);
      if (kept.length === 0) {
        emptyShots.push(n);
        continue;
      }
      const bayes = kept.map((i) => restrict(exact[i]!.predictive));
      const gold = kept.map((i) => queryLabels[i]);
      const normalized: Float64Array[] = [];
      const unnormalized: Float64Array[] = [];
      for (const i of kept) {
        if (n === 0) {
          // No demonstration carries a label: both forms say nothing, i.e. the uniform distribution.
          normalized.push(new Float64Array(labels.length).fill(1 / labels.length));
          unnormalized.push(new Float64Array(labels.length).fill(1 / labels.length));
          continue;
        }
        const demos = prompts[i].demos.slice(0, n);
        const [norm, raw] = tf.tidy(() => {
          const yAug = augmentedTargets({ kind: 'class', labels: demos.map(([, y]) => labelIndex.get(y)!), numClasses: labels.length });
          const s = tf.tensor2d(Float32Array.from(rows[i].subarray(0, n)), [1, n]);
          const space = { logSpace: kernel === 'attention', nonPositive: false };
          return [combineScores(s, space, yAug, true).dataSync(), combineScores(s, space, yAug, false).dataSync()];
        });
        if (!raw.every(Number.isFinite)) {
          throw new OptionError(
            `the 1/n form of the ${kernel} kernel overflows float32 at n = ${n}${kernel === 'attention' ? ` and temperature ${temperature}` : ''}`,
            kernel === 'attention' ? 'pass a larger temperature (e.g. 0.1)' : 'use another kernel',
          );
        }
        normalized.push(Float64Array.from(norm));
        unnormalized.push(Float64Array.from(raw));
      }
      const bayesHits = bayes.map((b, j) => argmaxCredit(b, gold[j]));
      const voteHits = kept.map((i, j) => argmaxCredit(labelVote(prompts[i], n, labelIndex, labels.length), argmax(bayes[j])));
      table.push({
        n,
        ...score(normalized, bayes, gold),
        unnormalized: score(unnormalized, bayes, gold),
        bayesAccVsLabel: wilsonProportion(bayesHits)[0],
        voteAccVsBayes: wilsonProportion(voteHits)[0],
        excluded: prompts.length - kept.length,
      });
      onRow?.(table[table.length - 1]);
    }
    const flops = theorem ? boundsFlops(world.tasks.length, theorem.dimension, theorem.samples) : 0;
    const bounds =
      theorem !== undefined && (settings.bounds === true || ((settings.bounds ?? 'auto') === 'auto' && flops <= BOUNDS_AUTO_FLOPS));
    const epsTheta = bounds
      ? world.tasks.map((_, t) => {
          const eps = theorem!.epsTheta(t, EPS_SAMPLES, kernelRng);
          onProgress?.('bounds', t + 1, world.tasks.length);
          return eps;
        })
      : null;
    const boundsNote =
      theorem === undefined
        ? {}
        : bounds
          ? { epsTheta: `per task, from ${EPS_SAMPLES} inputs of the task against the Sigma samples` }
          : {
              epsTheta:
                settings.bounds === false
                  ? 'not computed (bounds off)'
                  : `not computed: ${world.tasks.length} tasks x ${EPS_SAMPLES} samples against operators of ${theorem.dimension} ` +
                    `values is ${flops.toExponential(1)} flops, above the automatic limit of ${BOUNDS_AUTO_FLOPS.toExponential(1)}; ` +
                    'ask for it with bounds on (--bounds on)',
            };
    return {
      rows: table,
      settings: {
        kernel,
        inputLength: k,
        mode,
        prompts: settings.prompts,
        shots,
        seed: settings.seed,
        promptTasks: settings.ood ? 'out-of-distribution (prior 0), uniform' : 'in-distribution, by prior',
        labelTokens: world.spec.labels ? "the world's labels" : 'every token but the delimiter',
        labels: 'sampled from the task (y is the next emitted token)',
        distance:
          'L1 = sum_y |estimate(y) - P(y | prompt)| over the label tokens, ' +
          'TV = L1 / 2; both forms scored as they are (the normalised form sums to 1)',
        kl: `KL(Bayes || estimate) with the estimate clipped at 0, smoothed by ${KL_SMOOTHING} and renormalised`,
        accuracy:
          'argmax of the estimate against the Bayes argmax (accVsBayes) and the sampled query label (accVsLabel), ' +
          'tied maxima sharing the credit; 95% Wilson intervals; distances: normal 95% intervals over prompts',
        ...(theorem
          ? {
              sigmaSamples: theorem.samples,
              ridge: theorem.ridge,
              lambda: theorem.lambda,
              operatorDimension: theorem.dimension,
              sigma:
                'second moment of vec(T_x), x from the pre-training distribution, plus lambda I (Woodbury, float32 Gram, float64 Cholesky)',
            }
          : { beliefVector: 'P(current hidden state | x) under the pre-training mixture (filtering distribution)' }),
        ...(kernel === 'attention' ? { temperature } : {}),
        ...boundsNote,
        excluded:
          'prompts with probability 0 under every in-distribution task (possible out of distribution) ' +
          'have no Bayes answer: they are left out of a row and counted in its `excluded`',
        ...(emptyShots.length > 0 ? { shotsWithoutPossiblePrompts: emptyShots } : {}),
      },
      bounds: { eta: theorem?.eta ?? null, epsTheta },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    theorem?.dispose();
  }
}
