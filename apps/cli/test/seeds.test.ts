import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readReportOf } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { expectCleanFailure, run, tempDir } from './run.js';

const dir = tempDir();

describe('--seeds', () => {
  it('simulate on seeds 0-2: each seed the report --seed S gives, and the mean and range of every headline number', async () => {
    const args = ['simulate', '--preset', 'classify', '--shots', '1,4', '--prompts', '10'];
    const r = await run(...args, '--seeds', '0-2', '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = readReportOf('seeds', r.stdout);
    expect(report.seeds).toEqual([0, 1, 2]);
    for (const [i, seed] of report.seeds.entries()) {
      const alone = readReportOf('simulate', (await run(...args, '--seed', String(seed), '--json')).stdout);
      expect((report.reports[i] as typeof alone).rows).toEqual(alone.rows);
    }
    const acc = report.aggregate.find((a) => a.key === 'n = 4' && a.metric === 'accuracy vs Bayes argmax')!;
    const perSeed = report.reports.map(
      (x) => (x as { rows: { n: number; accVsBayes: number }[] }).rows.find((row) => row.n === 4)!.accVsBayes,
    );
    expect(acc.perSeed).toEqual(perSeed);
    expect(acc.mean).toBeCloseTo(perSeed.reduce((s, v) => s + v, 0) / 3, 12);
    expect([acc.min, acc.max]).toEqual([Math.min(...perSeed), Math.max(...perSeed)]);
    expect(report.coverage).toMatch(/across the 3 seeds/);
  });

  it('icl and probe take --seeds; probe reports the head each seed chose', async () => {
    const icl = await run('icl', '--shots', '0,4', '--prompts', '20', '--seeds', '3,5', '--json');
    expect(icl.code, icl.stderr).toBe(0);
    expect(readReportOf('seeds', icl.stdout).reports).toHaveLength(2);
    const out = join(dir, 'probe-seeds');
    const probe = await run('probe', '--shots', '4', '--prompts', '20', '--probe-prompts', '8', '--seeds', '0,1', '--out', out);
    expect(probe.code, probe.stderr).toBe(0);
    expect(probe.stdout).toMatch(/The best head of each seed/);
    const report = readReportOf('seeds', readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.experiment).toBe('probe');
    expect(report.aggregate.map((a) => a.metric)).toContain("best head's agreement with the model");
  });

  it('refuses bad seeds in one line and writes nothing', async () => {
    const out = join(dir, 'never');
    const base = ['simulate', '--preset', 'classify', '--prompts', '4', '--out', out];
    expectCleanFailure(await run(...base, '--seeds', '3-1'), /--seeds 3-1 is not a range LOW-HIGH with LOW <= HIGH/, out);
    expectCleanFailure(await run(...base, '--seeds', 'a'), /--seeds a is not a list of seeds/, out);
    expectCleanFailure(await run(...base, '--seeds', '0-500'), /names 501 seeds, more than 100/, out);
    expectCleanFailure(await run(...base, '--seeds', '1,2', '--seed', '3'), /--seed and --seeds both given/, out);
  });
});
