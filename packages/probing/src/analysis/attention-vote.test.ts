import { OptionError, Rng, ShapeError } from '@iclkr/core';
import { argmax, klDivergence, totalVariation } from '@iclkr/kernels';
import { describe, expect, it } from 'vitest';
import { attentionRow, rowOnDemos, uniformRow } from '../../test/analysis/patterns.js';
import {
  AttentionVoteAccumulator,
  attentionVote,
  bestHead,
  demonstrationWeights,
  majorityVote,
  sameClassOracle,
  selectionSplit,
  VOTE_KL_SMOOTHING,
  type VoteItem,
} from './attention-vote.js';
import { tokenPromptSpans } from './spans.js';

describe('demonstration weights and the vote', () => {
  const spans = tokenPromptSpans(3, 2);

  it('reads a_i as the max over [x_i, y_i] (span) or over y_i alone (label)', () => {
    // x_2 holds 0.3 at its first token, y_2 holds 0.1; y_3 holds 0.4.
    const row = attentionRow(spans.length, [
      [spans.x[1].start, 0.3],
      [spans.y[1].start, 0.1],
      [spans.y[2].start, 0.4],
      [spans.query.start, 0.2],
    ]);
    expect(Array.from(demonstrationWeights(row, spans, 'span'))).toEqual([0, row[spans.x[1].start], row[spans.y[2].start]]);
    expect(Array.from(demonstrationWeights(row, spans, 'label'))).toEqual([0, row[spans.y[1].start], row[spans.y[2].start]]);
  });

  it('reads a_i over the whole line, delimiter included (line), and over y_i where there is no delimiter', () => {
    // Demonstration 1's delimiter holds 0.5, demonstration 2's x 0.2 and its delimiter 0.1.
    const row = attentionRow(spans.length, [
      [spans.delimiters[0].start, 0.5],
      [spans.x[1].start, 0.2],
      [spans.delimiters[1].start, 0.1],
      [spans.query.start, 0.2],
    ]);
    expect(Array.from(demonstrationWeights(row, spans, 'line'))).toEqual([row[spans.delimiters[0].start], row[spans.x[1].start], 0]);
    expect(Array.from(demonstrationWeights(row, spans, 'span'))).toEqual([0, row[spans.x[1].start], 0]);
    const noDelimiter = { ...spans, delimiters: spans.delimiters.map(() => ({ start: 0, end: 0 })) };
    expect(Array.from(demonstrationWeights(row, noDelimiter, 'line'))).toEqual(Array.from(demonstrationWeights(row, spans, 'span')));
  });

  it('votes argmax_y sum_i a_i e(y_i) and normalises the vote', () => {
    const v = attentionVote([0.1, 0.4, 0.2], [0, 1, 0], 2);
    expect(v.prediction).toBe(1);
    expect(v.distribution[0]).toBeCloseTo(3 / 7, 12);
    expect(v.distribution[1]).toBeCloseTo(4 / 7, 12);
    // An exact tie goes to the lowest label id.
    expect(attentionVote([0.25, 0.25], [1, 0], 2).prediction).toBe(0);
    expect(Array.from(attentionVote([0, 0], [1, 1], 4).distribution)).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(argmax([1, 3, 3])).toBe(1);
  });

  it('gives the majority and the same-class oracle baselines', () => {
    expect(majorityVote([1, 0, 1, 0], 2)).toBe(0);
    expect(majorityVote([1, 2, 1], 3)).toBe(1);
    // Demonstrations of x_test's class (2) say 1; the majority says 0.
    expect(sameClassOracle([0, 0, 0, 1], [0, 1, 0, 2], 2, 2)).toBe(1);
    // No demonstration shares x_test's class: fall back to the majority.
    expect(sameClassOracle([0, 0, 1], [0, 1, 0], 5, 2)).toBe(0);
  });

  it('rejects labels outside the label set and mismatched lengths, on one line', () => {
    expect(() => attentionVote([0.5, 0.5], [0, 2], 2)).toThrow(OptionError);
    let err: unknown;
    try {
      majorityVote([0, 3], 2);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OptionError);
    expect((err as OptionError).oneLine()).toBe(
      'demonstration 2 has label 3, outside the label set 0..1; map label words to ids 0..C-1 of the label set',
    );
    expect(() => attentionVote([0.5], [0, 1], 2)).toThrow(ShapeError);
    expect(() => sameClassOracle([0, 1], [0], 0, 2)).toThrow(ShapeError);
    expect(() => demonstrationWeights(uniformRow(spans.y[2].end - 1), spans)).toThrow(ShapeError);
  });
});

/**
 * A world where the answer is known: 8 demonstrations whose input class (0..2) mostly decides the
 * label, a model that answers as the same-class oracle, and four heads in one layer:
 * head 0 spreads its attention over the labels of x_test's-class demonstrations, so it must vote
 * the oracle; head 1 is uniform, so it must vote the majority; head 2 looks only at x_test, so every
 * a_i is 0 and it votes label 0; head 3 looks at the inputs (not the labels) of the same-class
 * demonstrations, so its span variant votes the oracle while its label variant sees nothing.
 */
