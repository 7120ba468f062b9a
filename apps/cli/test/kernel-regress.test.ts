import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kernelRegressReportSchema } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { file, lastLine, run, tempDir, expectCleanFailure } from './run.js';

const dir = tempDir();
// A small regression table and a classification table with string labels.
const rows = (n: number, offset: number, f: (a: number, b: number) => string) =>
  Array.from({ length: n }, (_, i) => {
    const a = Math.sin(i * 1.7 + offset) * 2;
    const b = Math.cos(i * 0.9 + offset * 3) * 2;
    return `${a.toFixed(4)},${b.toFixed(4)},${f(a, b)}`;
  }).join('\n');
const train = file(dir, 'train.csv', `a,b,y\n${rows(120, 0, (a, b) => (a * a - b).toFixed(4))}\n`);
const test = file(dir, 'test.csv', `a,b,y\n${rows(30, 0.5, (a, b) => (a * a - b).toFixed(4))}\n`);
const trainCls = file(dir, 'train-cls.csv', `a,b,label\n${rows(120, 0, (a, b) => (a * b > 0 ? 'same' : 'diff'))}\n`);
const testCls = file(dir, 'test-cls.csv', `a,b,label\n${rows(30, 0.5, (a, b) => (a * b > 0 ? 'same' : 'diff'))}\n`);
const unlabeled = file(dir, 'unlabeled.csv', `b,a\n1,2\n0.5,0.1\n`);

