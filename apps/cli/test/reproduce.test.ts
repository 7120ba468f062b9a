import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readReportOf } from '@iclkr/core';
import { initBackend } from '@iclkr/core/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectCleanFailure, GPT2_TOKENIZER, randomTextModel, run, tempDir } from './run.js';

const dir = tempDir();
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
let textModel: string;
beforeAll(async () => {
  await initBackend();
  textModel = await randomTextModel(dir);
});

describe('iclkr reproduce', () => {
  it('runs the ablation section: every head of the built-in model ablated, and the knock-out pair, with its heatmaps', async () => {
    const out = join(dir, 'repro-ablation');
    const r = await run('reproduce', '--quick', '--only', 'ablation', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const report = readReportOf('reproduce', readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.sections.map((s) => s.name)).toEqual(['ablation']);
    const section = report.sections[0].report as {
      meta: { kind: string };
      shots: number;
      prompts: number;
      rows: unknown[];
      knockout: unknown[];
    };
    expect(section.meta.kind).toBe('ablation');
    expect([section.shots, section.prompts, section.rows.length, section.knockout.length]).toEqual([16, 100, 8, 2]);
    expect(readdirSync(join(out, 'figures'))).toEqual(expect.arrayContaining(['ablation-drop.svg', 'ablation-agreement.svg']));
  });

  it('runs the retrieval section: compare-retrievers on the built-in model, random against its own kernel and the true one', async () => {
    const out = join(dir, 'repro-retrieval');
    const r = await run('reproduce', '--quick', '--only', 'retrieval', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const report = readReportOf('reproduce', readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.sections.map((s) => s.name)).toEqual(['retrieval']);
    const section = report.sections[0].report as { meta: { kind: string }; strategies: string[]; shots: number[]; rows: unknown[] };
    expect(section.meta.kind).toBe('compare-retrievers');
    expect([section.strategies, section.shots]).toEqual([
      ['random', 'knn', 'attention-kernel', 'true-kernel'],
      [4, 8],
    ]);
    expect(report.summary.filter((s) => s.section === 'retrieval').map((s) => s.paper)).toEqual([0.805, 0.75, 0.5]);
    expect(readdirSync(join(out, 'figures'))).toEqual(expect.arrayContaining(['retrieval-accuracy.svg', 'retrieval-methods.svg']));
  });

  it("runs the sections asked into one report folder, our numbers beside the paper's (text half: plumbing, a random model)", async () => {
    const out = join(dir, 'repro');
    const r = await run('reproduce', '--quick', '--only', 'icl,text', '--model', textModel, '--tokenizer', GPT2_TOKENIZER, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const report = readReportOf('reproduce', readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.quick).toBe(true);
    expect(report.seeds).toEqual([0]);
    expect(report.sections.map((s) => s.name)).toEqual(['icl', 'text']);
    expect(report.sections[1].report.meta.kind).toBe('probe');
    // The text half follows Table 2's protocol: heads chosen on 70% of the prompts, scored on the rest.
    const text = report.sections[1].report as { prompts: number; heldOut: { prompts: number } };
    expect([text.prompts, text.heldOut.prompts]).toEqual([100, 30]);
    const table2 = report.summary.filter((s) => s.section === 'text' && /Table 2/.test(s.quantity));
    expect(table2.map((s) => s.paper)).toEqual([0.805, 0.797, 0.75, 0.5]);
    expect(r.stdout).toMatch(/Our numbers beside the paper's\n/);
    expect(r.stdout).toMatch(/text\s+best head: agreement with the model, held out \(Table 2\)\s+0\.797\s+[\d.]+/);
    expect(r.stdout).toContain(`open ${join(out, 'report.html')}`);
    expect(readdirSync(join(out, 'figures'))).toContain('icl-accuracy.svg');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('Contents');
    expect(html).toContain('text: Attention vote');
  });

  it('without --out, each run writes a new folder under reports/', () => {
    const cwd = join(dir, 'cwd');
    mkdirSync(cwd);
    for (let i = 0; i < 2; i++) {
      const r = spawnSync(process.execPath, [MAIN, 'reproduce', '--quick', '--only', 'icl'], { cwd, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
    const made = readdirSync(join(cwd, 'reports'));
    expect(made).toHaveLength(2);
    for (const name of made) expect(name).toMatch(/^reproduce-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d(-\d+)?$/);
  });

  it('Ctrl-C mid-run exits and leaves no report folder behind', async () => {
    const out = join(dir, 'interrupted');
    const child = spawn(process.execPath, [MAIN, 'reproduce', '--quick', '--out', out], { stdio: 'ignore' });
    await new Promise((resolve) => setTimeout(resolve, 4000));
    child.kill('SIGINT');
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    expect(code === 0).toBe(false);
    expect(signal === 'SIGINT' || code === 130).toBe(true);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('interrupted'))).toEqual([]);
  });

  it('refuses bad options in one line and writes nothing', async () => {
    const out = join(dir, 'never');
    const full = join(dir, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'keep.txt'), 'x');
    expectCleanFailure(await run('reproduce', '--quick', '--out', full), /already exists and is not an empty folder/);
    expectCleanFailure(await run('reproduce', '--seeds', '3-1', '--out', out), /--seeds 3-1 is not a range/, out);
    expectCleanFailure(await run('reproduce', '--seeds', 'a', '--out', out), /--seeds a is not a list of seeds/, out);
    expectCleanFailure(
      await run('reproduce', '--only', 'tables', '--out', out),
      /'tables' is not a section; pass some of convergence,icl,probe,ablation,retrieval,text/,
      out,
    );
    expectCleanFailure(await run('reproduce', '--only', 'text', '--out', out), /--only text needs a text model or activations/, out);
    expectCleanFailure(
      await run('reproduce', '--model', textModel, '--activations', dir, '--out', out),
      /--model and --activations both given/,
      out,
    );
    expectCleanFailure(await run('reproduce', '--tokenizer', GPT2_TOKENIZER, '--out', out), /--tokenizer applies to --model only/, out);
    expectCleanFailure(await run('reproduce', '--data-dir', dir, '--out', out), /--data-dir applies to --model only/, out);
    expect(readdirSync(full)).toEqual(['keep.txt']);
  });
});
