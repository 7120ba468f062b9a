import { describe, expect, it } from 'vitest';
import {
  accuracy,
  agreement,
  klDivergence,
  l1Distance,
  meanAbsoluteError,
  meanInterval,
  meanSquaredError,
  pearson,
  ranks,
  spearman,
  totalVariation,
} from './metrics.js';

// Expected values computed by hand (closed forms) or with scipy.stats on the same inputs.
describe('metrics', () => {
  it('accuracy and agreement', () => {
    expect(accuracy([1, 0, 2, 2], [1, 1, 2, 0])).toBe(0.5);
    expect(agreement([0, 0, 1], [0, 0, 1])).toBe(1);
    expect(() => accuracy([1], [1, 2])).toThrow(/lengths 1 and 2 differ/);
    expect(() => accuracy([], [])).toThrow(/empty/);
  });
  it('pearson and spearman (scipy.stats: pearsonr 0.8, spearmanr 0.7378647873726218)', () => {
    expect(pearson([1, 2, 3, 4, 5], [2, 4, 5, 4, 5])).toBeCloseTo(0.7745966692414834, 12);
    expect(spearman([1, 2, 3, 4, 5], [2, 4, 5, 4, 5])).toBeCloseTo(0.7378647873726218, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(Number.isNaN(pearson([1, 1, 1], [1, 2, 3]))).toBe(true);
    expect(Array.from(ranks([10, 20, 10, 30]))).toEqual([1.5, 3, 1.5, 4]);
  });
  it('distances between distributions', () => {
    const p = [0.5, 0.5, 0];
    const q = [0.25, 0.25, 0.5];
    expect(l1Distance(p, q)).toBeCloseTo(1, 12);
    expect(totalVariation(p, q)).toBeCloseTo(0.5, 12);
    expect(klDivergence(p, q)).toBeCloseTo(Math.log(2), 12);
    expect(klDivergence(q, p)).toBe(Number.POSITIVE_INFINITY);
    expect(klDivergence(p, p)).toBe(0);
  });
  it('meanInterval: the mean +- 1.96 sample standard deviations over sqrt(n)', () => {
    // [1, 2, 3, 4]: mean 2.5, sample sd sqrt(5/3), half-width 1.96 * sqrt(5/3) / 2.
    const [mean, [lo, hi]] = meanInterval([1, 2, 3, 4]);
    expect(mean).toBe(2.5);
    expect(hi - mean).toBeCloseTo((1.96 * Math.sqrt(5 / 3)) / 2, 12);
    expect(mean - lo).toBeCloseTo(hi - mean, 12);
    expect(meanInterval([7])).toEqual([7, [7, 7]]);
    expect(() => meanInterval([])).toThrow(/no values/);
  });
  it('regression errors', () => {
    expect(meanSquaredError([1, 2], [2, 4])).toBe(2.5);
    expect(meanAbsoluteError([1, 2], [2, 4])).toBe(1.5);
  });
});
