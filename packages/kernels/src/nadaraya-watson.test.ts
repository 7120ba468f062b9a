import { readFileSync } from 'node:fs';
import { matrixFromRows, Rng, tf } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { bruteNW, randomMatrix, row } from '../test/brute.js';
import { gram } from './gram.js';
import type { KernelName, KernelSpec } from './kernel.js';
import { NadarayaWatson } from './nadaraya-watson.js';
import { KernelRidge } from './ridge.js';

const oneHot = (labels: number[], c: number) => labels.map((l) => Array.from({ length: c }, (_, j) => (j === l ? 1 : 0)));

function classData(seed: number, n: number, d: number, c: number) {
  const rng = new Rng(seed);
  const x = randomMatrix(rng, n, d);
  const labels = Array.from({ length: n }, (_, i) => (x.data[i * d] > 0.3 ? 1 : x.data[i * d + 1] > 0 ? 2 : 0) % c);
  return { x, labels, q: randomMatrix(rng, 17, d) };
}

describe('NadarayaWatson against a brute-force float64 loop', () => {
  const cases: { spec: KernelSpec; scale?: number }[] = [
    { spec: { kernel: 'rbf', bandwidth: 0.8 } },
    { spec: { kernel: 'laplacian', bandwidth: 2.5 } },
    { spec: { kernel: 'attention', bandwidth: 2 } },
    { spec: { kernel: 'linear' } },
    { spec: { kernel: 'cosine' } },
    { spec: { kernel: 'poly', degree: 2, coef0: 1 } },
  ];
  for (const { spec } of cases) {
    for (const normalize of [true, false]) {
      it(`${spec.kernel} classify (normalize=${normalize})`, () => {
        const { x, labels, q } = classData(1, 60, 4, 3);
        const nw = new NadarayaWatson({ ...spec, normalize }).fit(x, { kind: 'class', labels, numClasses: 3 });
        const pred = nw.predict(q);
        expect(pred.cols).toBe(3);
        const y = oneHot(labels, 3);
        for (let i = 0; i < q.rows; i++) {
          const expected = bruteNW(spec, x, y, row(q, i), normalize);
          const got = Array.from(pred.data.subarray(i * 3, i * 3 + 3));
          const signed = spec.kernel === 'linear' || spec.kernel === 'poly' || spec.kernel === 'cosine';
          if (signed && normalize && Math.abs(expected.reduce((s, v) => s + v, 0)) < 1e-3) continue;
          const scale = Math.max(1, ...expected.map(Math.abs));
          got.forEach((g, j) => expect(Math.abs(g - expected[j]) / scale).toBeLessThan(2e-4));
        }
      });
    }
  }

  it('regression targets with rbf match the loop', () => {
    const rng = new Rng(7);
    const x = randomMatrix(rng, 80, 3);
    const values = Array.from({ length: 80 }, (_, i) => Math.sin(x.data[i * 3]) + x.data[i * 3 + 2]);
    const q = randomMatrix(rng, 25, 3);
    const spec: KernelSpec = { kernel: 'rbf', bandwidth: 0.6 };
    const pred = new NadarayaWatson(spec).fit(x, { kind: 'real', values }).predict(q);
    for (let i = 0; i < q.rows; i++) {
      const [e] = bruteNW(
        spec,
        x,
        values.map((v) => [v]),
        row(q, i),
      );
      expect(pred.data[i]).toBeCloseTo(e, 4);
    }
  });

  it('precomputed Gram (K and log K) reproduces the rbf estimator', () => {
    const { x, labels, q } = classData(3, 40, 2, 2);
    const targets = { kind: 'class' as const, labels, numClasses: 2 };
    const spec: KernelSpec = { kernel: 'rbf', bandwidth: 0.5 };
    const direct = new NadarayaWatson(spec).fit(x, targets).predict(q);
    const trainGram = gram(spec, x, x);
    const testGram = gram(spec, q, x);
    const viaGram = new NadarayaWatson({ kernel: 'precomputed' }).fit(trainGram, targets).predict(testGram);
    const viaLog = new NadarayaWatson({ kernel: 'precomputed', log: true })
      .fit(trainGram, targets)
      .predict(gram(spec, q, x, { log: true }));
    for (let i = 0; i < direct.data.length; i++) {
      expect(viaGram.data[i]).toBeCloseTo(direct.data[i], 5);
      expect(viaLog.data[i]).toBeCloseTo(direct.data[i], 5);
    }
  });
});