function knownWorld(prompts: number, seed = 1): VoteItem[] {
  const rng = new Rng(seed);
  const n = 8;
  const spans = tokenPromptSpans(n, 3);
  const labelOf = [0, 1, 1];
  return Array.from({ length: prompts }, () => {
    const classes = Array.from({ length: n }, () => rng.int(3));
    const labels = classes.map((c) => (rng.uniform() < 0.2 ? 1 - labelOf[c] : labelOf[c]));
    const queryClass = rng.int(3);
    const gold = rng.uniform() < 0.1 ? 1 - labelOf[queryClass] : labelOf[queryClass];
    const same = classes.map((c, i) => (c === queryClass ? i : -1)).filter((i) => i >= 0);
    const chosen = same.length > 0 ? same : classes.map((_, i) => i);
    const oracle = sameClassOracle(labels, classes, queryClass, 2);
    const onQuery = attentionRow(spans.length, [[spans.query.start, 1]]);
    return {
      rows: [[rowOnDemos(spans, chosen, 'y'), uniformRow(spans.length), onQuery, rowOnDemos(spans, chosen, 'x')]],
      spans,
      labels,
      gold,
      modelDistribution: oracle === 0 ? [0.9, 0.1] : [0.1, 0.9],
      classes,
      queryClass,
    };
  });
}

describe('AttentionVoteAccumulator on hand-built heads', () => {
  const items = knownWorld(60);
  const votes = new AttentionVoteAccumulator({ numClasses: 2 });
  for (const item of items) votes.add(item);
  const stats = votes.stats();
  const head = (h: number, variant: 'span' | 'label' = 'span') =>
    stats.heads.find((s) => s.layer === 0 && s.head === h && s.variant === variant)!;

  it('a head that attends to the same-class demonstrations votes the oracle', () => {
    expect(stats.oracle!.agreement).toBe(1);
    expect(head(0).agreement).toBe(1);
    expect(head(0).accuracy).toBe(stats.oracle!.accuracy);
    expect(head(0, 'label').agreement).toBe(1);
    expect(stats.modelAccuracy).toBe(stats.oracle!.accuracy);
  });

  it('a uniform head votes the majority; a head on x_test alone votes label 0', () => {
    expect(head(1).agreement).toBe(stats.majority.agreement);
    expect(head(1).accuracy).toBe(stats.majority.accuracy);
    const model = items.map((it) => argmax(it.modelDistribution));
    expect(head(2).agreement).toBe(model.filter((m) => m === 0).length / items.length);
  });

  it('the label variant reads only y_i: a head on the inputs votes the oracle by span, label 0 by label', () => {
    expect(head(3).agreement).toBe(1);
    expect(head(3, 'label').agreement).toBe(head(2).agreement);
  });

  it('averages TV and smoothed KL(model || vote) per prompt', () => {
    let tv = 0;
    let kl = 0;
    for (const item of items) {
      const v = attentionVote(demonstrationWeights(item.rows[0][1], item.spans), item.labels, 2).distribution;
      tv += totalVariation(item.modelDistribution, v);
      const total = 1 + 2 * VOTE_KL_SMOOTHING;
      kl += klDivergence(
        item.modelDistribution,
        Array.from(v, (p) => (p + VOTE_KL_SMOOTHING) / total),
      );
    }
    expect(head(1).tv).toBeCloseTo(tv / items.length, 12);
    expect(head(1).kl).toBeCloseTo(kl / items.length, 12);
    // The head on x_test votes uniformly: TV from (0.9, 0.1) is 0.4 on every prompt.
    expect(head(2).tv).toBeCloseTo(0.4, 6);
  });

  it('scores a subset of prompts', () => {
    const sub = votes.stats([0, 1, 2]);
    expect(sub.prompts).toBe(3);
    expect(() => votes.stats([60])).toThrow(OptionError);
    expect(() => votes.stats([])).toThrow(OptionError);
  });

  it('chooses the oracle head on the selection split and reports it held out', () => {
    const best = bestHead(votes, { seed: 3 });
    expect([best.layer, best.head]).toEqual([0, 0]);
    expect(best.selection.agreement).toBe(1);
    expect(best.heldOut.agreement).toBe(1);
    expect(best.split.selection.length).toBe(42);
    expect(best.heldOut.accuracy).toBe(votes.stats(best.split.heldOut).oracle!.accuracy);
  });

  it('rejects labels outside the set, a wrong distribution size, missing classes and spans beyond the rows', () => {
    const acc = new AttentionVoteAccumulator({ numClasses: 2 });
    const item = items[0];
    expect(() => acc.add({ ...item, labels: Array.from(item.labels, (y, i) => (i === 3 ? 2 : y)) })).toThrow(/demonstration 4 has label 2/);
    expect(() => acc.add({ ...item, gold: -1 })).toThrow(OptionError);
    expect(() => acc.add({ ...item, modelDistribution: [1] })).toThrow(ShapeError);
    expect(() => acc.add({ ...item, labels: [0, 1] })).toThrow(ShapeError);
    expect(() => acc.add({ ...item, queryClass: undefined })).toThrow(OptionError);
    const short = tokenPromptSpans(9, 3);
    expect(() => acc.add({ ...item, spans: short, labels: [...(item.labels as number[]), 0] })).toThrow(/reach position/);
    acc.add(item);
    expect(() => acc.add({ ...item, classes: undefined, queryClass: undefined })).toThrow(/no classes/);
    expect(() => new AttentionVoteAccumulator({ numClasses: 0 })).toThrow(OptionError);
  });
});

describe('selectionSplit', () => {
  it('is a seeded, deterministic partition with round(0.7 n) selection prompts', () => {
    const a = selectionSplit(10, { seed: 5 });
    expect(a).toEqual(selectionSplit(10, { seed: 5 }));
    expect(a.selection.length).toBe(7);
    expect([...a.selection, ...a.heldOut].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(selectionSplit(1000, { seed: 1 })).not.toEqual(selectionSplit(1000, { seed: 2 }));
    expect(() => selectionSplit(1)).toThrow(OptionError);
    expect(() => selectionSplit(10, { selectFrac: 1 })).toThrow(OptionError);
  });
});
