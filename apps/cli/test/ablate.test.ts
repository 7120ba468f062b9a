import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ablationReportSchema, initBackend, readReportOf } from '@iclkr/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectCleanFailure, GPT2_TOKENIZER, randomTextModel, run, SST2_DEV, SST2_TRAIN, tempDir } from './run.js';

const dir = tempDir();
let textModel: string;
beforeAll(async () => {
  await initBackend();
  textModel = await randomTextModel(dir);
});
/** A small, quick ablation of the built-in model (2 layers x 4 heads). */
const QUICK = ['--prompts', '24', '--shots', '4'];

describe('iclkr ablate', () => {
  it('ablates every head of the built-in model: the JSON report holds the fields the issue names', async () => {
    const r = await run('ablate', ...QUICK, '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = ablationReportSchema.parse(JSON.parse(r.stdout));
    expect(report).toMatchObject({ shots: 4, prompts: 24, mode: 'mean', referencePrompts: 24 });
    expect(typeof report.baseline.accuracy).toBe('number');
    expect(typeof report.majority.accuracy).toBe('number');
    expect(report.rows.map((x) => [x.layer, x.head])).toEqual([0, 1].flatMap((l) => [0, 1, 2, 3].map((h) => [l, h])));
    for (const row of report.rows) {
      expect(row.accuracy).toBeGreaterThanOrEqual(0);
      expect(row.agreement).toBeLessThanOrEqual(1);
      expect(row.drop).toBeCloseTo(report.baseline.accuracy - row.accuracy, 12);
    }
    // The recall world's inputs have classes: both knock-outs run.
    expect(report.knockout.map((k) => k.target)).toEqual(['same-class', 'other-class']);
    for (const k of report.knockout) expect(typeof k.accuracy).toBe('number');
    expect(report.notes.join(' ')).toMatch(/probe's head L\dH\d drops accuracy by -?[\d.]+, against a median drop/);
  });

  it('knocks out the head the chosen vote variant selects', async () => {
    const r = await run('ablate', ...QUICK, '--variant', 'line', '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = ablationReportSchema.parse(JSON.parse(r.stdout));
    expect(report.selected.variant).toBe('line');
    expect(report.notes[0]).toMatch(/over the line with its delimiter/);
  });

  it('writes a report folder with the drop heatmap that reads back as an ablation report', async () => {
    const out = join(dir, 'zero');
    const r = await run('ablate', ...QUICK, '--mode', 'zero', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Each head zero-ablated alone/);
    expect(r.stdout).toMatch(/same-class/);
    const report = readReportOf('ablation', JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    expect(report.referencePrompts).toBe(0);
    for (const name of ['drop', 'agreement']) {
      expect(existsSync(join(out, 'figures', `${name}.svg`))).toBe(true);
      expect(existsSync(join(out, 'figures', `${name}.vl.json`))).toBe(true);
    }
    expect(existsSync(join(out, 'report.html'))).toBe(true);
  });

  it('refuses a bad --mode, an out-of-range count and a prompt too long for the model in one line', async () => {
    const out = join(dir, 'never');
    expectCleanFailure(await run('ablate', '--mode', 'half', '--out', out), /--mode/, out);
    expectCleanFailure(await run('ablate', '--variant', 'token', '--out', out), /--variant/, out);
    expectCleanFailure(await run('ablate', '--prompts', '1', '--out', out), /--prompts/, out);
    expectCleanFailure(await run('ablate', '--shots', '5000', '--out', out), /context/, out);
  });

  it('ablates on text with --data and --demos: most- against least-attended knock-out, no world or length', async () => {
    const text = ['--model', textModel, '--tokenizer', GPT2_TOKENIZER, '--data', SST2_DEV, '--demos', SST2_TRAIN];
    const r = await run('ablate', ...text, '--shots', '4', '--prompts', '8', '--label-words', 'bad,good', '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = ablationReportSchema.parse(JSON.parse(r.stdout));
    expect(report).toMatchObject({ world: null, length: null, prompts: 8, shots: 4 });
    expect(report.source).toContain('glue-dev.tsv');
    expect(report.meta.settings).toMatchObject({ labelWords: ['bad', 'good'] });
    expect(report.rows.map((x) => [x.layer, x.head])).toEqual([
      [0, 0],
      [0, 1],
    ]);
    expect(report.knockout.map((k) => k.target)).toEqual(['most-attended', 'least-attended']);
  });

  it('refuses options of the other prompt kind, --data without --demos and text on the built-in model in one line', async () => {
    const out = join(dir, 'never-text');
    const text = ['--model', textModel, '--tokenizer', GPT2_TOKENIZER, '--data', SST2_DEV, '--demos', SST2_TRAIN];
    expectCleanFailure(
      await run('ablate', ...text, '--world', 'recall', '--out', out),
      /--world applies to task worlds only, not to --data/,
      out,
    );
    expectCleanFailure(await run('ablate', ...text, '--length', '2', '--out', out), /--length applies to task worlds only/, out);
    expectCleanFailure(await run('ablate', '--demos', SST2_TRAIN, '--out', out), /--demos applies to text prompts only/, out);
    expectCleanFailure(await run('ablate', '--template', '{x} {y}', '--out', out), /--template applies to text prompts only/, out);
    expectCleanFailure(await run('ablate', '--model', textModel, '--data', SST2_DEV, '--out', out), /--data needs --demos/, out);
    expectCleanFailure(
      await run('ablate', '--data', SST2_DEV, '--demos', SST2_TRAIN, '--out', out),
      /is a task-world model .* it has no tokenizer/,
      out,
    );
    expectCleanFailure(await run('ablate', ...text, '--label-words', 'one', '--out', out), /--label-words gives 1 word/, out);
    expectCleanFailure(await run('ablate', ...text, '--prompts', '100000', '--out', out), /more than the \d+ examples of --data/, out);
  });
});
