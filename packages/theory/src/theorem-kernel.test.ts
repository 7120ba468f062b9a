import { Rng, tf } from '@iclkr/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { bruteOperator, smallWorld } from '../test/worlds.js';
import { worldFromPreset } from './presets.js';
import { samplePrompt } from './sample.js';
import { sampleInputs, TheoremKernel } from './theorem-kernel.js';

// Reference: Sigma formed densely from the same samples, (Sigma + lambda I)^-1 by Gauss–Jordan in float64.
function inverse(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((r, i) => [...r, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    const f = m[c][c];
    for (let k = 0; k < 2 * n; k++) m[c][k] /= f;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const g = m[r][c];
      for (let k = 0; k < 2 * n; k++) m[r][k] -= g * m[c][k];
    }
  }
  return m.map((r) => r.slice(n));
}

const world = smallWorld(3, 3, 5, 3);
const vec = (x: number[]) => bruteOperator(world.tasks[0].transition, world.tasks[0].emission, 3, 5, x).flat();
const secondMoment = (vs: number[][]) =>
  Array.from({ length: 9 }, (_, i) => Array.from({ length: 9 }, (_, j) => vs.reduce((s, v) => s + v[i] * v[j], 0) / vs.length));

describe("the theorem's kernel", () => {
  const k = 2;
  const samples = 40;
  const ridge = 0.05;
  let kernel: TheoremKernel;
  beforeAll(() => {
    kernel = new TheoremKernel(world, { inputLength: k, samples, ridge }, new Rng(9));
  });
  const vs = sampleInputs(world, samples, k, new Rng(9)).map(vec);
  const sigma = secondMoment(vs);
  const lambda = (ridge * sigma.reduce((s, r, i) => s + r[i], 0)) / 9;

  it('uses the ridge relative to the mean eigenvalue and reports eta = max ||T_x||_F', () => {
    expect(kernel.lambda).toBeCloseTo(lambda, 6);
    expect(kernel.eta).toBeCloseTo(Math.max(...vs.map((v) => Math.hypot(...v))), 5);
  });

  it("equals vec(T_x)^T (Sigma + lambda I)^-1 vec(T_x') computed densely", () => {
    const inv = inverse(sigma.map((r, i) => r.map((v, j) => v + (i === j ? lambda : 0))));
    const queries = [
      [0, 1],
      [3, 2],
    ];
    const inputs = [
      [
        [0, 1],
        [2, 2],
        [4, 0],
      ],
      [
        [1, 1],
        [3, 2],
        [0, 4],
      ],
    ];
    const rows = kernel.rows(queries, inputs);
    queries.forEach((q, p) => {
      const z = inv.map((r) => r.reduce((s, v, j) => s + v * vec(q)[j], 0));
      const want = inputs[p].map((x) => vec(x).reduce((s, v, j) => s + v * z[j], 0));
      const scale = Math.max(...want.map(Math.abs));
      want.forEach((w, i) => expect(Math.abs(rows[p][i] - w) / scale).toBeLessThan(2e-3));
    });
  });

  it('eps_theta equals ||Sigma_theta - Sigma||_F / ||Sigma||_F from the same samples', () => {
    const got = kernel.epsTheta(1, 30, new Rng(4));
    const sigmaTask = secondMoment(sampleInputs(world, 30, k, new Rng(4), [0, 1, 0]).map(vec));
    const norm = (a: number[][]) => Math.sqrt(a.flat().reduce((s, v) => s + v * v, 0));
    const want = norm(sigmaTask.map((r, i) => r.map((v, j) => v - sigma[i][j]))) / norm(sigma);
    expect(got).toBeCloseTo(want, 3);
  });

  it('refuses bad settings and operators too large to whiten, and frees its tensors', () => {
    expect(() => new TheoremKernel(world, { inputLength: 2, samples: 1 }, new Rng(1))).toThrow(/samples 1 is not an integer >= 2/);
    expect(() => new TheoremKernel(world, { inputLength: 2, ridge: 0 }, new Rng(1))).toThrow(/ridge 0 is not positive/);
    const big = smallWorld(5, 90, 4, 6, true);
    expect(() => new TheoremKernel(big, { inputLength: 1 }, new Rng(1))).toThrow(/needs vec\(T_x\) of dimension 48600/);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      const t = new TheoremKernel(world, { inputLength: 2, samples: 20 }, new Rng(i));
      t.rows([[0, 1]], [[[1, 2]]]);
      t.epsTheta(0, 10, new Rng(i));
      t.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses values float32 cannot resolve: K(x, x) below its floor |v|^2 / (trace(Sigma) + lambda)', () => {
    // The recall world's one-token inputs all lie in the span of the sampled operators, so at a
    // tiny ridge (v - V^T a) / lambda is a difference of nearly equal float32 numbers; this seed's
    // Gram still factorises, and without the check K(x, x) came out negative.
    const recall = worldFromPreset('recall', 0);
    const tiny = new TheoremKernel(recall, { inputLength: 1, ridge: 3e-3, samples: 300 }, new Rng(1));
    const inputs = Array.from({ length: 32 }, (_, t) => [t]);
    expect(() =>
      tiny.rows(
        inputs,
        inputs.map((x) => [x]),
      ),
    ).toThrow(/lost float32 precision at ridge 0\.003: K\(x, x\) = \S+, below its floor/);
    tiny.dispose();
    // At the default ridge the kernel is sane: mean K over sampled prompts ranks same input >
    // same class > other class, as the world's classes imply (the classes are the reference).
    const ok = new TheoremKernel(recall, { inputLength: 1, samples: 300 }, new Rng(1));
    const rng = new Rng(3);
    const prompts = Array.from({ length: 40 }, () => samplePrompt(recall, rng.int(192), 16, 1, rng));
    const rows = ok.rows(
      prompts.map((p) => p.query),
      prompts.map((p) => p.demos.map(([x]) => x)),
    );
    const groups: Record<string, number[]> = { input: [], class: [], other: [] };
    prompts.forEach((p, i) =>
      p.demos.forEach(([x], j) =>
        groups[x[0] === p.query[0] ? 'input' : p.demoClasses![j] === p.queryClass ? 'class' : 'other'].push(rows[i][j]),
      ),
    );
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(mean(groups.input)).toBeGreaterThan(mean(groups.class));
    expect(mean(groups.class)).toBeGreaterThan(2 * mean(groups.other));
    ok.dispose();
  });
});
