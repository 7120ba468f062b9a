/**
 * The kernel-regression demo: Nadaraya-Watson on two seeded synthetic problems, the bandwidth
 * chosen by leave-one-out against mis-set bandwidths, the theorem's 1/n form, the attention
 * kernel, kernel ridge regression and a constant baseline.
 */
import { type Matrix, Rng } from '@iclkr/core';
import {
  accuracy,
  argmaxRows,
  KernelRidge,
  meanSquaredError,
  NadarayaWatson,
  type NadarayaWatsonOptions,
  type Targets,
} from '@iclkr/kernels';
import type { ExperimentIo } from './io.js';

/** One line of the demo's results: an estimator on a problem and its test metric. */
export interface DemoRow {
  readonly problem: string;
  readonly estimator: string;
  readonly bandwidth: number | null;
  readonly metric: string;
  readonly value: number;
}

/** The demo's size: training and test examples per problem, and the seed of both problems. */
export interface DemoSettings {
  readonly seed: number;
  readonly train: number;
  readonly test: number;
}

interface Problem<T extends Targets> {
  train: Matrix;
  test: Matrix;
  trainTargets: T;
  testGold: ArrayLike<number>;
}

type RealTargets = Extract<Targets, { kind: 'real' }>;
type ClassTargets = Extract<Targets, { kind: 'class' }>;

function draw(rng: Rng, n: number, d: number): Matrix {
  return { rows: n, cols: d, data: Float32Array.from({ length: n * d }, () => rng.normal()) };
}

/** y = sin(2 x1) + x2^2 / 2 + noise(0.1), with two irrelevant features. */
function regressionProblem(rng: Rng, nTrain: number, nTest: number): Problem<RealTargets> {
  const f = (m: Matrix, i: number) => Math.sin(2 * m.data[i * 4]) + m.data[i * 4 + 1] ** 2 / 2;
  const train = draw(rng, nTrain, 4);
  const test = draw(rng, nTest, 4);
  const values = Float64Array.from({ length: nTrain }, (_, i) => f(train, i) + 0.1 * rng.normal());
  return { train, test, trainTargets: { kind: 'real', values }, testGold: Float64Array.from({ length: nTest }, (_, i) => f(test, i)) };
}

/** Three classes by the angle of (x1, x2), with 10% of training labels flipped at random. */
function classificationProblem(rng: Rng, nTrain: number, nTest: number): Problem<ClassTargets> {
  const label = (m: Matrix, i: number) => Math.floor(((Math.atan2(m.data[i * 2 + 1], m.data[i * 2]) + Math.PI) / (2 * Math.PI)) * 3) % 3;
  const train = draw(rng, nTrain, 2);
  const test = draw(rng, nTest, 2);
  const labels = Int32Array.from({ length: nTrain }, (_, i) => (rng.uniform() < 0.1 ? rng.int(3) : label(train, i)));
  return {
    train,
    test,
    trainTargets: { kind: 'class', labels, numClasses: 3 },
    testGold: Int32Array.from({ length: nTest }, (_, i) => label(test, i)),
  };
}

/** Runs every estimator on both problems (progress stage `demo`) and returns their test metrics. */
export function runDemo(settings: DemoSettings, io: ExperimentIo): DemoRow[] {
  const { seed, train: nTrain, test: nTest } = settings;
  const rng = new Rng(seed);
  const rows: DemoRow[] = [];
  const steps = 9;
  let done = 0;
  const step = () => io.progress(++done, steps, 'demo');

  const reg = regressionProblem(rng, nTrain, nTest);
  const regress = (estimator: string, options: NadarayaWatsonOptions) => {
    const nw = new NadarayaWatson(options).fit(reg.train, reg.trainTargets);
    const pred = nw.predict(reg.test);
    rows.push({
      problem: 'regression',
      estimator,
      bandwidth: nw.bandwidth ?? null,
      metric: 'test MSE',
      value: meanSquaredError(pred.data, reg.testGold),
    });
    step();
    return nw.bandwidth!;
  };
  const h = regress('Nadaraya-Watson rbf, leave-one-out h', { kernel: 'rbf', bandwidth: 'loo' });
  regress('Nadaraya-Watson rbf, h x 4', { kernel: 'rbf', bandwidth: 4 * h });
  regress('Nadaraya-Watson rbf, h / 4', { kernel: 'rbf', bandwidth: h / 4 });
  // Ridge regression smooths through its penalty, so it takes a wider kernel than Nadaraya-Watson.
  const krr = new KernelRidge({ kernel: 'rbf', bandwidth: 1, alpha: 0.1 }).fit(reg.train, reg.trainTargets);
  rows.push({
    problem: 'regression',
    estimator: 'kernel ridge rbf, lambda 0.1',
    bandwidth: 1,
    metric: 'test MSE',
    value: meanSquaredError(krr.predict(reg.test).data, reg.testGold),
  });
  step();
  const mean = Array.from(reg.trainTargets.values).reduce((s, v) => s + v, 0) / nTrain;
  rows.push({
    problem: 'regression',
    estimator: 'constant (training mean)',
    bandwidth: null,
    metric: 'test MSE',
    value: meanSquaredError(new Float64Array(nTest).fill(mean), reg.testGold),
  });

  const cls = classificationProblem(rng, nTrain, nTest);
  const classify = (estimator: string, options: NadarayaWatsonOptions) => {
    const nw = new NadarayaWatson(options).fit(cls.train, cls.trainTargets);
    rows.push({
      problem: 'classification',
      estimator,
      bandwidth: nw.bandwidth ?? null,
      metric: 'test accuracy',
      value: accuracy(argmaxRows(nw.predict(cls.test)), cls.testGold),
    });
    step();
  };
  classify('Nadaraya-Watson rbf, leave-one-out h', { kernel: 'rbf', bandwidth: 'loo' });
  classify("Nadaraya-Watson rbf, leave-one-out h, theorem's 1/n form", { kernel: 'rbf', bandwidth: 'loo', normalize: false });
  classify('Nadaraya-Watson attention exp(<a,b>/tau), leave-one-out tau', { kernel: 'attention', bandwidth: 'loo' });
  classify('Nadaraya-Watson laplacian, leave-one-out h', { kernel: 'laplacian', bandwidth: 'loo' });
  const majority = [0, 1, 2].map((c) => Array.from(cls.trainTargets.labels).filter((l) => l === c).length);
  rows.push({
    problem: 'classification',
    estimator: 'majority class',
    bandwidth: null,
    metric: 'test accuracy',
    value: accuracy(new Int32Array(nTest).fill(majority.indexOf(Math.max(...majority))), cls.testGold),
  });
  return rows;
}