describe('iclkr kernel-regress', () => {
  it('regresses and prints a summary with metrics', async () => {
    const r = await run('kernel-regress', '--train', train, '--test', test);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/kernel rbf, regress, bandwidth [\d.]+ \(leave-one-out grid over 19 values\)/);
    expect(r.stdout).toMatch(/mse\s+[\d.]+/);
    expect(r.stderr).toMatch(/backend: (tensorflow|wasm|cpu)/);
  });

  it('--json prints a report that validates against the schema', async () => {
    const r = await run('kernel-regress', '--train', trainCls, '--test', testCls, '--json');
    const report = kernelRegressReportSchema.parse(JSON.parse(r.stdout));
    expect(report.mode).toBe('classify');
    expect(report.predictions).toHaveLength(30);
    const first = report.predictions[0] as { label: string; weights: Record<string, number> };
    expect(Object.keys(first.weights).sort()).toEqual(['diff', 'same']);
    expect(first.weights.diff + first.weights.same).toBeCloseTo(1, 5);
    expect(report.metrics.accuracy).toBeGreaterThan(0.7);
    expect(report.loo!.grid).toHaveLength(19);
  });

  it('reproduces statsmodels KernelReg predictions end to end (stored fixture)', async () => {
    const fixture = JSON.parse(
      readFileSync(new URL('../../../packages/kernels/test/fixtures/statsmodels-kernelreg.json', import.meta.url), 'utf8'),
    ).cases[0] as { bandwidth: number; train: number[][]; y: number[]; test: number[][]; expected: number[] };
    const d = fixture.train[0].length;
    const header = [...Array.from({ length: d }, (_, k) => `x${k}`), 'y'].join(',');
    const trainPath = file(dir, 'sm-train.csv', `${header}\n${fixture.train.map((r, i) => [...r, fixture.y[i]].join(',')).join('\n')}\n`);
    const testPath = file(dir, 'sm-test.csv', `${header.replace(',y', '')}\n${fixture.test.map((r) => r.join(',')).join('\n')}\n`);
    const out = join(dir, 'sm.json');
    const r = await run(
      'kernel-regress',
      '--train',
      trainPath,
      '--test',
      testPath,
      '--bandwidth',
      String(fixture.bandwidth),
      '--mode',
      'regress',
      '--out',
      out,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`report written to ${out}`);
    const predictions = JSON.parse(readFileSync(out, 'utf8')).predictions as number[];
    const scale = Math.max(...fixture.expected.map(Math.abs));
    predictions.forEach((p, i) => expect(Math.abs(p - fixture.expected[i]) / scale).toBeLessThan(1e-5));
  });

  it('accepts every kernel and its options', async () => {
    for (const args of [
      ['--kernel', 'laplacian', '--bandwidth', '0.5'],
      ['--kernel', 'attention', '--loo-search', 'golden'],
      ['--kernel', 'linear'],
      ['--kernel', 'cosine'],
      ['--kernel', 'poly', '--degree', '2', '--gamma', '0.5', '--coef0', '1'],
      ['--kernel', 'rbf', '--unnormalized', '--max-memory', '1'],
      ['--backend', 'cpu'],
    ]) {
      const r = await run('kernel-regress', '--train', trainCls, '--test', testCls, '--json', ...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(JSON.parse(r.stdout).metrics.accuracy).toBeGreaterThanOrEqual(0);
    }
  });

  it('--mode overrides the inferred mode; unlabeled test files predict without metrics', async () => {
    const r = await run('kernel-regress', '--train', train, '--test', unlabeled, '--json', '--mode', 'regress', '--bandwidth', '1');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.predictions).toHaveLength(2);
    expect(report.metrics).toEqual({ n: 2 });
    expect(report.bandwidth).toBe(1);
  });

  it('reports a correlation with a constant series as null with its reason, not a number from rounding noise', async () => {
    // A constant training target: every prediction is 3 up to float32 rounding.
    const flat = file(dir, 'train-flat.csv', `a,b,y\n${rows(40, 0, () => '3.0000')}\n`);
    const r = await run('kernel-regress', '--train', flat, '--test', test, '--mode', 'regress', '--json');
    expect(r.code).toBe(0);
    const report = kernelRegressReportSchema.parse(JSON.parse(r.stdout));
    expect(report.metrics.pearson).toBeNull();
    expect(report.metrics.spearman).toBeNull();
    expect(report.metricNotes.pearson).toMatch(/the predictions are constant/);
    // A constant test target (all zeros): its correlations are undefined too, shown as '-' with the reason.
    const zeros = file(dir, 'test-zeros.csv', `a,b,y\n${rows(10, 0.5, () => '0')}\n`);
    const text = await run('kernel-regress', '--train', train, '--test', zeros, '--mode', 'regress');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/pearson\s+-/);
    expect(text.stdout).toMatch(/pearson: undefined: the test file's target is constant/);
  });

  it('skips the bandwidths whose leave-one-out loss overflows, and refuses predictions that overflow, in one line', async () => {
    // N(0,1)-like features: exp(<a,b>/tau) passes float32 in the 1/n form once tau <= 0.05.
    const wide = (n: number, seed: number) =>
      Array.from({ length: n }, (_, i) => {
        const f = Array.from({ length: 8 }, (_, j) => Math.sin(i * (j + 1.3) + seed) * 1.8);
        return `${f.map((v) => v.toFixed(4)).join(',')},${f[0].toFixed(4)}`;
      }).join('\n');
    const header = `${Array.from({ length: 8 }, (_, j) => `f${j}`).join(',')},y\n`;
    const trainWide = file(dir, 'train-wide.csv', `${header}${wide(200, 0)}\n`);
    const testWide = file(dir, 'test-wide.csv', `${header}${wide(40, 7)}\n`);
    const r = await run(
      'kernel-regress',
      '--train',
      trainWide,
      '--test',
      testWide,
      '--kernel',
      'attention',
      '--unnormalized',
      '--mode',
      'regress',
      '--json',
    );
    expect(r.code).toBe(0);
    const report = kernelRegressReportSchema.parse(JSON.parse(r.stdout));
    expect(report.loo!.skipped.length).toBeGreaterThan(0);
    expect(report.loo!.losses.every(Number.isFinite)).toBe(true);
    expect(Math.min(...report.loo!.grid)).toBeGreaterThan(Math.max(...report.loo!.skipped));
    expectCleanFailure(
      await run('kernel-regress', '--train', train, '--test', test, '--bandwidth', '1e-30', '--mode', 'regress'),
      /the predictions overflow float32 at bandwidth 1\.00e-30; give a larger bandwidth/,
    );
  });

  it("refuses a test label outside the training labels instead of scoring it 'accuracy 0'", async () => {
    const other = file(dir, 'test-other.csv', `a,b,label\n0.1,0.2,same\n0.3,0.1,other\n`);
    expectCleanFailure(
      await run('kernel-regress', '--train', trainCls, '--test', other),
      /test-other\.csv:3: test label 'other' is not one of the training labels \(diff, same\)/,
    );
  });

  it('--target picks the column', async () => {
    const t = file(dir, 'target.csv', 'z,a,b\n1,0,0\n2,1,1\n3,2,2\n');
    const r = await run(
      'kernel-regress',
      '--train',
      t,
      '--test',
      t,
      '--target',
      'z',
      '--kernel',
      'rbf',
      '--bandwidth',
      '0.1',
      '--json',
      '--mode',
      'regress',
    );
    expect(JSON.parse(r.stdout).predictions.map((p: number) => Math.round(p))).toEqual([1, 2, 3]);
  });
});

