import { matrixFromRows, OptionError, Rng, ShapeError } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { KvProbe, ridgeProbe } from './kv-probe.js';
import { labelPositions, tokenPromptSpans } from './spans.js';

const normals = (rng: Rng, d: number) => Array.from({ length: d }, () => rng.normal());

/** Class-dependent centres plus small noise: a linearly separable data set. */
function separable(n: number, d: number, classes: number, seed: number, label = (i: number) => i % classes) {
  const rng = new Rng(seed);
  const centres = Array.from({ length: classes }, () => normals(rng, d).map((v) => 3 * v));
  const labels = Array.from({ length: n }, (_, i) => label(i));
  const rows = labels.map((y) => centres[y].map((c) => c + 0.1 * rng.normal()));
  return { x: matrixFromRows(rows), labels };
}

/** Solves A w = b by Gaussian elimination with partial pivoting (the test's independent reference). */
function solve(a: number[][], b: number[][]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k < m[r].length; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => row.slice(n).map((v) => v / m[i][i]));
}

describe('ridgeProbe', () => {
  it('reads a linearly separable feature perfectly', () => {
    const { x, labels } = separable(200, 6, 3, 1);
    const r = ridgeProbe(x, labels);
    expect(r.accuracy).toBe(1);
    expect(r.lambda).toBe(0.01);
    expect(Array.from(r.predictions)).toEqual(labels);
  });

  it('is near chance on noise', () => {
    const rng = new Rng(2);
    const x = matrixFromRows(Array.from({ length: 300 }, () => normals(rng, 8)));
    const labels = Array.from({ length: 300 }, (_, i) => i % 2);
    const r = ridgeProbe(x, labels);
    expect(r.accuracy).toBeGreaterThan(0.35);
    expect(r.accuracy).toBeLessThan(0.65);
  });

  it('matches a brute-force ridge with intercept (normal equations, Gaussian elimination) fold by fold', () => {
    // Two groups and two folds: each group is predicted by a probe fitted on the other one.
    const rng = new Rng(3);
    const ids = [50, 7, 1234];
    const rows = Array.from({ length: 24 }, () => normals(rng, 3).map((v) => v + 2));
    const targets = rows.map((_, i) => ids[(i * 7) % 3]);
    const groups = rows.map((_, i) => (i < 12 ? 0 : 1));
    const lambda = 0.5;
    const r = ridgeProbe(matrixFromRows(rows), targets, { folds: 2, groups, lambdas: [lambda] });
    const classes = [7, 50, 1234];
    for (const test of [0, 1]) {
      const train = rows.map((_, i) => i).filter((i) => groups[i] !== test);
      const mu = [0, 1, 2].map((j) => train.reduce((s, i) => s + rows[i][j], 0) / train.length);
      const ybar = classes.map((c) => train.filter((i) => targets[i] === c).length / train.length);
      const xc = train.map((i) => rows[i].map((v, j) => v - mu[j]));
      const yc = train.map((i) => classes.map((c, k) => (targets[i] === c ? 1 : 0) - ybar[k]));
      const a = [0, 1, 2].map((p) => [0, 1, 2].map((q) => xc.reduce((s, row) => s + row[p] * row[q], 0) + (p === q ? lambda : 0)));
      const b = [0, 1, 2].map((p) => classes.map((_, k) => xc.reduce((s, row, t) => s + row[p] * yc[t][k], 0)));
      const w = solve(a, b);
      rows.forEach((row, i) => {
        if (groups[i] !== test) return;
        const scores = classes.map((_, k) => ybar[k] + row.reduce((s, v, j) => s + (v - mu[j]) * w[j][k], 0));
        expect(r.predictions[i]).toBe(classes[scores.indexOf(Math.max(...scores))]);
      });
    }
  });

  it('chooses lambda by inner cross-validation: a huge penalty only predicts the majority class', () => {
    // 60/40 classes: with lambda 1e6 the probe falls back to the intercept (the majority).
    const { x, labels: skewed } = separable(100, 4, 2, 4, (i) => (i % 5 < 3 ? 0 : 1));
    const huge = ridgeProbe(x, skewed, { lambdas: [1e6] });
    expect(huge.accuracy).toBeLessThan(0.75);
    const chosen = ridgeProbe(x, skewed, { lambdas: [1e6, 1e-3] });
    expect(chosen.lambda).toBe(1e-3);
    expect(chosen.accuracy).toBeGreaterThan(0.95);
  });

  it('is deterministic for a seed and rejects impossible options', () => {
    const { x, labels } = separable(30, 3, 2, 5);
    expect(ridgeProbe(x, labels, { seed: 9 })).toEqual(ridgeProbe(x, labels, { seed: 9 }));
    expect(() => ridgeProbe(x, labels, { folds: 1 })).toThrow(OptionError);
    expect(() => ridgeProbe(x, labels, { folds: 2, lambdas: [0.1, 1] })).toThrow(/too few for choosing among several lambdas/);
    expect(() => ridgeProbe(x, labels, { lambdas: [0] })).toThrow(OptionError);
    expect(() => ridgeProbe(x, labels, { groups: labels, folds: 3 })).toThrow(/2 groups cannot fill 3 folds/);
    expect(() => ridgeProbe(x, labels.slice(1))).toThrow(ShapeError);
    expect(() =>
      ridgeProbe(
        x,
        labels.map((y) => y + 0.5),
      ),
    ).toThrow(OptionError);
    const bad = { ...x, data: Float32Array.from(x.data, (v, i) => (i === 4 ? Number.NaN : v)) };
    expect(() => ridgeProbe(bad, labels)).toThrow(/feature row 2 holds NaN/);
  });
});

