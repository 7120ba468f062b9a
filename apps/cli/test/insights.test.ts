import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend, insightsReportSchema } from '@iclkr/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectCleanFailure, GPT2_TOKENIZER, randomTextModel, run, SST2_DEV, SST2_TRAIN, tempDir } from './run.js';

const dir = tempDir();
let textModel: string;
beforeAll(async () => {
  await initBackend();
  textModel = await randomTextModel(dir);
});

/** SST-2 text prompts on the random GPT-2-vocabulary model. */
const sst2 = () => ['--model', textModel, '--tokenizer', GPT2_TOKENIZER, '--data', SST2_DEV, '--demos', SST2_TRAIN];

/** The report a --json run printed, checked by its schema. */
function reportOf(r: { code: number; stdout: string; stderr: string }) {
  expect(r.code, r.stderr).toBe(0);
  return insightsReportSchema.parse(JSON.parse(r.stdout));
}

describe('iclkr insights on the built-in model', () => {
  it('format: a row per variant and n with accuracy and the best head agreement', async () => {
    const report = reportOf(await run('insights', 'format', '--shots', '2,4', '--prompts', '20', '--json'));
    expect(report.experiment).toBe('format');
    if (report.experiment !== 'format') return;
    expect(report.rows.map((r) => [r.variant, r.n])).toEqual([
      ['natural', 2],
      ['swapped', 2],
      ['unseen', 2],
      ['natural', 4],
      ['swapped', 4],
      ['unseen', 4],
    ]);
    for (const r of report.rows) for (const key of ['accuracy', 'headAgreement'] as const) expect(typeof r[key]).toBe('number');
    expect(report.meta.settings).toMatchObject({ experiment: 'format', prompts: 20, shots: [2, 4] });
  });

  it('ood: out-of-distribution and in-distribution tasks beside eta^2 eps_theta', async () => {
    const r = await run(
      'insights',
      'ood',
      '--shots',
      '4',
      '--prompts',
      '8',
      '--tasks',
      '1',
      '--eps-samples',
      '10',
      '--sigma-samples',
      '60',
      '--json',
    );
    const report = reportOf(r);
    if (report.experiment !== 'ood') throw new Error('not an ood report');
    expect(report.rows.map((x) => ('ood' in x ? x.ood : null))).toEqual([true, false]);
    expect(report.eta).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/estimating Sigma from 60 inputs/);
  });

  it('order: a report folder with its figure; min(24, n!) orders per prompt', async () => {
    const out = join(dir, 'order-report');
    const r = await run('insights', 'order', '--shots', '2,3', '--prompts', '8', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/prediction changes/);
    const report = insightsReportSchema.parse(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    if (report.experiment !== 'order') throw new Error('not an order report');
    expect(report.rows.map((x) => x.permutations)).toEqual([2, 6]);
    expect(existsSync(join(out, 'figures/order.svg'))).toBe(true);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('Compared with the paper');
  });
});

describe('iclkr insights on SST-2 text with a random GPT-2-vocabulary model', () => {
  it('format: natural, swapped, symbols and unrelated words', async () => {
    const report = reportOf(await run('insights', 'format', ...sst2(), '--shots', '1', '--prompts', '6', '--json'));
    if (report.experiment !== 'format') throw new Error('not a format report');
    expect(report.variants.map((v) => [v.name, v.labels])).toEqual([
      ['natural', ['negative', 'positive']],
      ['swapped', ['positive', 'negative']],
      ['symbols', ['A', 'B']],
      ['unrelated', ['apple', 'river']],
    ]);
    expect(report.rows.every((r) => r.prompts === 6 && r.headAgreement !== null)).toBe(true);
  });

  it('ood: accuracy per typo rate with the edit rate made', async () => {
    const report = reportOf(await run('insights', 'ood', ...sst2(), '--rates', '0.2,0', '--shots', '1', '--prompts', '6', '--json'));
    if (report.experiment !== 'ood') throw new Error('not an ood report');
    const rows = report.rows.map((x) => ('rate' in x ? [x.rate, x.editRate > 0] : null));
    expect(rows).toEqual([
      [0, false],
      [0.2, true],
    ]);
    expect(report.paper.values[0]).toMatchObject({ name: 'SST-2 accuracy, clean inputs', paper: 0.805 });
  });

  it('order: the orders of two demonstrations', async () => {
    const report = reportOf(await run('insights', 'order', ...sst2(), '--shots', '2', '--prompts', '4', '--json'));
    if (report.experiment !== 'order') throw new Error('not an order report');
    expect(report.rows[0]).toMatchObject({ n: 2, prompts: 4, permutations: 2 });
  });
});

describe('iclkr insights: bad input is one line', () => {
  it('refuses an unknown or missing experiment, a bad rate, --permutations 0 and text options with --world', async () => {
    const out = join(dir, 'never');
    expectCleanFailure(
      await run('insights', 'length', '--out', out),
      /unknown insights experiment 'length'; use one of format, ood, order/,
      out,
    );
    expectCleanFailure(await run('insights'), /missing the experiment: format, ood, order/);
    expectCleanFailure(await run('insights', 'ood', ...sst2(), '--rates', '0,1.5'), /--rates 0,1.5: '1.5' is not a rate in \[0, 1\]/);
    expectCleanFailure(await run('insights', 'order', '--permutations', '0'), /--permutations 0 is not an integer in \[1, \d+\]/);
    expectCleanFailure(
      await run('insights', 'format', ...sst2(), '--world', 'recall'),
      /--world applies to task worlds only, not to --data/,
    );
    expectCleanFailure(await run('insights', 'format', '--world', 'recall', '--demos', SST2_TRAIN), /--demos applies to text prompts only/);
    expectCleanFailure(await run('insights', 'format', '--rates', '0.1'), /--rates applies to insights ood only/);
    expectCleanFailure(await run('insights', 'ood', '--rates', '0.1'), /--rates applies to text prompts only/);
  });
});
