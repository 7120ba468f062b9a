import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/cli.js';
import { lastLine, run, sharedData } from './run.js';

describe('iclkr', () => {
  it('lists the commands', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toContain(c.name);
  });

  it('--help on every command names every option', async () => {
    for (const c of COMMANDS) {
      const r = await run(c.name, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: iclkr ${c.name}( \\[[A-Z]+\\])? \\[options\\]`));
      for (const name of [...Object.keys(c.options), 'backend', 'help']) expect(r.stdout).toContain(`--${name}`);
    }
  });

  it('an unknown command is a one-line error', async () => {
    const r = await run('kernel-regres');
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toBe(
      "iclkr: error: unknown command 'kernel-regres'; use one of reproduce, demo, kernel-regress, " +
        'dataset, generate, bayes, simulate, run-model, pretrain, icl, probe, ablate, insights, retrieve, compare-retrievers, report, serve',
    );
  });

  it('the built binary exits non-zero with a one-line error and no stack trace', () => {
    const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
    const r = spawnSync(process.execPath, [main, 'kernel-regress', '--train', 'missing.csv', '--test', 'x.csv'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n').pop()).toBe('iclkr: error: missing.csv: no such file; check the path');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(execFileSync(process.execPath, [main, '--help'], { encoding: 'utf8' })).toContain('kernel-regress');
  });
});

describe('iclkr dataset', () => {
  it('loads SST-2 (GLUE dev) with its label names', async () => {
    const r = await run('dataset', '--file', `${sharedData}/sst2/glue-dev.tsv`, '--json', '--examples', '1');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.rows).toBe(872);
    expect(s.classes.map((c: { name: string }) => c.name)).toEqual(['negative', 'positive']);
    expect(s.classes.reduce((n: number, c: { count: number }) => n + c.count, 0)).toBe(872);
    expect(s.examples).toHaveLength(1);
  });

  it('decodes cp1252 (MR) and TREC coarse labels, and takes --format and --encoding', async () => {
    const mr = await run('dataset', '--file', `${sharedData}/mr/rt-polarity.all`, '--encoding', 'windows-1252', '--examples', '0');
    expect(mr.stdout).toMatch(/10662 examples, 2 classes/);
    const trec = await run('dataset', '--file', `${sharedData}/trec/test.txt`, '--format', 'trec');
    expect(trec.stdout).toMatch(/500 examples, 6 classes/);
    expect(trec.stdout).toContain('ABBR');
  });

  it('bad options are one-line errors', async () => {
    expect(lastLine((await run('dataset', '--file', `${sharedData}/trec/test.txt`, '--format', 'xml')).stderr)).toMatch(
      /--format xml is not one of/,
    );
    expect(lastLine((await run('dataset', '--file', `${sharedData}/trec/test.txt`, '--encoding', 'latin9')).stderr)).toMatch(
      /--encoding latin9 is not one of/,
    );
    expect(lastLine((await run('dataset', '--file', `${sharedData}/trec/test.txt`, '--examples', '-1')).stderr)).toMatch(
      /--examples -1 is not an integer in \[0, \d+\]/,
    );
    expect(lastLine((await run('dataset')).stderr)).toMatch(/missing --file/);
    expect(lastLine((await run('dataset', '--file', `${sharedData}/nope.tsv`)).stderr)).toMatch(/no such file/);
  });
});

describe('iclkr demo', () => {
  it('runs on small seeded problems and leave-one-out beats the mis-set bandwidths', async () => {
    const r = await run('demo', '--train', '400', '--test', '200', '--seed', '3', '--json');
    expect(r.code).toBe(0);
    const { rows } = JSON.parse(r.stdout) as { rows: { estimator: string; value: number }[] };
    const value = (prefix: string) => rows.find((x) => x.estimator.startsWith(prefix))!.value;
    expect(value('Nadaraya-Watson rbf, leave-one-out h')).toBeLessThan(value('Nadaraya-Watson rbf, h x 4'));
    expect(value('Nadaraya-Watson rbf, leave-one-out h')).toBeLessThan(value('constant'));
    const again = await run('demo', '--train', '400', '--test', '200', '--seed', '3', '--json');
    expect(JSON.parse(again.stdout).rows).toEqual(rows);
  });

  it('rejects bad sizes and seeds', async () => {
    expect(lastLine((await run('demo', '--train', '1')).stderr)).toMatch(/--train 1 is not an integer in \[2, \d+\]/);
    expect(lastLine((await run('demo', '--test', 'many')).stderr)).toMatch(/--test many is not an integer in \[2, \d+\]/);
    expect(lastLine((await run('demo', '--seed', '0.5')).stderr)).toMatch(/--seed 0\.5 is not an integer/);
  });
});

describe('README', () => {
  it('its library example runs as written and prints what its comments say', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(readme)![1];
    // Written inside this package so that the workspace packages resolve.
    const script = fileURLToPath(new URL('../readme-example.tmp.mjs', import.meta.url));
    writeFileSync(script, code);
    try {
      const out = execFileSync(process.execPath, [script], { encoding: 'utf8' }).trim().split('\n');
      expect(out[0]).toBe('0.03125 Int32Array(1) [ 1 ]');
      const [bayes, label] = out[1].split(' ');
      expect(bayes).toBe(label);
    } finally {
      rmSync(script, { force: true });
    }
  });

  it('its experiments example runs as written and prints what its comments say', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const code = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).find((c) => c.includes('@iclkr/experiments'))!;
    const script = fileURLToPath(new URL('../readme-experiments.tmp.mjs', import.meta.url));
    writeFileSync(script, code);
    try {
      const out = execFileSync(process.execPath, [script], { encoding: 'utf8' }).trim().split('\n');
      expect(out).toEqual(['[ [ 1, 0.525 ], [ 16, 0.975 ] ]', "[ 'distance', 'accuracy' ] true"]);
    } finally {
      rmSync(script, { force: true });
    }
  });
});