/**
 * A model where the answer is known: layer 0 head 1's value at each label position (offset 0)
 * is the label's centre plus small noise, everything else is noise. Its offset-0 probe must be
 * perfect; its other offsets and the other heads must sit near chance.
 */
describe('KvProbe on synthetic values', () => {
  const heads = 2;
  const dHead = 4;
  const n = 4;
  const spans = tokenPromptSpans(n, 2);
  const rng = new Rng(11);
  const centres = [normals(rng, dHead).map((v) => 3 * v), normals(rng, dHead).map((v) => 3 * v)];
  const probe = new KvProbe({ heads, dHead });
  for (let p = 0; p < 50; p++) {
    const labels = Array.from({ length: n }, () => rng.int(2));
    const blocks = [0, 1].map(() => Float32Array.from({ length: spans.length * heads * dHead }, () => rng.normal()));
    labelPositions(spans).forEach((pos, i) => {
      centres[labels[i]].forEach((c, j) => {
        blocks[0][(pos * heads + 1) * dHead + j] = c + 0.1 * rng.normal();
      });
    });
    probe.add(blocks, labelPositions(spans), labels);
  }
  const result = probe.result();

  it('finds the separable head at offset 0 and only there', () => {
    expect(result.offsets).toEqual([-1, 0, 1, 2, 3]);
    expect(result.examples).toBe(200);
    expect(result.heads.map((h) => [h.layer, h.head])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    const good = result.heads[1];
    expect(good.accuracy[1]).toBe(1);
    for (const [o, acc] of good.accuracy.entries()) if (o !== 1) expect(acc).toBeLessThan(0.7);
    for (const h of [0, 2, 3]) for (const acc of result.heads[h].accuracy) expect(acc).toBeLessThan(0.7);
  });

  it('probes only the selected heads and offsets', () => {
    const small = new KvProbe({ heads, dHead, offsets: [0], select: [[0, 1]] });
    const blocks = [0, 1].map(() => new Float32Array(spans.length * heads * dHead));
    for (let p = 0; p < 10; p++) small.add(blocks, labelPositions(spans), [0, 1, 0, 1]);
    const r = small.result();
    expect(r.heads.length).toBe(1);
    expect(r.heads[0].accuracy.length).toBe(1);
  });

  it('rejects positions past the prompt, wrong block sizes and unknown heads', () => {
    const blocks = [0, 1].map(() => new Float32Array(spans.length * heads * dHead));
    const p = new KvProbe({ heads, dHead, offsets: [0, 20] });
    expect(() => p.add(blocks, labelPositions(spans), [0, 1, 0, 1])).toThrow(/offset 20 is outside/);
    expect(() => new KvProbe({ heads, dHead }).add([new Float32Array(7)], [0], [0])).toThrow(ShapeError);
    expect(() => new KvProbe({ heads, dHead }).add(blocks, [3], [0, 1])).toThrow(ShapeError);
    expect(() => new KvProbe({ heads, dHead, select: [[2, 0]] }).add(blocks, [3], [0])).toThrow(OptionError);
    expect(() => new KvProbe({ heads, dHead }).result()).toThrow(OptionError);
    expect(() => new KvProbe({ heads: 0, dHead })).toThrow(OptionError);
  });
});
