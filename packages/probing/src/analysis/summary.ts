/**
 * The probing experiment's summary (the body of its report.json): the model, the baselines, the
 * head chosen on a selection split, and every head's scores.
 */

import { OptionError } from '@iclkr/core';
import {
  type AttentionVoteAccumulator,
  bestHead,
  type Score,
  selectionSplit,
  VOTE_KL_SMOOTHING,
  VOTE_VARIANTS,
  type VoteVariant,
} from './attention-vote.js';
import type { KernelCorrelation } from './kernel-correlation.js';

/** One head's scores in one variant over all prompts. */
export interface VariantScores {
  /** The vote's agreement with the model and accuracy against gold. */
  readonly agreement: number;
  readonly accuracy: number;
  /** Per-prompt mean Pearson of a_i with the kernel (the true kernel where given); null without one or defined prompts. */
  readonly kernelCorrelation: number | null;
  /** Mean TV and KL(model || vote) between the model's label distribution and the normalised vote. */
  readonly tv: number;
  readonly kl: number;
  /** The vote's agreement and accuracy on the held-out prompts only (the split the best head is scored on). */
  readonly heldOut: Score;
}

/** One head: the chosen variant's scores at the top level, every variant's under `variants`. */
export interface HeadSummary extends VariantScores {
  readonly layer: number;
  readonly head: number;
  readonly variants: Readonly<Record<VoteVariant, VariantScores>>;
}

/** The head with the best selection-split agreement in one variant, scored on the held-out prompts. */
export interface BestHeadSummary {
  readonly layer: number;
  readonly head: number;
  readonly variant: VoteVariant;
  readonly selectionAgreement: number;
  readonly selectionAccuracy: number;
  readonly heldOutAgreement: number;
  readonly heldOutAccuracy: number;
  /** Over all prompts (it plays no part in the choice). */
  readonly kernelCorrelation: number | null;
}

/** The probing summary; scores are fractions in [0, 1]. */
export interface ProbeSummary {
  readonly prompts: number;
  /** The model's ICL accuracy (argmax of its distribution over the label words). */
  readonly modelAccuracy: number;
  /** Unweighted majority of the demonstration labels. */
  readonly majority: Score;
  /** Same-class oracle, when the prompts carry input classes. */
  readonly oracle?: Score;
  /** The best head in the chosen variant (the paper's `span` by default). */
  readonly bestHead: BestHeadSummary;
  /** The best head of every variant, each chosen on the same selection prompts. */
  readonly bestByVariant: Readonly<Record<VoteVariant, BestHeadSummary>>;
  /** The model and baselines on the held-out prompts, to set beside bestHead. */
  readonly heldOut: { readonly prompts: number; readonly modelAccuracy: number; readonly majority: Score; readonly oracle?: Score };
  readonly heads: readonly HeadSummary[];
  /** The choices behind the numbers. */
  readonly settings: { readonly selectFrac: number; readonly seed: number; readonly variant: VoteVariant; readonly klSmoothing: number };
}

/**
 * Builds the summary from the vote accumulator and, per variant, the kernel correlation over the
 * same prompts (each a KernelCorrelation of that variant).
 */
export function probeSummary(
  votes: AttentionVoteAccumulator,
  options: {
    correlations?: Partial<Record<VoteVariant, KernelCorrelation>>;
    selectFrac?: number;
    seed?: number;
    variant?: VoteVariant;
  } = {},
): ProbeSummary {
  const selectFrac = options.selectFrac ?? 0.7;
  const seed = options.seed ?? 0;
  const variant = options.variant ?? 'span';
  const all = votes.stats();
  const shape = votes.heads!;
  const correlations = Object.fromEntries(
    VOTE_VARIANTS.map((v) => {
      const c = options.correlations?.[v];
      if (c && c.variant !== v)
        throw new OptionError(`the ${v} correlation reads a_i as ${c.variant}`, `give a KernelCorrelation({ variant: '${v}' })`);
      const result = c?.result();
      if (result && result.length !== shape[0] * shape[1]) {
        throw new OptionError(
          `kernel correlation has ${result.length} heads, the votes ${shape[0] * shape[1]}`,
          'accumulate both over the same model and prompts',
        );
      }
      return [v, result];
    }),
  );
  const corr = (v: VoteVariant, layer: number, head: number) => correlations[v]?.[layer * shape[1] + head].pearson ?? null;
  const held = votes.stats(selectionSplit(votes.prompts, { selectFrac, seed }).heldOut);
  const scores = (v: VoteVariant, layer: number, head: number): VariantScores => {
    const find = (list: typeof all.heads) => list.find((x) => x.variant === v && x.layer === layer && x.head === head)!;
    const s = find(all.heads);
    const h = find(held.heads);
    return {
      agreement: s.agreement,
      accuracy: s.accuracy,
      kernelCorrelation: corr(v, layer, head),
      tv: s.tv,
      kl: s.kl,
      heldOut: { agreement: h.agreement, accuracy: h.accuracy },
    };
  };
  const heads = all.heads
    .filter((s) => s.variant === variant)
    .map((s): HeadSummary => {
      const variants = Object.fromEntries(VOTE_VARIANTS.map((v) => [v, scores(v, s.layer, s.head)])) as Record<VoteVariant, VariantScores>;
      return { layer: s.layer, head: s.head, ...variants[variant], variants };
    });
  const best = (v: VoteVariant): BestHeadSummary => {
    const b = bestHead(votes, { selectFrac, seed, variant: v });
    return {
      layer: b.layer,
      head: b.head,
      variant: v,
      selectionAgreement: b.selection.agreement,
      selectionAccuracy: b.selection.accuracy,
      heldOutAgreement: b.heldOut.agreement,
      heldOutAccuracy: b.heldOut.accuracy,
      kernelCorrelation: corr(v, b.layer, b.head),
    };
  };
  const bestByVariant = Object.fromEntries(VOTE_VARIANTS.map((v) => [v, best(v)])) as Record<VoteVariant, BestHeadSummary>;
  return {
    prompts: all.prompts,
    modelAccuracy: all.modelAccuracy,
    majority: all.majority,
    ...(all.oracle ? { oracle: all.oracle } : {}),
    bestHead: bestByVariant[variant],
    bestByVariant,
    heldOut: {
      prompts: held.prompts,
      modelAccuracy: held.modelAccuracy,
      majority: held.majority,
      ...(held.oracle ? { oracle: held.oracle } : {}),
    },
    heads,
    settings: { selectFrac, seed, variant, klSmoothing: VOTE_KL_SMOOTHING },
  };
}

/** A per-head value as a [layer][head] grid (NaN where a head is missing or the value is null), for heatmaps. */
export function headGrid<T extends { readonly layer: number; readonly head: number }>(
  heads: readonly T[],
  value: (h: T) => number | null,
): number[][] {
  const layers = Math.max(0, ...heads.map((h) => h.layer + 1));
  const width = Math.max(0, ...heads.map((h) => h.head + 1));
  const grid = Array.from({ length: layers }, () => new Array<number>(width).fill(Number.NaN));
  for (const h of heads) grid[h.layer][h.head] = value(h) ?? Number.NaN;
  return grid;
}
