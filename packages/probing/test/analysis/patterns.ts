/** Hand-built attention rows and prompts for the analysis tests. */

import type { PromptSpans } from '../../src/analysis/spans.js';

/** A row over `length` positions with `mass` at the given positions, normalised to sum 1 (a softmax output). */
export function attentionRow(length: number, mass: ReadonlyMap<number, number> | readonly [number, number][]): Float32Array {
  const row = new Float32Array(length);
  for (const [p, m] of mass instanceof Map ? mass : new Map(mass)) row[p] += m;
  const total = row.reduce((a, b) => a + b, 0);
  return row.map((v) => v / total);
}

/** A row spreading its mass evenly over the given demonstrations' [x_i, y_i] spans. */
export function rowOnDemos(spans: PromptSpans, demos: readonly number[], where: 'x' | 'y' = 'y'): Float32Array {
  const mass: [number, number][] = [];
  for (const i of demos) {
    const s = where === 'y' ? spans.y[i] : spans.x[i];
    mass.push([s.start, 1]);
  }
  return attentionRow(spans.length, mass);
}

/** A uniform row over the whole prompt. */
export function uniformRow(length: number): Float32Array {
  return new Float32Array(length).fill(1 / length);
}
