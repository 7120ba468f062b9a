import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ablationReportSchema, readReportOf } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { expectCleanFailure, run, tempDir } from './run.js';

const dir = tempDir();
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
});
