import { describe, expect, it } from 'vitest';
import { classTargets, looksLikeClasses, realTargets } from './targets.js';

describe('classTargets', () => {
  it('sorts numeric labels numerically and others as strings', () => {
    const numeric = classTargets(['10', '2', '1', '2']);
    expect(numeric.labelNames).toEqual(['1', '2', '10']);
    expect([...numeric.labels]).toEqual([2, 1, 0, 1]);
    const named = classTargets(['pos', 'neg', 'neg ']);
    expect(named.labelNames).toEqual(['neg', 'pos']);
    expect([...named.labels]).toEqual([1, 0, 0]);
  });

  it('maps names and integers (from firstLabel) onto given label names', () => {
    const names = ['World', 'Sports', 'Business'];
    expect([...classTargets(['3', '1', 'Sports'], names, { firstLabel: 1 }).labels]).toEqual([2, 0, 1]);
    expect([...classTargets(['0', '2'], names).labels]).toEqual([0, 2]);
  });

  it('names the file and line of an unknown or empty label', () => {
    const at = { source: 'd.tsv', lines: [2, 3] };
    expect(() => classTargets(['1', '2'], ['neg', 'pos'], at)).toThrow("d.tsv:3: unknown label '2' (classes: neg, pos)");
    expect(() => classTargets(['1', ' '], undefined, at)).toThrow('d.tsv:3: the label is empty');
  });
});

describe('realTargets', () => {
  it('parses decimals and exponents', () => {
    expect([...realTargets(['1.5', '-2', '3e-1', '.5'], 'f')]).toEqual([1.5, -2, 0.3, 0.5]);
  });

  it('rejects empty, non-numeric and non-finite values with their line', () => {
    const lines = [2, 3];
    expect(() => realTargets(['1', ''], 'y.csv', lines)).toThrow('y.csv:3: target is empty');
    expect(() => realTargets(['1', 'abc'], 'y.csv', lines)).toThrow("y.csv:3: target 'abc' is not a finite number");
    for (const bad of ['NaN', 'Infinity', '1e999', '0x10']) {
      expect(() => realTargets([bad], 'y.csv')).toThrow(`y.csv: target '${bad}' is not a finite number`);
    }
  });
});

describe('looksLikeClasses', () => {
  it('calls text or few integers classes, and many or fractional numbers reals', () => {
    expect(looksLikeClasses(['pos', 'neg', 'pos'])).toBe(true);
    expect(looksLikeClasses(['0', '1', '2', '1'])).toBe(true);
    expect(looksLikeClasses(['0.5', '1', '2'])).toBe(false);
    expect(looksLikeClasses(Array.from({ length: 30 }, (_, i) => String(i)))).toBe(false);
  });
});