describe('NadarayaWatson against statsmodels KernelReg (stored fixture)', () => {
  const fixture = JSON.parse(readFileSync(new URL('../test/fixtures/statsmodels-kernelreg.json', import.meta.url), 'utf8')) as {
    cases: { bandwidth: number; train: number[][]; y: number[]; test: number[][]; expected: number[] }[];
  };
  fixture.cases.forEach((c, k) => {
    it(`case ${k}: ${c.train.length} train, ${c.train[0].length} features, h=${c.bandwidth}`, () => {
      const nw = new NadarayaWatson({ kernel: 'rbf', bandwidth: c.bandwidth }).fit(matrixFromRows(c.train), {
        kind: 'real',
        values: c.y,
      });
      const pred = nw.predict(matrixFromRows(c.test));
      const scale = Math.max(...c.expected.map(Math.abs));
      c.expected.forEach((e, i) => expect(Math.abs(pred.data[i] - e) / scale).toBeLessThan(1e-5));
    });
  });
});

describe('numerical safety', () => {
  it('tiny bandwidths give no NaN and a far query takes its nearest key', () => {
    const x = matrixFromRows([
      [0, 0],
      [1, 0],
      [0, 5],
    ]);
    const targets = { kind: 'class' as const, labels: [0, 1, 2], numClasses: 3 };
    for (const kernel of ['rbf', 'laplacian'] as KernelName[]) {
      const nw = new NadarayaWatson({ kernel, bandwidth: 1e-6 }).fit(x, targets);
      const pred = nw.predict(
        matrixFromRows([
          [100, 100],
          [0.9, 0.1],
          [-50, 3],
        ]),
      );
      expect(Array.from(pred.data)).toEqual([0, 0, 1, 0, 1, 0, 0, 0, 1]);
    }
    // The attention kernel's "nearest" key is the one with the largest dot product: [0, 5].
    const far = new NadarayaWatson({ kernel: 'attention', bandwidth: 1e-4 }).fit(x, targets);
    expect(Array.from(far.predict(matrixFromRows([[3, 1]])).data)).toEqual([0, 0, 1]);
  });

  it('signed kernels whose weights cancel fall back to the most similar key', () => {
    const x = matrixFromRows([
      [1, 0],
      [-1, 0],
    ]);
    const nw = new NadarayaWatson({ kernel: 'linear' }).fit(x, { kind: 'real', values: [3, 7] });
    expect(nw.predict(matrixFromRows([[0, 1]])).data[0]).toBe(3);
    expect(Number.isNaN(nw.predict(matrixFromRows([[0, 1]])).data[0])).toBe(false);
  });

  it('a small memory budget streams in many batches with the same result', () => {
    const { x, labels, q } = classData(5, 300, 6, 3);
    const targets = { kind: 'class' as const, labels, numClasses: 3 };
    const spec = { kernel: 'rbf' as const, bandwidth: 1.1 };
    const big = new NadarayaWatson(spec).fit(x, targets).predict(q);
    const calls: number[] = [];
    const small = new NadarayaWatson({ ...spec, maxMemoryBytes: 300 * 16 * 2, onProgress: (d) => calls.push(d) })
      .fit(x, targets)
      .predict(q);
    expect(calls.length).toBeGreaterThan(5);
    expect(calls[calls.length - 1]).toBe(q.rows);
    expect(Array.from(small.data)).toEqual(Array.from(big.data));
  });

  it('holds no tensors after 100 repeated fit/predict/gram calls', () => {
    const { x, labels, q } = classData(9, 50, 3, 2);
    const targets = { kind: 'class' as const, labels, numClasses: 2 };
    const run = () => {
      new NadarayaWatson({ kernel: 'rbf', bandwidth: 'loo', loo: { search: 'golden' } }).fit(x, targets).predict(q);
      new NadarayaWatson({ kernel: 'cosine' }).fit(x, targets).predict(q);
      new KernelRidge({ kernel: 'laplacian', bandwidth: 1 }).fit(x, targets).predict(q);
      gram({ kernel: 'attention', bandwidth: 2 }, q, x, { log: true });
    };
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) run();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('bad options', () => {
  const x = matrixFromRows([[0], [1]]);
  it('rejects a negative bandwidth, a missing one, and one on a kernel without it', () => {
    expect(() => new NadarayaWatson({ kernel: 'rbf', bandwidth: -1 })).toThrow(/bandwidth -1 is not a positive number/);
    expect(() => new NadarayaWatson({ kernel: 'rbf' })).toThrow(/needs a bandwidth/);
    expect(() => new NadarayaWatson({ kernel: 'linear', bandwidth: 1 })).toThrow(/has no bandwidth/);
  });
  it('rejects mismatched feature counts and label counts', () => {
    const nw = new NadarayaWatson({ kernel: 'rbf', bandwidth: 1 }).fit(x, { kind: 'real', values: [1, 2] });
    expect(() => nw.predict(matrixFromRows([[1, 2]]))).toThrow(/queries have 2 features but the training set has 1/);
    expect(() => nw.fit(x, { kind: 'real', values: [1] })).toThrow(/2 training rows but 1 targets/);
    expect(() => nw.fit(x, { kind: 'class', labels: [0, 5], numClasses: 2 })).toThrow(/label 5/);
  });
});
