/**
 * The paper's attention map (SPEC §3.1): attention from the final position to every earlier one,
 * each input span resampled to a fixed number of cells, averaged over prompts per layer and head.
 */

import { OptionError, ShapeError } from '@iclkr/core';
import { checkRows, type LayerHeadRows } from './pattern.js';
import type { PromptSpans, SegmentKind } from './spans.js';

/**
 * `values` (m >= 1 samples at 0..m-1) linearly interpolated at `length` evenly spaced points
 * t_r = r (m - 1) / (length - 1), r = 0..length-1 (both ends kept; `length` 1 gives t_0 = 0):
 * out_r = (1 - f) v_floor(t) + f v_ceil(t), f = t - floor(t), as numpy's interp(linspace(0, m-1, length), arange(m), v).
 */
export function resampleLinear(values: ArrayLike<number>, length: number): Float64Array {
  const m = values.length;
  if (m === 0) throw new ShapeError('cannot resample an empty span', 'give spans with at least one token');
  if (!Number.isInteger(length) || length < 1)
    throw new OptionError(`resample length ${length} is not a positive integer`, 'use a length >= 1');
  const out = new Float64Array(length);
  for (let r = 0; r < length; r++) {
    const t = length === 1 ? 0 : (r * (m - 1)) / (length - 1);
    const lo = Math.min(Math.floor(t), m - 1);
    const hi = Math.min(lo + 1, m - 1);
    const f = t - lo;
    out[r] = f === 0 ? values[lo] : (1 - f) * values[lo] + f * values[hi];
  }
  return out;
}

/** One column of the map: a segment of the prompt and the cell's index inside it. */
export interface MapCell {
  readonly kind: SegmentKind;
  /** Demonstration index; n for the query line. */
  readonly line: number;
  /** Cell index inside the segment (0..resolution-1 for inputs, the token for template text, 0 otherwise). */
  readonly offset: number;
}

/**
 * One attention row as map cells: each x_i and the query resampled to `resolution` cells, each
 * y_i and delimiter one cell holding the sum over its tokens (their single token's attention in
 * the usual case), template text one cell per token.
 */
export function attentionMapRow(row: ArrayLike<number>, spans: PromptSpans, resolution = 30): { cells: MapCell[]; values: Float64Array } {
  const cells: MapCell[] = [];
  const values: number[] = [];
  for (const s of spans.segments) {
    if (s.kind === 'x' || s.kind === 'query') {
      const slice = Array.from({ length: s.end - s.start }, (_, j) => row[s.start + j]);
      resampleLinear(slice, resolution).forEach((v, offset) => {
        cells.push({ kind: s.kind, line: s.line, offset });
        values.push(v);
      });
    } else if (s.kind === 'literal') {
      for (let p = s.start; p < s.end; p++) {
        cells.push({ kind: s.kind, line: s.line, offset: p - s.start });
        values.push(row[p]);
      }
    } else {
      let sum = 0;
      for (let p = s.start; p < s.end; p++) sum += row[p];
      cells.push({ kind: s.kind, line: s.line, offset: 0 });
      values.push(sum);
    }
  }
  return { cells, values: Float64Array.from(values) };
}

/** The averaged map: cell layout and mean attention per [layer][head][cell] over `prompts` prompts. */
export interface AttentionMapResult {
  readonly resolution: number;
  readonly prompts: number;
  readonly cells: readonly MapCell[];
  readonly values: readonly (readonly Float64Array[])[];
}

const cellKey = (c: MapCell) => `${c.kind}:${c.line}:${c.offset}`;

/**
 * Streaming attention map: `add` one prompt's final-position rows ([layer][head]) and spans at
 * a time; `result` averages. Every prompt must give the same cell layout (same template and
 * number of demonstrations).
 */
export class AttentionMap {
  readonly resolution: number;
  private sums?: Float64Array[][];
  private cells?: MapCell[];
  private layout?: string;
  private count = 0;

  constructor(options: { resolution?: number } = {}) {
    this.resolution = options.resolution ?? 30;
    if (!Number.isInteger(this.resolution) || this.resolution < 1) {
      throw new OptionError(`map resolution ${this.resolution} is not a positive integer`, 'use a resolution >= 1 (the paper uses 30)');
    }
  }

  /** Adds one prompt: its final-position attention rows by [layer][head] and its spans. */
  add(rows: LayerHeadRows, spans: PromptSpans): this {
    const expect = this.sums ? ([this.sums.length, this.sums[0].length] as const) : undefined;
    const [layers, heads] = checkRows(rows, spans.length, expect);
    let cells: MapCell[] | undefined;
    const mapped = rows.map((byHead) =>
      byHead.map((row) => {
        const one = attentionMapRow(row, spans, this.resolution);
        cells ??= one.cells;
        return one.values;
      }),
    );
    const layout = cells!.map(cellKey).join(',');
    if (this.layout !== undefined && layout !== this.layout) {
      throw new ShapeError(
        `prompt ${this.count} has a map layout of ${cells!.length} cells unlike the first prompt's ${this.cells!.length}`,
        'map prompts with the same template and number of demonstrations together',
      );
    }
    if (!this.sums) {
      this.sums = Array.from({ length: layers }, () => Array.from({ length: heads }, () => new Float64Array(cells!.length)));
      this.cells = cells;
      this.layout = layout;
    }
    for (let l = 0; l < layers; l++) {
      for (let h = 0; h < heads; h++) {
        const sum = this.sums[l][h];
        const v = mapped[l][h];
        for (let c = 0; c < v.length; c++) sum[c] += v[c];
      }
    }
    this.count++;
    return this;
  }

  /** The mean map over the prompts added so far. */
  result(): AttentionMapResult {
    if (!this.sums) throw new OptionError('attention map has no prompts', 'add at least one prompt before result()');
    const n = this.count;
    return {
      resolution: this.resolution,
      prompts: n,
      cells: this.cells!,
      values: this.sums.map((byHead) => byHead.map((s) => s.map((v) => v / n))),
    };
  }
}