describe('iclkr kernel-regress: bad input is a one-line error, exit 1, nothing written', () => {
  const cases: [string, string[], RegExp][] = [
    ['empty file', ['--train', file(dir, 'empty.csv', '')], /empty\.csv.*empty/i],
    ['ragged rows', ['--train', file(dir, 'ragged.csv', 'a,b,y\n1,2,3\n4,5\n')], /ragged\.csv:3/],
    ['non-numeric feature', ['--train', file(dir, 'text.csv', 'a,b,y\n1,x,3\n')], /text\.csv:2.*'x'/],
    ['NaN feature', ['--train', file(dir, 'nan.csv', 'a,b,y\n1,NaN,3\n')], /nan\.csv:2/],
    ['unknown kernel', ['--train', train, '--kernel', 'gauss'], /unknown kernel 'gauss'/],
    ['negative bandwidth', ['--train', train, '--bandwidth', '-1'], /bandwidth -1 is not a positive number/],
    ['bandwidth not a number', ['--train', train, '--bandwidth', 'wide'], /--bandwidth wide is neither a number nor 'loo'/],
    ['bandwidth on a kernel without one', ['--train', train, '--kernel', 'linear', '--bandwidth', '1'], /kernel linear has no bandwidth/],
    ['missing target column', ['--train', train, '--target', 'price'], /target column 'price' not found/],
    [
      'different feature counts',
      ['--train', train, '--test', file(dir, 'three.csv', 'a,b,c,y\n1,2,3,4\n')],
      /feature columns differ.*extra 'c'/,
    ],
    ['missing file', ['--train', join(dir, 'nope.csv')], /nope\.csv: no such file/],
    ['bad mode', ['--train', train, '--mode', 'cluster'], /--mode cluster is not one of classify, regress/],
    ['bad loo search', ['--train', train, '--loo-search', 'random'], /--loo-search random is not one of grid, golden/],
    ['bad degree', ['--train', train, '--kernel', 'poly', '--degree', '1.5'], /--degree 1\.5 is not an integer in \[1, \d+\]/],
    ['bad memory', ['--train', train, '--max-memory', '0'], /--max-memory 0 is not a positive number of MB/],
    ['bad gamma', ['--train', train, '--kernel', 'poly', '--gamma', '-2'], /--gamma -2 is not a positive number/],
    ['bad coef0', ['--train', train, '--kernel', 'poly', '--coef0', 'one'], /--coef0 one is not a number/],
    [
      'single class',
      ['--train', file(dir, 'one.csv', 'a,label\n1,x\n2,x\n'), '--test', file(dir, 'one-test.csv', 'a\n1\n'), '--mode', 'classify'],
      /single class 'x'/,
    ],
    ['bad backend', ['--train', train, '--backend', 'gpu'], /unknown backend 'gpu'/],
    ['unknown option', ['--train', train, '--bandwith', '1'], /unknown option --bandwith/],
    ['missing --test', ['--train', train, '--no-test-given'], /unknown option/],
    ['option without value', ['--test', test, '--train'], /option --train needs a value/],
    ['option followed by another option', ['--train', '--test', test], /option --train needs a value/],
  ];
  for (const [name, args, pattern] of cases) {
    it(name, async () => {
      const out = join(dir, `out-${name.replace(/\W+/g, '-')}.json`);
      const withTest = args.includes('--test') ? args : [...args, '--test', test];
      const r = await run('kernel-regress', ...withTest, '--out', out);
      expectCleanFailure(r, pattern, out);
    });
  }

  it('missing required options', async () => {
    expect(lastLine((await run('kernel-regress', '--test', test)).stderr)).toMatch(/missing --train/);
    expect(lastLine((await run('kernel-regress', '--train', train)).stderr)).toMatch(/missing --test/);
  });

  it('an --out in a missing folder is an error and leaves no temporary file', async () => {
    const r = await run('kernel-regress', '--train', train, '--test', test, '--out', join(dir, 'no-such-folder', 'r.json'));
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toMatch(/--out .*r\.json: the folder .*no-such-folder does not exist/);
    expect(readdirSync(dir).some((f) => f.includes('.tmp-'))).toBe(false);
  });
});
