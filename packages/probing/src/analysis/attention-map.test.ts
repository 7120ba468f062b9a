import { OptionError, ShapeError } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { attentionRow, uniformRow } from '../../test/analysis/patterns.js';
import { AttentionMap, attentionMapRow, resampleLinear } from './attention-map.js';
import { attentionRows } from './pattern.js';
import { tokenPromptSpans } from './spans.js';

describe('resampleLinear', () => {
  it('maps a linear ramp to the exact ramp at the resampled points', () => {
    // v_j = 2 + 3 j on 7 points; at t_r = r * 6 / 29 the interpolant is exactly 2 + 3 t_r.
    const ramp = Array.from({ length: 7 }, (_, j) => 2 + 3 * j);
    const out = resampleLinear(ramp, 30);
    expect(out.length).toBe(30);
    out.forEach((v, r) => expect(v).toBeCloseTo(2 + (3 * r * 6) / 29, 12));
    expect(out[0]).toBe(2);
    expect(out[29]).toBe(20);
  });

  it('matches a brute-force piecewise-linear interpolant (as numpy interp on linspace)', () => {
    const v = [0.3, 0.1, 0.9, 0.4, 0.0];
    const out = resampleLinear(v, 9);
    for (let r = 0; r < 9; r++) {
      const t = (r * 4) / 8;
      const j = Math.min(Math.floor(t), 3);
      expect(out[r]).toBeCloseTo(v[j] + (v[j + 1] - v[j]) * (t - j), 12);
    }
  });

  it('spreads a one-token span and shrinks to the first value at length 1', () => {
    expect(Array.from(resampleLinear([0.25], 4))).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(Array.from(resampleLinear([1, 2, 3], 1))).toEqual([1]);
    expect(() => resampleLinear([], 3)).toThrow(ShapeError);
    expect(() => resampleLinear([1], 0)).toThrow(OptionError);
  });
});

describe('attentionMapRow', () => {
  it('resamples x_i and the query, keeps y_i and delimiters as single cells', () => {
    const spans = tokenPromptSpans(2, 3);
    const row = Float32Array.from({ length: spans.length }, (_, p) => p);
    const { cells, values } = attentionMapRow(row, spans, 5);
    expect(cells.length).toBe(2 * (5 + 2) + 5);
    expect(cells.slice(4, 8).map((c) => c.kind)).toEqual(['x', 'y', 'delimiter', 'x']);
    // x_1 = positions 0..2 (values 0, 1, 2) resampled to 5 cells: 0, 0.5, 1, 1.5, 2.
    expect(Array.from(values.slice(0, 5))).toEqual([0, 0.5, 1, 1.5, 2]);
    expect(values[5]).toBe(3);
    expect(values[6]).toBe(4);
    // The query 10..12 ends at the final position, which attends to itself.
    expect(values[values.length - 1]).toBe(12);
  });
});

describe('AttentionMap', () => {
  it('averages per layer and head over prompts', () => {
    const spans = tokenPromptSpans(1, 2);
    const map = new AttentionMap({ resolution: 3 });
    // Prompt 1: layer 0 head 0 all on y_1 (position 2); prompt 2: all on the first token.
    map.add([[attentionRow(spans.length, [[2, 1]]), uniformRow(spans.length)]], spans);
    map.add([[attentionRow(spans.length, [[0, 1]]), uniformRow(spans.length)]], spans);
    const r = map.result();
    expect(r.prompts).toBe(2);
    expect(r.values.length).toBe(1);
    expect(r.values[0].length).toBe(2);
    const yCell = r.cells.findIndex((c) => c.kind === 'y');
    expect(r.values[0][0][yCell]).toBeCloseTo(0.5, 6);
    expect(r.values[0][0][0]).toBeCloseTo(0.5, 6);
    expect(r.values[0][1][yCell]).toBeCloseTo(1 / spans.length, 6);
  });

  it('takes rows cut from a flat hook_pattern [batch, head, q, k]', () => {
    const spans = tokenPromptSpans(1, 1);
    const [b, h, q, k] = [2, 2, spans.length, spans.length];
    const pattern = new Float32Array(b * h * q * k);
    // Batch 1, head 1, final query: all on position 1 (y_1).
    pattern[((1 * h + 1) * q + (q - 1)) * k + 1] = 1;
    const rows = attentionRows(pattern, [b, h, q, k], 1);
    expect(rows.length).toBe(2);
    const r = new AttentionMap({ resolution: 2 }).add([rows], spans).result();
    expect(r.values[0][1][r.cells.findIndex((c) => c.kind === 'y')]).toBe(1);
    expect(() => attentionRows(pattern, [b, h, q, k], 2)).toThrow(OptionError);
    expect(() => attentionRows(pattern, [b, h, q, k + 1], 0)).toThrow(ShapeError);
  });

  it('rejects spans beyond the row, a changed layout and a changed head count', () => {
    const spans = tokenPromptSpans(2, 2);
    const map = new AttentionMap();
    expect(() => map.add([[uniformRow(spans.length - 1)]], spans)).toThrow(/reach position/);
    map.add([[uniformRow(spans.length)]], spans);
    const other = tokenPromptSpans(3, 2);
    expect(() => map.add([[uniformRow(other.length)]], other)).toThrow(ShapeError);
    expect(() => map.add([[uniformRow(spans.length), uniformRow(spans.length)]], spans)).toThrow(/earlier prompts/);
    expect(() => new AttentionMap().result()).toThrow(OptionError);
    expect(() => new AttentionMap({ resolution: 0 })).toThrow(OptionError);
  });
});
