/**
 * The probing experiment's summary (the body of its report.json): the model, the baselines, the
 * head chosen on a selection split, and every head's scores.
 */

import { OptionError } from '@iclkr/core';
import { type AttentionVoteAccumulator, bestHead, type Score, VOTE_KL_SMOOTHING, type VoteVariant } from './attention-vote.js';
import type { KernelCorrelation } from './kernel-correlation.js';

/** One head's scores over all prompts. */
export interface HeadSummary {
  readonly layer: number;
  readonly head: number;
  /** Span variant (the paper's a_i over [x_i, y_i]): agreement with the model, accuracy against gold. */
  readonly agreement: number;
  readonly accuracy: number;
  /** Per-prompt mean Pearson of a_i with sim(x_test, x_i); null without a KernelCorrelation or defined prompts. */
  readonly kernelCorrelation: number | null;
  /** Label variant (a_i read at y_i only). */
  readonly labelAgreement: number;
  readonly labelAccuracy: number;
  /** Mean TV and KL(model || vote) between the model's label distribution and the span variant's normalised vote. */
  readonly tv: number;
  readonly kl: number;
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
  /** The head with the best selection-split agreement, scored on the held-out prompts. */
  readonly bestHead: {
    readonly layer: number;
    readonly head: number;
    readonly variant: VoteVariant;
    readonly selectionAgreement: number;
    readonly selectionAccuracy: number;
    readonly heldOutAgreement: number;
    readonly heldOutAccuracy: number;
    /** Over all prompts (it plays no part in the choice). */
    readonly kernelCorrelation: number | null;
  };
  /** The model and baselines on the held-out prompts, to set beside bestHead. */
  readonly heldOut: { readonly prompts: number; readonly modelAccuracy: number; readonly majority: Score; readonly oracle?: Score };
  readonly heads: readonly HeadSummary[];
  /** The choices behind the numbers. */
  readonly settings: { readonly selectFrac: number; readonly seed: number; readonly variant: VoteVariant; readonly klSmoothing: number };
}

/** Builds the summary from the vote accumulator (and the kernel correlation over the same prompts, if any). */
export function probeSummary(
  votes: AttentionVoteAccumulator,
  options: { correlation?: KernelCorrelation; selectFrac?: number; seed?: number; variant?: VoteVariant } = {},
): ProbeSummary {
  const selectFrac = options.selectFrac ?? 0.7;
  const seed = options.seed ?? 0;
  const variant = options.variant ?? 'span';
  const all = votes.stats();
  const correlations = options.correlation?.result();
  const shape = votes.heads!;
  if (correlations && correlations.length !== shape[0] * shape[1]) {
    throw new OptionError(`kernel correlation has ${correlations.length} heads, the votes ${shape[0] * shape[1]}`, 'accumulate both over the same model and prompts');
  }
  const corr = (layer: number, head: number) => correlations?.[layer * shape[1] + head].pearson ?? null;
  const find = (v: VoteVariant, layer: number, head: number) => all.heads.find((s) => s.variant === v && s.layer === layer && s.head === head)!;
  const heads = all.heads
    .filter((s) => s.variant === 'span')
    .map((s): HeadSummary => {
      const label = find('label', s.layer, s.head);
      return {
        layer: s.layer,
        head: s.head,
        agreement: s.agreement,
        accuracy: s.accuracy,
        kernelCorrelation: corr(s.layer, s.head),
        labelAgreement: label.agreement,
        labelAccuracy: label.accuracy,
        tv: s.tv,
        kl: s.kl,
      };
    });
  const best = bestHead(votes, { selectFrac, seed, variant });
  const held = votes.stats(best.split.heldOut);
  return {
    prompts: all.prompts,
    modelAccuracy: all.modelAccuracy,
    majority: all.majority,
    ...(all.oracle ? { oracle: all.oracle } : {}),
    bestHead: {
      layer: best.layer,
      head: best.head,
      variant,
      selectionAgreement: best.selection.agreement,
      selectionAccuracy: best.selection.accuracy,
      heldOutAgreement: best.heldOut.agreement,
      heldOutAccuracy: best.heldOut.accuracy,
      kernelCorrelation: corr(best.layer, best.head),
    },
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
export function headGrid<T extends { readonly layer: number; readonly head: number }>(heads: readonly T[], value: (h: T) => number | null): number[][] {
  const layers = Math.max(0, ...heads.map((h) => h.layer + 1));
  const width = Math.max(0, ...heads.map((h) => h.head + 1));
  const grid = Array.from({ length: layers }, () => new Array<number>(width).fill(Number.NaN));
  for (const h of heads) grid[h.layer][h.head] = value(h) ?? Number.NaN;
  return grid;
}
