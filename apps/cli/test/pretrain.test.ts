import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readReportOf } from '@iclkr/core';
import { expectCleanFailure, run, tempDir } from './run.js';

const dir = tempDir();
/** A tiny run: one block of width 16 on the recall world, a few steps. */
const TINY = [
  '--preset',
  'quick',
  '--layers',
  '1',
  '--heads',
  '2',
  '--dim',
  '16',
  '--context',
  '32',
  '--batch',
  '4',
  '--eval-every',
  '4',
  '--warmup',
  '2',
];

describe('iclkr pretrain', () => {
  it('trains, writes a model folder with its world and log, and resumes from its checkpoint', async () => {
    const straight = join(dir, 'straight');
    const r = await run('pretrain', ...TINY, '--steps', '8', '--out', straight);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Pre-training on recall \(nCtx 32, nLayers 1, /);
    expect(r.stdout).toMatch(/Finished at step 8 \(1024 tokens, [\d.]+ s\): loss [\d.]+, validation loss [\d.]+/);
    expect(r.stdout).toMatch(/model written to .*straight; evaluate it fully with: iclkr icl --model /);
    // The model folder holds its training log as a report too, with the figures and the page.
    const training = readReportOf('pretrain', readFileSync(join(straight, 'report.json'), 'utf8'));
    expect(training.entries.map((e) => e.step)).toEqual([4, 8]);
    expect(training.meta.command).toMatch(/^iclkr pretrain .*--steps 8 --out /);
    expect(readdirSync(join(straight, 'figures')).sort()).toEqual(['icl.svg', 'icl.vl.json', 'loss.svg', 'loss.vl.json']);
    expect(existsSync(join(straight, 'report.html'))).toBe(true);
    expect(r.stderr).toMatch(/step 4: loss [\d.]+, validation [\d.]+, [\d.e+]+ tokens\/s; ICL n=0 /);
    for (const name of ['config.json', 'model.safetensors', 'world.json']) expect(existsSync(join(straight, name))).toBe(true);
    expect(JSON.parse(readFileSync(join(straight, 'config.json'), 'utf8'))).toMatchObject({
      model_type: 'iclkr-gpt',
      nLayers: 1,
      dModel: 16,
      nCtx: 32,
      vocabSize: 35,
    });

    const resumed = join(dir, 'resumed');
    expect((await run('pretrain', ...TINY, '--steps', '8', '--out', resumed, '--checkpoint-minutes', '100')).code).toBe(0);
    const more = await run('pretrain', '--out', resumed, '--resume', '--steps', '12');
    expect(more.code, more.stderr).toBe(0);
    expect(more.stdout).toMatch(/Finished at step 12 \(1536 tokens, /);
    const log = JSON.parse(readFileSync(join(resumed, 'log.json'), 'utf8'));
    expect(log.entries.map((e: { step: number }) => e.step)).toEqual([4, 8, 12]);
    expect(log.command).toContain('--resume');
    const icl = async (model: string) =>
      JSON.parse((await run('icl', '--model', model, '--shots', '0,2', '--prompts', '20', '--json')).stdout);
    const a = await icl(resumed);
    expect(a.rows).toHaveLength(2);
    expect(a.rows[0]).toMatchObject({ n: 0, k: 1, ood: false, prompts: 20 });
    for (const key of ['accuracy', 'bayesAccuracy', 'majorityAccuracy', 'oracleAccuracy', 'klFromBayes'])
      expect(typeof a.rows[1][key]).toBe('number');
  });

  it('rejects bad options in one line and writes nothing', async () => {
    const out = join(dir, 'never');
    const cases: [string[], RegExp][] = [
      [['--dim', '30', '--heads', '4', '--out', out], /dModel 30 is not divisible by nHeads 4/],
      [['--steps', '0', '--out', out], /--steps 0 is not an integer in \[1, \d+\]/],
      [['--lr', '-1', '--out', out], /--lr -1 is not a positive number/],
      [['--preset', 'huge', '--out', out], /--preset huge is not one of default, quick/],
      [['--positions', 'rope', '--out', out], /--positions rope is not one of alibi, sinusoidal, learned/],
      [['--world', 'nope.json', '--out', out], /nope\.json/],
      [['--corpus', join(dir, 'no-corpus'), '--out', out], /no-corpus.*corpus\.json.*cannot read the corpus description/],
      [[], /missing --out/],
    ];
    for (const [args, pattern] of cases) expectCleanFailure(await run('pretrain', ...args), pattern, out);
  });

  it('refuses an existing folder without --resume, and --resume options that would change the run', async () => {
    const model = join(dir, 'taken');
    expect((await run('pretrain', ...TINY, '--steps', '4', '--out', model)).code).toBe(0);
    expectCleanFailure(
      await run('pretrain', ...TINY, '--steps', '4', '--out', model),
      /taken already exists and is not an empty folder; pass --resume/,
    );
    expectCleanFailure(
      await run('pretrain', '--out', model, '--resume', '--world', 'ginc'),
      /--resume continues the checkpoint's own run; --world cannot change it/,
    );
    expectCleanFailure(await run('pretrain', '--out', model, '--resume', '--steps', '4'), /already at step 4 of 4; pass a larger --steps/);
    expectCleanFailure(await run('pretrain', '--out', join(dir, 'missing'), '--resume'), /missing/);
  });
});

describe('iclkr icl', () => {
  it('reports every (n, k) row in and out of distribution, with baselines and a report folder', async () => {
    const model = join(dir, 'icl-model');
    expect((await run('pretrain', ...TINY, '--steps', '4', '--out', model)).code).toBe(0);
    const out = join(dir, 'icl-report');
    const r = await run('icl', '--model', model, '--shots', '0,4', '--prompts', '10', '--ood', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/in-distribution\s+1\s+4\s+10\s+[\d.]+ \[/);
    expect(r.stdout).toMatch(/out-of-distribution\s+1\s+0/);
    expect(readdirSync(out).sort()).toEqual(['figures', 'report.html', 'report.json']);
    expect(readdirSync(join(out, 'figures')).sort()).toEqual(['accuracy.svg', 'accuracy.vl.json']);
    const report = readReportOf('icl', readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.paper?.researchLog).toBe('docs/research/pretraining-icl.md');
    expect(report.meta.kind).toBe('icl');
    expect(report.rows.map((row: { n: number; ood: boolean }) => `${row.ood}:${row.n}`)).toEqual([
      'false:0',
      'false:4',
      'true:0',
      'true:4',
    ]);
  });

  it('rejects prompts longer than the context, corrupted checkpoints and bad options', async () => {
    const model = join(dir, 'icl-model');
    const out = join(dir, 'icl-never');
    expectCleanFailure(
      await run('icl', '--model', model, '--shots', '16', '--out', out),
      /n = 16 demonstrations of length k = 1 has 49 tokens, more than the model's context of 32/,
      out,
    );
    expectCleanFailure(await run('icl', '--model', model, '--shots', 'a', '--out', out), /--shots a is not a comma-separated list/, out);
    expectCleanFailure(
      await run('icl', '--model', model, '--lengths', '0', '--out', out),
      /--lengths 0 is not a comma-separated list of integers in \[1, \d+\]/,
      out,
    );
    expectCleanFailure(
      await run('icl', '--model', model, '--prompts', '0', '--out', out),
      /--prompts 0 is not an integer in \[1, \d+\]/,
      out,
    );
    expectCleanFailure(
      await run('icl', '--model', model, '--world', 'paper-table3', '--shots', '1', '--lengths', '2', '--out', out),
      /vocabulary \(35\) is smaller than the world's \(100\)/,
      out,
    );
    expectCleanFailure(await run('icl', '--model', join(dir, 'nothing-here')), /nothing-here/);
    const broken = join(dir, 'broken');
    expect((await run('pretrain', ...TINY, '--steps', '4', '--out', broken)).code).toBe(0);
    const weights = join(broken, 'model.safetensors');
    writeFileSync(weights, readFileSync(weights).subarray(0, 200));
    expectCleanFailure(await run('icl', '--model', broken), /model\.safetensors/);
  });
});

describe('iclkr pretrain and Ctrl-C', () => {
  it('stops at the next step with a complete, resumable checkpoint when documents come from a world (issue 20)', async () => {
    const out = join(dir, 'interrupted');
    const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
    const child = spawn(process.execPath, [main, 'pretrain', ...TINY, '--steps', '100000', '--out', out], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    // Interrupt once training has started (the progress bar prints after a second).
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (/pretrain \d+%/.test(stderr)) {
          clearInterval(poll);
          resolve();
        }
      }, 100);
    });
    const sent = performance.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect((performance.now() - sent) / 1000).toBeLessThan(5);
    expect(code).toBe(1);
    const step = Number(/stopped at step (\d+) of 100000; the checkpoint in .* is complete/.exec(stderr)![1]);
    expect(step).toBeGreaterThan(0);
    const more = await run('pretrain', '--out', out, '--resume', '--steps', String(step + 2));
    expect(more.code, more.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'training.json'), 'utf8')).step).toBe(step + 2);
  });
});
