/** What the three insight experiments share: their settings, the best head of a set of prompts, and progress. */
import type { InsightsHead } from '@iclkr/core';
import { AttentionVoteAccumulator, bestHead, VOTE_VARIANTS } from '@iclkr/probing';
import type { ExperimentIo } from '../io.js';
import { throwIfAborted } from '../meta.js';
import type { PromptScore } from './score.js';
import type { LaidOutPrompt } from './score.js';

/** The numbers every insight experiment takes. */
export interface InsightsSettings {
  /** Numbers of demonstrations n (each >= 1). */
  readonly shots: readonly number[];
  /** Prompts per row (per task in the OOD experiment on a world). */
  readonly prompts: number;
  readonly seed: number;
  /** Fraction of a row's prompts that choose its best head; the rest score it (as `iclkr probe`). */
  readonly selectFrac: number;
  /** Prompts per forward pass. */
  readonly batch: number;
}

/** A stage's progress through `io` in steps of any size, checking the signal at every step. */
export class Stage {
  private done = 0;
  constructor(
    private readonly io: ExperimentIo,
    private readonly label: string,
    private readonly total: number,
  ) {}

  /** `count` more units are done. */
  readonly advance = (count: number): void => {
    throwIfAborted(this.io.signal);
    this.done += count;
    this.io.progress(this.done, this.total, this.label);
  };
}

/** Progress of one stage through `io` told the units done so far, checking its signal at every step. */
export function stageProgress(io: ExperimentIo, label: string, total: number): (done: number) => void {
  return (done) => {
    throwIfAborted(io.signal);
    io.progress(done, total, label);
  };
}

/** The attention votes of a row's prompts, and the head `iclkr probe` would choose from them. */
export class RowHeads {
  private readonly votes: AttentionVoteAccumulator;
  constructor(
    classes: number,
    private readonly options: { readonly selectFrac: number; readonly seed: number },
  ) {
    this.votes = new AttentionVoteAccumulator({ numClasses: classes });
  }

  /** Adds one scored prompt (its rows must be there). */
  add(prompt: LaidOutPrompt, score: PromptScore): void {
    this.votes.add({
      rows: score.rows!,
      spans: prompt.spans,
      labels: prompt.labels,
      gold: prompt.gold,
      modelDistribution: score.distribution,
    });
  }

  /**
   * The head and reading of a_i (span, label or line) with the best agreement on the selection split
   * (ties: the better selection accuracy, then the paper's span), with its held-out scores; null with
   * fewer than two prompts.
   */
  best(): InsightsHead | null {
    if (this.votes.prompts < 2) return null;
    const candidates = VOTE_VARIANTS.map((variant) => bestHead(this.votes, { ...this.options, variant }));
    const b = candidates.reduce((a, c) =>
      c.selection.agreement > a.selection.agreement ||
      (c.selection.agreement === a.selection.agreement && c.selection.accuracy > a.selection.accuracy)
        ? c
        : a,
    );
    return { layer: b.layer, head: b.head, variant: b.variant, heldOutAgreement: b.heldOut.agreement, heldOutAccuracy: b.heldOut.accuracy };
  }
}
