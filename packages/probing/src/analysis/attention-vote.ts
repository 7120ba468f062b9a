/**
 * Attention as kernel weights (SPEC §3.2): per head, a_i = the largest attention from the final
 * position into demonstration i, the reconstructed prediction argmax_y sum_i a_i e(y_i), its
 * agreement with the model and accuracy against gold, and the baselines on the same prompts.
 */

import { OptionError, Rng, ShapeError } from '@iclkr/core';
import { accuracy, agreement, argmax, klDivergence, totalVariation } from '@iclkr/kernels';
import { checkRows, type LayerHeadRows } from './pattern.js';
import type { PromptSpans } from './spans.js';

/**
 * Where a_i is read: `span` = [x_i start, y_i end) (the paper's), `label` = the y_i tokens only,
 * `line` = the whole demonstration with the delimiter after y_i (where a model may store the pair).
 */
export type VoteVariant = 'span' | 'label' | 'line';

/** Every variant, in the order results list them. */
export const VOTE_VARIANTS: readonly VoteVariant[] = ['span', 'label', 'line'];

/** Additive smoothing of the vote distribution before KL(model || vote), as theory's convergence experiment does. */
export const VOTE_KL_SMOOTHING = 1e-4;

/** a_i per demonstration: max attention of `row` (the final position's) over demonstration i's span for the variant. */
export function demonstrationWeights(row: ArrayLike<number>, spans: PromptSpans, variant: VoteVariant = 'span'): Float64Array {
  const n = spans.y.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const start = variant === 'label' ? spans.y[i].start : spans.x[i].start;
    const end = variant === 'line' ? Math.max(spans.y[i].end, spans.delimiters[i].end) : spans.y[i].end;
    if (end > row.length) {
      throw new ShapeError(
        `demonstration ${i + 1} ends at position ${end} but the attention row has ${row.length} positions`,
        "pass the same prompt's attention row",
      );
    }
    let max = Number.NEGATIVE_INFINITY;
    for (let p = start; p < end; p++) if (row[p] > max) max = row[p];
    out[i] = max;
  }
  return out;
}

/** Checks demonstration labels are class ids in [0, numClasses). */
export function checkLabels(labels: ArrayLike<number>, numClasses: number, what = 'demonstration'): void {
  if (!Number.isInteger(numClasses) || numClasses < 1)
    throw new OptionError(`${numClasses} labels is not a positive count`, 'give the size of the label set');
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
      throw new OptionError(
        `${what} ${i + 1} has label ${y}, outside the label set 0..${numClasses - 1}`,
        'map label words to ids 0..C-1 of the label set',
      );
    }
  }
}

function sameLength(a: ArrayLike<unknown>, b: ArrayLike<unknown>, what: string): void {
  if (a.length !== b.length) throw new ShapeError(`${what}: ${a.length} and ${b.length} values`, 'give one value per demonstration');
}

/**
 * The vote sum_i a_i e(y_i) over `numClasses` labels: its argmax (ties to the lowest label id;
 * any real weights, such as a kernel's) and the vote normalised to a distribution (uniform when
 * the weights do not sum to a positive total).
 */
export function attentionVote(
  weights: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
): { prediction: number; distribution: Float64Array } {
  sameLength(weights, labels, 'attention weights and demonstration labels');
  checkLabels(labels, numClasses);
  const votes = new Float64Array(numClasses);
  for (let i = 0; i < labels.length; i++) votes[labels[i]] += weights[i];
  let total = 0;
  for (const v of votes) total += v;
  const distribution = total > 0 ? votes.map((v) => v / total) : new Float64Array(numClasses).fill(1 / numClasses);
  return { prediction: argmax(votes), distribution };
}

/** The unweighted majority label of the demonstrations (ties to the lowest label id). */
export function majorityVote(labels: ArrayLike<number>, numClasses: number): number {
  checkLabels(labels, numClasses);
  const counts = new Float64Array(numClasses);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return argmax(counts);
}

/** Majority label over the demonstrations whose input class equals x_test's; all of them when none does. */
export function sameClassOracle(labels: ArrayLike<number>, classes: ArrayLike<number>, queryClass: number, numClasses: number): number {
  sameLength(labels, classes, 'demonstration labels and classes');
  const same = Array.from(labels).filter((_, i) => classes[i] === queryClass);
  return majorityVote(same.length > 0 ? same : labels, numClasses);
}

/** KL(model || vote) with the vote smoothed by VOTE_KL_SMOOTHING and renormalised. */
function smoothedKl(model: ArrayLike<number>, vote: ArrayLike<number>): number {
  const total = 1 + vote.length * VOTE_KL_SMOOTHING;
  return klDivergence(
    model,
    Array.from(vote, (v) => (v + VOTE_KL_SMOOTHING) / total),
  );
}

