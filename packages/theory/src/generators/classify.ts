/**
 * The classification world (SPEC §2): the paper's use case as an HMM task mixture. C input
 * classes emit input tokens from sparse, overlapping distributions; every task shares L label
 * tokens; a task is a labelling (class -> label), so x_test's label is unknowable without the
 * demonstrations, and the informative ones are those of x_test's class.
 */
import { OptionError, type Rng } from '@iclkr/core';
import type { TaskSpec, WorldSpec } from '../world.js';
import { intParam, priorAverage, realParam, zeros } from './params.js';

/** Parameters of `classifyWorld`; every one has a default. */
export interface ClassifyParams {
  /** Input classes C (default 8). */
  readonly classes?: number;
  /** Label tokens L shared by every task (default 2). */
  readonly labels?: number;
  /** Input tokens; the vocabulary is inputTokens + labels + 1 (the delimiter) (default 64). */
  readonly inputTokens?: number;
  /** Input length k: x is k tokens of one class (default 4). */
  readonly inputLength?: number;
  /** Fraction of the input tokens each class can emit (default 0.25: 16 of 64, so classes overlap). */
  readonly sparsity?: number;
  /** Dirichlet concentration of a class's weights on its tokens (default 1: uniform on the simplex). */
  readonly emissionConcentration?: number;
  /**
   * Pre-training labellings (random, distinct, equal prior), or 'fresh': every one of the L^C
   * labellings is a task with equal prior (default 'fresh').
   */
  readonly labellings?: number | 'fresh';
  /** Further distinct labellings with prior 0 (out-of-distribution; default 0; none are left with 'fresh'). */
  readonly oodLabellings?: number;
  /**
   * Probability that a label state emits one of the other labels instead of its own (default 0).
   * Above 0, no labelling makes a prompt impossible, so an out-of-distribution labelling still has
   * a Bayesian answer under the pre-training prior.
   */
  readonly labelNoise?: number;
}

/** Most tasks 'fresh' may make (each task carries its own d x d transition). */
export const MAX_FRESH_LABELLINGS = 4096;

/** The labelling with index `code` in base L, class 0 first. */
function decode(code: number, classes: number, labels: number): number[] {
  return Array.from({ length: classes }, (_, c) => Math.floor(code / labels ** c) % labels);
}

/** `count` distinct labelling codes in [0, total), in random order. */
function distinctCodes(total: number, count: number, rng: Rng): number[] {
  if (total <= 65536) return rng.sample(total, count);
  const seen = new Set<number>();
  while (seen.size < count) seen.add(Math.floor(rng.uniform() * total));
  return [...seen];
}

/**
 * A classification world. States: (c, j) = c * k + j - 1 for class c and position j = 1..k,
 * then one label state per label, then the delimiter state. Tokens: inputs 0..inputTokens-1,
 * label l = inputTokens + l, delimiter = inputTokens + L (the last). Every task starts uniformly
 * on the states (c, 1); (c, j) emits from class c's distribution and moves to (c, j + 1); (c, k)
 * moves to the label state of the task's label for c, which emits that label and moves to the
 * delimiter state, which emits the delimiter and moves back to the start. Each segment is thus
 * `x y delim` with y the task's label of x's class.
 */
export function classifyWorld(params: ClassifyParams, rng: Rng): WorldSpec {
  const g = 'classifyWorld';
  const C = intParam(g, 'classes', params.classes ?? 8, 1);
  const L = intParam(g, 'labels', params.labels ?? 2, 2);
  const V = intParam(g, 'inputTokens', params.inputTokens ?? 64, 1);
  const k = intParam(g, 'inputLength', params.inputLength ?? 4, 1);
  const sparsity = realParam(g, 'sparsity', params.sparsity ?? 0.25, 0, 1, { hi: true });
  const concentration = realParam(g, 'emissionConcentration', params.emissionConcentration ?? 1, 0, Number.POSITIVE_INFINITY);
  const labellings = params.labellings ?? 'fresh';
  const ood = intParam(g, 'oodLabellings', params.oodLabellings ?? 0, 0);
  const noise = realParam(g, 'labelNoise', params.labelNoise ?? 0, 0, 1, { lo: true });
  const total = L ** C;
  let codes: number[];
  let inDistribution: number;
  if (labellings === 'fresh') {
    if (total > MAX_FRESH_LABELLINGS) {
      throw new OptionError(
        `${g}: 'fresh' would make ${L}^${C} = ${total} tasks (at most ${MAX_FRESH_LABELLINGS})`,
        'pass a number of labellings instead',
      );
    }
    if (ood > 0)
      throw new OptionError(
        `${g}: 'fresh' uses every labelling, none is left out-of-distribution`,
        'pass oodLabellings 0 or a number of labellings',
      );
    codes = Array.from({ length: total }, (_, i) => i);
    inDistribution = total;
  } else {
    inDistribution = intParam(g, 'labellings', labellings, 1);
    if (inDistribution + ood > total) {
      throw new OptionError(
        `${g}: ${inDistribution} + ${ood} distinct labellings asked, but ${L}^${C} = ${total} exist`,
        'ask for fewer labellings or add classes',
      );
    }
    codes = distinctCodes(total, inDistribution + ood, rng);
  }

  const support = Math.max(1, Math.round(sparsity * V));
  const d = C * k + L + 1;
  const m = V + L + 1;
  const labelState = (l: number) => C * k + l;
  const delimState = C * k + L;
  const emission = zeros(d, m);
  for (let c = 0; c < C; c++) {
    const tokens = rng.sample(V, support);
    const weights = rng.dirichlet(concentration, support);
    for (let j = 0; j < k; j++) tokens.forEach((o, i) => (emission[c * k + j][o] = weights[i]));
  }
  for (let l = 0; l < L; l++) {
    for (let other = 0; other < L; other++) emission[labelState(l)][V + other] = other === l ? 1 - noise : noise / (L - 1);
  }
  emission[delimState][m - 1] = 1;
  const start = new Array<number>(d).fill(0);
  for (let c = 0; c < C; c++) start[c * k] = 1 / C;

  const priors = codes.map((_, i) => (i < inDistribution ? 1 / inDistribution : 0));
  const transitions: number[][][] = [];
  const tasks: TaskSpec[] = codes.map((code, i) => {
    const labelling = decode(code, C, L);
    const transition = zeros(d, d);
    for (let c = 0; c < C; c++) {
      for (let j = 0; j < k - 1; j++) transition[c * k + j][c * k + j + 1] = 1;
      transition[c * k + k - 1][labelState(labelling[c])] = 1;
    }
    for (let l = 0; l < L; l++) transition[labelState(l)][delimState] = 1;
    transition[delimState] = [...start];
    transitions.push(transition);
    return { name: `labelling-${labelling.join(L <= 10 ? '' : '.')}`, prior: priors[i], start: [...start], transition };
  });
  return {
    name: `classify-${C}x${L}-k${k}`,
    tokens: m,
    states: d,
    delimiter: m - 1,
    transition: priorAverage(transitions, priors),
    emission,
    tasks,
    labels: Array.from({ length: L }, (_, l) => V + l),
    inputLength: k,
    stateClass: Array.from({ length: d }, (_, s) => (s < C * k ? Math.floor(s / k) : -1)),
    generator: {
      name: 'classify',
      classes: C,
      labels: L,
      inputTokens: V,
      inputLength: k,
      sparsity,
      emissionConcentration: concentration,
      labellings,
      oodLabellings: ood,
      labelNoise: noise,
    },
  };
}
