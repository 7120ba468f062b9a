import { OptionError } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { attentionRow, uniformRow } from '../../test/analysis/patterns.js';
import { AttentionVoteAccumulator } from './attention-vote.js';
import { KernelCorrelation } from './kernel-correlation.js';
import { tokenPromptSpans } from './spans.js';
import { headGrid, probeSummary } from './summary.js';

/**
 * Two layers of two heads where the answer is known: layer 1 head 0 attends to the label of the
 * demonstration the model copies (the last one), in proportion to a similarity that is highest
 * there, so it must be the best head with agreement 1 and a positive kernel correlation; the other
 * heads are uniform (the majority vote) or on the first token.
 */
function build() {
  const spans = tokenPromptSpans(5, 2);
  const votes = new AttentionVoteAccumulator({ numClasses: 2 });
  const corr = new KernelCorrelation();
  for (let p = 0; p < 40; p++) {
    const labels = [0, 1, 2, 3, 4].map((i) => ((p >> i) & 1) ^ (i === 4 ? 0 : 1));
    const copied = labels[4];
    const sim = [0.1, 0.2, 0.3, 0.4, 0.9];
    const good = attentionRow(spans.length, [
      [spans.query.start, 1],
      ...sim.map((s, i) => [spans.y[i].start, i === 4 ? 5 : s] as [number, number]),
    ]);
    const rows = [
      [uniformRow(spans.length), attentionRow(spans.length, [[0, 1]])],
      [good, uniformRow(spans.length)],
    ];
    const item = {
      rows,
      spans,
      labels,
      gold: p % 3 === 0 ? 1 - copied : copied,
      modelDistribution: copied === 0 ? [0.7, 0.3] : [0.2, 0.8],
    };
    votes.add(item);
    corr.add(rows, spans, sim);
  }
  return { votes, corr };
}

describe('probeSummary', () => {
  it('picks the copying head, scores it held out and lists every head', () => {
    const { votes, corr } = build();
    const s = probeSummary(votes, { correlations: { span: corr }, seed: 1 });
    expect(s.prompts).toBe(40);
    expect(s.oracle).toBeUndefined();
    expect([s.bestHead.layer, s.bestHead.head]).toEqual([1, 0]);
    expect(s.bestHead.selectionAgreement).toBe(1);
    expect(s.bestHead.heldOutAgreement).toBe(1);
    expect(s.bestHead.heldOutAccuracy).toBe(s.heldOut.modelAccuracy);
    expect(s.heldOut.prompts).toBe(12);
    expect(s.bestHead.kernelCorrelation!).toBeGreaterThan(0.9);
    expect(s.heads.length).toBe(4);
    expect(s.heads[2]).toMatchObject({ layer: 1, head: 0, agreement: 1, variants: { label: { agreement: 1 } } });
    expect(s.heads[2].variants.span.agreement).toBe(s.heads[2].agreement);
    expect(s.bestByVariant.span).toEqual(s.bestHead);
    expect([s.bestByVariant.label.layer, s.bestByVariant.label.head]).toEqual([1, 0]);
    expect(s.heads[0].kernelCorrelation).toBeNull();
    // Each head's held-out scores are its vote on the held-out prompts only: for the best head they
    // equal bestHead's (computed by bestHead on its own split), and the copying head agrees there too.
    expect(s.heads[2].heldOut).toEqual({ agreement: s.bestHead.heldOutAgreement, accuracy: s.bestHead.heldOutAccuracy });
    expect(s.heads[0].variants.label.heldOut.agreement).toBeLessThanOrEqual(1);
    expect(s.modelAccuracy).toBeCloseTo(26 / 40, 12);
    expect(s.settings).toEqual({ selectFrac: 0.7, seed: 1, variant: 'span', klSmoothing: 1e-4 });
    // The summary is plain data: it survives JSON.
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('grids per-head values as layer x head for heatmaps', () => {
    const { votes } = build();
    const s = probeSummary(votes);
    const grid = headGrid(s.heads, (h) => h.agreement);
    expect(grid.length).toBe(2);
    expect(grid[1][0]).toBe(1);
    expect(headGrid(s.heads, (h) => h.kernelCorrelation)[0][0]).toBeNaN();
  });

  it('refuses an empty accumulator and a correlation over other heads', () => {
    expect(() => probeSummary(new AttentionVoteAccumulator({ numClasses: 2 }))).toThrow(OptionError);
    const { votes, corr } = build();
    const spans = tokenPromptSpans(5, 2);
    const other = new KernelCorrelation().add([[uniformRow(spans.length)]], spans, [1, 2, 3, 4, 5]);
    expect(() => probeSummary(votes, { correlations: { span: other } })).toThrow(OptionError);
    expect(() => probeSummary(votes, { correlations: { label: corr } })).toThrow(/reads a_i as span/);
  });
});
