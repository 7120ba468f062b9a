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
import { numberOption } from '../args.js';
import type { Command } from '../command.js';
import { fmt, table } from '../output.js';

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
  const label = (m: Matrix, i: number) =>
    Math.floor(((Math.atan2(m.data[i * 2 + 1], m.data[i * 2]) + Math.PI) / (2 * Math.PI)) * 3) % 3;
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

/** `iclkr demo`: kernel regression on seeded synthetic problems, bandwidth chosen by leave-one-out. */
export const demoCommand: Command = {
  name: 'demo',
  summary:
    'Kernel-regression demo on seeded synthetic data: Nadaraya-Watson with leave-one-out bandwidth\nagainst fixed bandwidths, the unnormalised (1/n) form, the attention kernel and kernel ridge.',
  options: {
    seed: { type: 'string', placeholder: 'S', description: 'random seed', default: '0' },
    train: { type: 'string', placeholder: 'N', description: 'training examples per problem', default: '2000' },
    test: { type: 'string', placeholder: 'N', description: 'test examples per problem', default: '1000' },
    json: { type: 'boolean', description: 'print the results as JSON' },
  },
  async run(values, context) {
    const count = (n: number) => Number.isInteger(n) && n >= 2;
    const seed = numberOption(values, 'seed', Number.isInteger, 'an integer') ?? 0;
    const nTrain = numberOption(values, 'train', count, 'an integer >= 2') ?? 2000;
    const nTest = numberOption(values, 'test', count, 'an integer >= 2') ?? 1000;
    const rng = new Rng(seed);
    const rows: { problem: string; estimator: string; bandwidth: number | null; metric: string; value: number }[] = [];
    const bar = context.progress('demo');
    const steps = 9;
    let done = 0;
    const step = () => bar.update(++done, steps);

    const reg = regressionProblem(rng, nTrain, nTest);
    const regress = (estimator: string, options: NadarayaWatsonOptions) => {
      const nw = new NadarayaWatson(options).fit(reg.train, reg.trainTargets);
      const pred = nw.predict(reg.test);
      rows.push({ problem: 'regression', estimator, bandwidth: nw.bandwidth ?? null, metric: 'test MSE', value: meanSquaredError(pred.data, reg.testGold) });
      step();
      return nw.bandwidth!;
    };
    const h = regress('Nadaraya-Watson rbf, leave-one-out h', { kernel: 'rbf', bandwidth: 'loo' });
    regress('Nadaraya-Watson rbf, h x 4', { kernel: 'rbf', bandwidth: 4 * h });
    regress('Nadaraya-Watson rbf, h / 4', { kernel: 'rbf', bandwidth: h / 4 });
    // Ridge regression smooths through its penalty, so it takes a wider kernel than Nadaraya-Watson.
    const krr = new KernelRidge({ kernel: 'rbf', bandwidth: 1, alpha: 0.1 }).fit(reg.train, reg.trainTargets);
    rows.push({ problem: 'regression', estimator: 'kernel ridge rbf, lambda 0.1', bandwidth: 1, metric: 'test MSE', value: meanSquaredError(krr.predict(reg.test).data, reg.testGold) });
    step();
    const mean = Array.from(reg.trainTargets.values).reduce((s, v) => s + v, 0) / nTrain;
    rows.push({ problem: 'regression', estimator: 'constant (training mean)', bandwidth: null, metric: 'test MSE', value: meanSquaredError(new Float64Array(nTest).fill(mean), reg.testGold) });

    const cls = classificationProblem(rng, nTrain, nTest);
    const classify = (estimator: string, options: NadarayaWatsonOptions) => {
      const nw = new NadarayaWatson(options).fit(cls.train, cls.trainTargets);
      rows.push({ problem: 'classification', estimator, bandwidth: nw.bandwidth ?? null, metric: 'test accuracy', value: accuracy(argmaxRows(nw.predict(cls.test)), cls.testGold) });
      step();
    };
    classify('Nadaraya-Watson rbf, leave-one-out h', { kernel: 'rbf', bandwidth: 'loo' });
    classify("Nadaraya-Watson rbf, leave-one-out h, theorem's 1/n form", { kernel: 'rbf', bandwidth: 'loo', normalize: false });
    classify('Nadaraya-Watson attention exp(<a,b>/tau), leave-one-out tau', { kernel: 'attention', bandwidth: 'loo' });
    classify('Nadaraya-Watson laplacian, leave-one-out h', { kernel: 'laplacian', bandwidth: 'loo' });
    const majority = [0, 1, 2].map((c) => Array.from(cls.trainTargets.labels).filter((l) => l === c).length);
    rows.push({ problem: 'classification', estimator: 'majority class', bandwidth: null, metric: 'test accuracy', value: accuracy(new Int32Array(nTest).fill(majority.indexOf(Math.max(...majority))), cls.testGold) });
    bar.finish();

    if (values.json) {
      context.stdout.write(`${JSON.stringify({ seed, train: nTrain, test: nTest, backend: context.backend.name, rows }, null, 2)}\n`);
      return;
    }
    context.stdout.write(
      `Kernel regression on synthetic data (seed ${seed}, ${nTrain} train / ${nTest} test per problem)\n` +
        'regression: y = sin(2 x1) + x2^2/2 + noise, 4 features; classification: 3 angular sectors, 10% label noise\n\n' +
        table(
          ['problem', 'estimator', 'bandwidth', 'metric', 'value'],
          rows.map((r) => [r.problem, r.estimator, fmt(r.bandwidth), r.metric, fmt(r.value)]),
        ),
    );
  },
};