/** One scored prompt: attention rows, spans, demonstration labels, gold, the model's label distribution. */
export interface VoteItem {
  /** Final-position attention rows by [layer][head]. */
  readonly rows: LayerHeadRows;
  readonly spans: PromptSpans;
  /** y_i as label ids. */
  readonly labels: ArrayLike<number>;
  /** x_test's gold label id. */
  readonly gold: number;
  /** The model's next-token distribution restricted to the label words (renormalised), by label id. */
  readonly modelDistribution: ArrayLike<number>;
  /** Input classes of the demonstrations and of x_test, where the world knows them (the oracle baseline). */
  readonly classes?: ArrayLike<number>;
  readonly queryClass?: number;
}

/** Agreement with the model and accuracy against gold. */
export interface Score {
  readonly agreement: number;
  readonly accuracy: number;
}

/** One head's scores for one variant; tv and kl are means over prompts. */
export interface HeadVoteStats extends Score {
  readonly layer: number;
  readonly head: number;
  readonly variant: VoteVariant;
  /** Mean total variation between the model's label distribution and the normalised vote. */
  readonly tv: number;
  /** Mean KL(model || vote), the vote smoothed by VOTE_KL_SMOOTHING. */
  readonly kl: number;
}

/** Scores over a set of prompts: the model, the baselines and every head in both variants. */
export interface VoteStats {
  readonly prompts: number;
  readonly modelAccuracy: number;
  readonly majority: Score;
  /** Present when every prompt gave classes. */
  readonly oracle?: Score;
  readonly heads: readonly HeadVoteStats[];
}

/**
 * Streaming attention-vote scores: `add` one prompt at a time; per prompt it keeps only each
 * head's predictions and distances (a few numbers per head), so `stats` can score any subset,
 * such as the selection and held-out parts of `selectionSplit`.
 */
export class AttentionVoteAccumulator {
  readonly numClasses: number;
  private shape?: [number, number];
  private readonly model: number[] = [];
  private readonly gold: number[] = [];
  private readonly majority: number[] = [];
  private readonly oracle: (number | undefined)[] = [];
  /** Per prompt: predictions, tv and kl, each [variant][layer * heads + head]. */
  private readonly perPrompt: { pred: Int32Array[]; tv: Float64Array[]; kl: Float64Array[] }[] = [];

  constructor(options: { numClasses: number }) {
    this.numClasses = options.numClasses;
    checkLabels([], this.numClasses);
  }

  /** Number of prompts added. */
  get prompts(): number {
    return this.perPrompt.length;
  }

  /** [layers, heads] seen, once a prompt is added. */
  get heads(): readonly [number, number] | undefined {
    return this.shape;
  }

  /** Scores one prompt. */
  add(item: VoteItem): this {
    const c = this.numClasses;
    const [layers, heads] = checkRows(item.rows, item.spans.length, this.shape);
    sameLength(item.labels, item.spans.y, 'demonstration labels and label spans');
    checkLabels(item.labels, c);
    checkLabels([item.gold], c, 'gold label of prompt');
    if (item.modelDistribution.length !== c) {
      throw new ShapeError(
        `model distribution has ${item.modelDistribution.length} values for ${c} labels`,
        'restrict the next-token distribution to the label words',
      );
    }
    if ((item.classes === undefined) !== (item.queryClass === undefined)) {
      throw new OptionError(
        'classes given without queryClass or the reverse',
        "give both the demonstrations' classes and x_test's class, or neither",
      );
    }
    if (item.classes && this.prompts > 0 && this.oracle[0] === undefined) {
      throw new OptionError(`prompt ${this.prompts} has classes but earlier prompts had none`, 'give classes for every prompt or for none');
    }
    if (!item.classes && this.oracle.some((o) => o !== undefined)) {
      throw new OptionError(
        `prompt ${this.prompts} has no classes but earlier prompts had them`,
        'give classes for every prompt or for none',
      );
    }
    this.shape ??= [layers, heads];
    this.model.push(argmax(item.modelDistribution));
    this.gold.push(item.gold);
    this.majority.push(majorityVote(item.labels, c));
    this.oracle.push(item.classes ? sameClassOracle(item.labels, item.classes, item.queryClass!, c) : undefined);
    const record = { pred: [] as Int32Array[], tv: [] as Float64Array[], kl: [] as Float64Array[] };
    for (const variant of VOTE_VARIANTS) {
      const pred = new Int32Array(layers * heads);
      const tv = new Float64Array(layers * heads);
      const kl = new Float64Array(layers * heads);
      for (let l = 0; l < layers; l++) {
        for (let h = 0; h < heads; h++) {
          const vote = attentionVote(demonstrationWeights(item.rows[l][h], item.spans, variant), item.labels, c);
          pred[l * heads + h] = vote.prediction;
          tv[l * heads + h] = totalVariation(item.modelDistribution, vote.distribution);
          kl[l * heads + h] = smoothedKl(item.modelDistribution, vote.distribution);
        }
      }
      record.pred.push(pred);
      record.tv.push(tv);
      record.kl.push(kl);
    }
    this.perPrompt.push(record);
    return this;
  }

