import { OptionError, Rng, ShapeError } from '@iclkr/core';
import { pearson, spearman } from '@iclkr/kernels';
import { describe, expect, it } from 'vitest';
import { attentionRow, uniformRow } from '../../test/analysis/patterns.js';
import { KernelCorrelation, outputSimilarity } from './kernel-correlation.js';
import { tokenPromptSpans } from './spans.js';

describe('outputSimilarity', () => {
  it('is the inner product of next-token distributions', () => {
    const sim = outputSimilarity(
      [0.5, 0.5, 0],
      [
        [1, 0, 0],
        [0, 0.5, 0.5],
        [0, 0, 1],
      ],
    );
    expect(Array.from(sim)).toEqual([0.5, 0.25, 0]);
    expect(() => outputSimilarity([1, 0], [[1, 0, 0]])).toThrow(ShapeError);
  });
});

/**
 * Three heads with known correlations: head 0 puts attention on y_i in proportion to sim_i
 * (Pearson 1 on every prompt), head 1 in proportion to (max sim - sim_i) + 0.01 (Pearson -1),
 * head 2 is uniform (a_i constant: correlation undefined on every prompt).
 */
function prompts(count: number) {
  const rng = new Rng(7);
  const n = 5;
  const spans = tokenPromptSpans(n, 2);
  return Array.from({ length: count }, () => {
    const sim = Array.from({ length: n }, () => rng.uniform());
    const max = Math.max(...sim);
    const row = (w: (s: number) => number) =>
      attentionRow(spans.length, [[spans.query.start, 1], ...sim.map((s, i) => [spans.y[i].start, w(s)] as [number, number])]);
    return { spans, sim, rows: [[row((s) => s), row((s) => max - s + 0.01), uniformRow(spans.length)]] };
  });
}

describe('KernelCorrelation', () => {
  const items = prompts(20);
  const corr = new KernelCorrelation();
  for (const p of items) corr.add(p.rows, p.spans, p.sim);
  const [up, down, flat] = corr.result();

  it('a head whose attention is proportional to the similarity correlates perfectly per prompt', () => {
    expect(up.pearson).toBeCloseTo(1, 6);
    expect(up.spearman).toBeCloseTo(1, 12);
    expect(up.prompts).toBe(20);
    expect(down.pearson).toBeCloseTo(-1, 6);
    expect(down.spearman).toBeCloseTo(-1, 12);
  });

  it('leaves a constant head undefined (null) rather than 0', () => {
    expect(flat.pearson).toBeNull();
    expect(flat.spearman).toBeNull();
    expect(flat.pooledPearson).toBeNull();
    expect(flat.prompts).toBe(0);
  });

  it('pools all pairs for the pooled correlation (which the per-prompt mean is not)', () => {
    const a: number[] = [];
    const s: number[] = [];
    for (const p of items) {
      const row = p.rows[0][0];
      p.spans.y.forEach((y, i) => {
        a.push(row[y.start]);
        s.push(p.sim[i]);
      });
    }
    expect(up.pooledPearson).toBeCloseTo(pearson(a, s), 6);
    expect(up.pooledSpearman).toBeCloseTo(spearman(a, s), 6);
    // Rows are normalised per prompt, so pooling mixes scales: below the per-prompt 1.
    expect(up.pooledPearson!).toBeLessThan(0.999);
  });

  it('streams the pooled Pearson without keeping pairs when the pooled Spearman is off', () => {
    const lean = new KernelCorrelation({ pooledSpearman: false });
    for (const p of items) lean.add(p.rows, p.spans, p.sim);
    const [upLean, , flatLean] = lean.result();
    expect(upLean.pooledPearson).toBeCloseTo(up.pooledPearson!, 10);
    expect(upLean.pearson).toBe(up.pearson);
    expect(upLean.pooledSpearman).toBeNull();
    expect(flatLean.pooledPearson).toBeNull();
  });

  it('rejects a similarity per demonstration mismatch, non-finite values and short rows', () => {
    const p = items[0];
    const c = new KernelCorrelation();
    expect(() => c.add(p.rows, p.spans, p.sim.slice(1))).toThrow(ShapeError);
    expect(() => c.add(p.rows, p.spans, [Number.NaN, ...p.sim.slice(1)])).toThrow(OptionError);
    expect(() => c.add([[uniformRow(3)]], p.spans, p.sim)).toThrow(/reach position/);
    expect(() => c.result()).toThrow(OptionError);
  });
});
