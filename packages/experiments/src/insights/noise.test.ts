import { fileURLToPath } from 'node:url';
import { Rng } from '@iclkr/core';
import { loadTextDataset } from '@iclkr/core/node';
import { describe, expect, it } from 'vitest';
import { demonstrationOrders, derangement, factorial, streamRng, typoNoise } from './noise.js';

const SST2_DEV = process.env.ICLKR_SHARED_DATA
  ? `${process.env.ICLKR_SHARED_DATA}/sst2/glue-dev.tsv`
  : fileURLToPath(new URL('../../../../../shared/data/sst2/glue-dev.tsv', import.meta.url));

/**
 * The fewest insertions, deletions and swaps of adjacent characters that turn a into b (optimal
 * string alignment without substitutions, which are a deletion and an insertion): an independent
 * count of the edits typo noise makes.
 */
function editDistance(a: readonly string[], b: readonly string[]): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 2;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

describe('derangement', () => {
  it('permutes every label and leaves none in place', () => {
    for (let c = 2; c <= 12; c++) {
      const d = derangement(c);
      expect([...d].sort((x, y) => x - y)).toEqual(Array.from({ length: c }, (_, i) => i));
      d.forEach((to, from) => expect(to).not.toBe(from));
    }
    expect(derangement(2)).toEqual([1, 0]);
    expect(() => derangement(1)).toThrow(/cannot be deranged/);
  });
});

describe('typoNoise', () => {
  it('is deterministic per seed, leaves rate 0 alone and edits only letters and digits', () => {
    const text = 'an utterly forgettable film , 2 hours long .';
    const a = typoNoise(text, 0.3, new Rng(4));
    expect(typoNoise(text, 0.3, new Rng(4))).toEqual(a);
    expect(typoNoise(text, 0.3, new Rng(5)).text).not.toBe(a.text);
    expect(a.text).not.toBe(text);
    expect(typoNoise(text, 0, new Rng(4))).toEqual({ text, edits: 0, editable: 34 });
    expect(a.text.replace(/[\p{L}\p{N}]/gu, '')).toBe(text.replace(/[\p{L}\p{N}]/gu, ''));
    // A query never loses its last letter.
    expect(typoNoise('a', 1, new Rng(0)).text.length).toBe(2);
    expect(() => typoNoise(text, 1.5, new Rng(0))).toThrow(/outside \[0, 1\]/);
  });

  it("makes edits at the requested rate per letter or digit, counted independently by the edit distance on SST-2's dev queries", async () => {
    const { texts } = await loadTextDataset(SST2_DEV);
    for (const rate of [0.05, 0.1, 0.2]) {
      let distance = 0;
      let edits = 0;
      let editable = 0;
      texts.forEach((text, i) => {
        const noisy = typoNoise(text, rate, streamRng(0, i));
        distance += editDistance([...text], [...noisy.text]);
        edits += noisy.edits;
        editable += [...text].filter((c) => /[\p{L}\p{N}]/u.test(c)).length;
      });
      expect(editable).toBeGreaterThan(70_000);
      // Binomial noise is about 0.0015 at rate 0.2 over this many characters (measured: 0.0492, 0.1011, 0.1985 at seed 0);
      // the distance can only undercount, where an edit undoes a neighbour's (a letter dropped, the same inserted after it).
      expect(Math.abs(distance / editable - rate)).toBeLessThan(0.005);
      expect(distance).toBeLessThanOrEqual(edits);
      expect(distance / edits).toBeGreaterThan(0.99);
    }
  });
});

describe('demonstrationOrders', () => {
  it('gives min(max, n!) distinct orders of 0..n-1, the given order first, all of them when n! <= max', () => {
    for (let n = 1; n <= 6; n++) {
      const orders = demonstrationOrders(n, 24, new Rng(n));
      expect(orders).toHaveLength(Math.min(24, factorial(n)));
      expect(orders[0]).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(new Set(orders.map((o) => o.join(','))).size).toBe(orders.length);
      for (const o of orders) expect([...o].sort((a, b) => a - b)).toEqual(orders[0]);
    }
    expect(demonstrationOrders(3, 24, new Rng(0))).toEqual([
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ]);
    expect(demonstrationOrders(8, 24, new Rng(3))).toEqual(demonstrationOrders(8, 24, new Rng(3)));
    expect(demonstrationOrders(8, 1, new Rng(3))).toEqual([[0, 1, 2, 3, 4, 5, 6, 7]]);
    expect(() => demonstrationOrders(3, 0, new Rng(0))).toThrow(/not a positive count/);
  });
});
