// The knock-out pairs on hand-built prompts, against sums and orderings worked out by hand.
import { type ProbePrompt, tokenPromptSpans } from '@iclkr/probing';
import { describe, expect, it } from 'vitest';
import { attendedPair, classPair, mostAttendedCount } from './knockout.js';

/** Four demonstrations of length k = 1 (positions x y delim per line) and a query at 12. */
function prompt(classes?: number[], queryClass?: number): ProbePrompt {
  const spans = tokenPromptSpans(4, 1);
  return { tokens: Array.from({ length: spans.length }, () => 1), spans, labels: [0, 1, 0, 1], gold: 0, classes, queryClass };
}

/** Attention over the 13 positions: line i holds `perLine[i]` spread over its three positions; the query the rest. */
function row(perLine: number[]): Float32Array {
  const r = new Float32Array(13);
  perLine.forEach((m, i) => {
    for (let p = 0; p < 3; p++) r[3 * i + p] = m / 3;
  });
  r[12] = 1 - perLine.reduce((s, m) => s + m, 0);
  return r;
}

describe('classPair', () => {
  it("knocks out x_test's class and takes the same mass from the others in proportion", () => {
    const pair = classPair(prompt([0, 1, 0, 2], 0), row([0.1, 0.3, 0.2, 0.1]));
    expect(pair.keys).toEqual([0, 1, 2, 6, 7, 8]);
    expect(pair.removed).toBeCloseTo(0.3, 6);
    // Others hold 0.4: each keeps 1 - 0.3 / 0.4 = 0.25.
    for (const k of pair.controlKeep.slice(3, 6)) expect(k).toBeCloseTo(0.25, 6);
    expect(pair.controlKeep[0]).toBe(1);
    expect(pair.controlRemoved).toBeCloseTo(0.3, 6);
  });
});

describe('attendedPair', () => {
  it('knocks out the quarter of the demonstrations attended most, and takes the same mass from the least-attended first', () => {
    expect(mostAttendedCount(4)).toBe(1);
    expect(mostAttendedCount(16)).toBe(4);
    expect(mostAttendedCount(1)).toBe(1);
    // Line 2 holds most (0.3); the others 0.05 (line 3), 0.1 (line 0), 0.2 (line 1): 0.05 whole, 0.1 whole, 0.15 of 0.2.
    const pair = attendedPair(prompt(), row([0.1, 0.2, 0.3, 0.05]));
    expect(pair.keys).toEqual([6, 7, 8]);
    expect(pair.removed).toBeCloseTo(0.3, 6);
    expect(Array.from(pair.controlKeep.slice(9, 12))).toEqual([0, 0, 0]);
    expect(Array.from(pair.controlKeep.slice(0, 3))).toEqual([0, 0, 0]);
    for (const k of pair.controlKeep.slice(3, 6)) expect(k).toBeCloseTo(0.25, 6);
    expect(Array.from(pair.controlKeep.slice(6, 9))).toEqual([1, 1, 1]);
    expect(pair.controlKeep[12]).toBe(1);
    expect(pair.controlRemoved).toBeCloseTo(0.3, 6);
  });

  it('removes all the others hold when they hold less than the most-attended', () => {
    const pair = attendedPair(prompt(), row([0.05, 0.05, 0.6, 0.1]));
    expect(pair.removed).toBeCloseTo(0.6, 6);
    expect(pair.controlRemoved).toBeCloseTo(0.2, 6);
    expect(Array.from(pair.controlKeep.slice(0, 6))).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