  /** The model's prediction and the gold label of every prompt, in add order. */
  predictions(): { model: readonly number[]; gold: readonly number[] } {
    return { model: this.model, gold: this.gold };
  }

  /** Scores over the prompts `subset` (indices in add order; default all). */
  stats(subset?: readonly number[]): VoteStats {
    if (!this.shape) throw new OptionError('attention vote has no prompts', 'add at least one prompt before scoring');
    const idx = subset ?? this.perPrompt.map((_, i) => i);
    if (idx.length === 0) throw new OptionError('scoring an empty set of prompts', 'give a subset with at least one prompt');
    for (const i of idx) {
      if (!Number.isInteger(i) || i < 0 || i >= this.prompts)
        throw new OptionError(`prompt index ${i} is outside 0..${this.prompts - 1}`, 'pick prompts that were added');
    }
    const at = (values: readonly number[]) => idx.map((i) => values[i]);
    const model = at(this.model);
    const gold = at(this.gold);
    const score = (pred: number[]): Score => ({ agreement: agreement(pred, model), accuracy: accuracy(pred, gold) });
    const [layers, heads] = this.shape;
    const out: HeadVoteStats[] = [];
    VOTE_VARIANTS.forEach((variant, v) => {
      for (let l = 0; l < layers; l++) {
        for (let h = 0; h < heads; h++) {
          const j = l * heads + h;
          const mean = (key: 'tv' | 'kl') => idx.reduce((s, i) => s + this.perPrompt[i][key][v][j], 0) / idx.length;
          out.push({ layer: l, head: h, variant, ...score(idx.map((i) => this.perPrompt[i].pred[v][j])), tv: mean('tv'), kl: mean('kl') });
        }
      }
    });
    const oracle = at(this.oracle as number[]);
    return {
      prompts: idx.length,
      modelAccuracy: accuracy(model, gold),
      majority: score(at(this.majority)),
      ...(oracle[0] === undefined ? {} : { oracle: score(oracle) }),
      heads: out,
    };
  }
}

/** Prompt indices 0..count-1 split by a seeded shuffle: the first round(selectFrac * count) select, the rest are held out; both sorted. */
export function selectionSplit(
  count: number,
  options: { selectFrac?: number; seed?: number } = {},
): { selection: number[]; heldOut: number[] } {
  const frac = options.selectFrac ?? 0.7;
  if (!(frac > 0 && frac < 1)) throw new OptionError(`selectFrac ${frac} is not between 0 and 1`, 'use a fraction such as 0.7');
  const k = Math.round(frac * count);
  if (k < 1 || k >= count) {
    throw new OptionError(
      `${count} prompts leave an empty selection or held-out part at selectFrac ${frac}`,
      'score more prompts or change selectFrac',
    );
  }
  const order = new Rng(options.seed ?? 0).shuffle(Array.from({ length: count }, (_, i) => i));
  const sort = (a: number[]) => a.sort((x, y) => x - y);
  return { selection: sort(order.slice(0, k)), heldOut: sort(order.slice(k)) };
}

/** The head chosen on the selection prompts and its scores on the held-out ones. */
export interface BestHead {
  readonly layer: number;
  readonly head: number;
  readonly variant: VoteVariant;
  readonly selection: Score;
  readonly heldOut: Score;
  readonly split: { readonly selection: number[]; readonly heldOut: number[] };
}

/**
 * The paper's journal-version head choice: split the prompts (`selectionSplit`), take the head
 * with the highest agreement on the selection part (ties: higher selection accuracy, then the
 * lowest layer, then the lowest head) and score it on the held-out part.
 */
export function bestHead(
  votes: AttentionVoteAccumulator,
  options: { selectFrac?: number; seed?: number; variant?: VoteVariant } = {},
): BestHead {
  const variant = options.variant ?? 'span';
  const split = selectionSplit(votes.prompts, options);
  const onSelection = votes.stats(split.selection).heads.filter((s) => s.variant === variant);
  let best = onSelection[0];
  for (const s of onSelection) {
    if (s.agreement > best.agreement || (s.agreement === best.agreement && s.accuracy > best.accuracy)) best = s;
  }
  const held = votes.stats(split.heldOut).heads.find((s) => s.variant === variant && s.layer === best.layer && s.head === best.head)!;
  return {
    layer: best.layer,
    head: best.head,
    variant,
    selection: { agreement: best.agreement, accuracy: best.accuracy },
    heldOut: { agreement: held.agreement, accuracy: held.accuracy },
    split,
  };
}
