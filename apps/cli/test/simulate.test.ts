import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readReportOf, Rng, simulateReportSchema } from '@iclkr/core';
import { classifyWorld, worldFromPreset, worldToJson } from '@iclkr/theory';
import { describe, expect, it } from 'vitest';
import { file, lastLine, run, tempDir, expectCleanFailure } from './run.js';

const dir = tempDir();
const small = ['--prompts', '20', '--shots', '1,8', '--sigma-samples', '300'];
const REPORT_FILES = ['figures', 'report.html', 'report.json'];
/** The report without the parts that change from run to run (time, duration). */
const stable = (json: string) => {
  const { meta, seconds: _, ...rest } = simulateReportSchema.parse(JSON.parse(json));
  return { ...rest, cli: meta.settings };
};

describe('iclkr simulate', () => {
  it("prints the Table 3 comparison with the paper's row beside ours and every setting", async () => {
    const r = await run('simulate', '--preset', 'paper-table3', ...small, '--kernel', 'belief');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^World paper-table3, belief kernel, 20 prompts per n, seed 0, [\d.]+ s\.\n/);
    const lines = r.stdout.split('\n');
    const header = lines.findIndex((l) => l.startsWith('n  L1 (1/n form)'));
    expect(lines[header]).toMatch(/^n\s+L1 \(1\/n form\)\s+acc\. vs Bayes \(1\/n form\)\s+paper distance\s+paper accuracy$/);
    // The paper's Table 3 beside our rows at the same n (n = 1 and 8).
    expect(lines[header + 2]).toMatch(/^1\s+[\d.]+\s+[\d.]+\s+1\.32\s+0\.337$/);
    expect(lines[header + 3]).toMatch(/^8\s+[\d.]+\s+[\d.]+\s+0\.218\s+0\.901$/);
    expect(r.stdout).toMatch(/^1\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+ \[[\d.]+, [\d.]+\]/m);
    expect(r.stdout).toMatch(/The bound's constants\nconstant\s+value\n-+\s+-+\neta = sup \|\|T_x\|\|_F\s+-\n/);
    expect(r.stdout).toMatch(/pass --json or --out DIR for the full report and its figures\n$/);
    expect(r.stderr).toMatch(/backend: (tensorflow|wasm|cpu)/);
  });

  it('--json prints a schema-valid report with the theorem kernel and its bound constants', async () => {
    const r = await run('simulate', '--preset', 'paper-table3', ...small, '--kernel', 'theorem', '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = simulateReportSchema.parse(JSON.parse(r.stdout));
    expect(report.meta).toMatchObject({
      kind: 'simulate',
      seed: 0,
      settings: { preset: 'paper-table3', prompts: 20, shots: [1, 8], kernel: 'theorem', sigmaSamples: 300 },
    });
    expect(report.world).toBe('paper-table3');
    expect(report.rows.map((row) => row.n)).toEqual([1, 8]);
    for (const row of report.rows) {
      expect(row.tv).toBeCloseTo(row.l1 / 2, 12);
      expect(row.accVsBayes).toBeGreaterThanOrEqual(0);
      expect(row.accVsBayes).toBeLessThanOrEqual(1);
      expect(row.ci.accVsBayes[0]).toBeLessThanOrEqual(row.accVsBayes);
    }
    expect(report.settings).toMatchObject({ kernel: 'theorem', sigmaSamples: 300, shots: [1, 8] });
    expect(report.bounds.eta).toBeGreaterThan(0);
    expect(report.bounds.epsTheta).toHaveLength(8);
  });

  it('gives the same report for the same seed and another for another seed', async () => {
    const args = ['simulate', '--preset', 'paper-table3', ...small, '--kernel', 'belief', '--json'];
    const a = await run(...args);
    const b = await run(...args);
    const c = await run(...args, '--seed', '1');
    expect([a.code, b.code, c.code], a.stderr).toEqual([0, 0, 0]);
    expect(stable(b.stdout)).toEqual(stable(a.stdout));
    expect(stable(c.stdout).rows).not.toEqual(stable(a.stdout).rows);
  });

  it('--out writes report.json, both plots and report.html into an empty folder, atomically', async () => {
    const out = join(dir, 'report');
    mkdirSync(out);
    const r = await run('simulate', '--preset', 'paper-table3', ...small, '--kernel', 'belief', '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(REPORT_FILES);
    expect(readdirSync(join(out, 'figures')).sort()).toEqual(['accuracy.svg', 'accuracy.vl.json', 'distance.svg', 'distance.vl.json']);
    expect(readFileSync(join(out, 'report.json'), 'utf8')).toBe(r.stdout);
    const report = readReportOf('simulate', r.stdout);
    expect(report.paper?.researchLog).toBe('docs/research/theorem-kernel-table3.md');
    expect(report.meta.command).toMatch(/^iclkr simulate --preset paper-table3 /);
    for (const name of ['distance', 'accuracy']) {
      const svg = readFileSync(join(out, 'figures', `${name}.svg`), 'utf8');
      expect(svg).toMatch(/^<svg [^>]*>[\s\S]*<\/svg>/);
      expect(svg).not.toMatch(/NaN|Infinity/);
      // The figure is its Vega-Lite spec rendered: the spec beside it holds the report's rows.
      const spec = JSON.parse(readFileSync(join(out, 'figures', `${name}.vl.json`), 'utf8'));
      expect(spec.$schema).toMatch(/vega-lite/);
      expect(JSON.stringify(spec)).toContain(String(name === 'distance' ? report.rows[1].l1 : report.rows[1].accVsBayes));
    }
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('Compared with the paper');
    expect(html).toContain('docs/research/theorem-kernel-table3.md');
    expect(html).toContain('0.337');
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('prints the table and where the report went; a world file and the attention kernel work', async () => {
    const worldFile = file(dir, 'classify-world.json', worldToJson(worldFromPreset('classify', 2)));
    const out = join(dir, 'classify-report');
    const r = await run(
      'simulate',
      '--world',
      worldFile,
      '--prompts',
      '10',
      '--shots',
      '4,2,2',
      '--kernel',
      'attention',
      '--temperature',
      '0.1',
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^World classify, attention kernel, 10 prompts per n/);
    expect(r.stdout).not.toContain('paper');
    expect(r.stdout).toContain(`report written to ${out} (report.json, 2 figures in figures/, report.html)`);
    const report = simulateReportSchema.parse(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    expect(report.rows.map((row) => row.n)).toEqual([2, 4]);
    expect(report.meta.settings).toMatchObject({ world: worldFile, temperature: 0.1, kernel: 'attention' });
    expect(report.settings).toMatchObject({ kernel: 'attention', temperature: 0.1 });
    expect(readFileSync(join(out, 'figures', 'accuracy.svg'), 'utf8')).not.toContain("paper's");
  });

  it("--param overrides the preset's generator parameters and the report records them", async () => {
    const args = ['simulate', '--preset', 'paper-table3', '--prompts', '10', '--shots', '1,4', '--kernel', 'belief', '--json'];
    const r = await run(...args, '--param', 'transitionConcentration=1, emissionConcentration=0.5,tasks=4');
    expect(r.code, r.stderr).toBe(0);
    const report = simulateReportSchema.parse(JSON.parse(r.stdout));
    expect(report.meta.settings).toMatchObject({
      preset: 'paper-table3',
      param: { transitionConcentration: 1, emissionConcentration: 0.5, tasks: 4 },
    });
    expect(report.settings.generator).toMatchObject({
      name: 'random',
      transitionConcentration: 1,
      emissionConcentration: 0.5,
      tasks: 4,
      seed: 0,
    });
    const plain = simulateReportSchema.parse(JSON.parse((await run(...args)).stdout));
    expect(plain.settings.generator).toMatchObject({ transitionConcentration: 0.006, tasks: 8 });
    expect(report.rows).not.toEqual(plain.rows);
  });

  it('runs out-of-distribution prompts with a given input length, and the continuous mode', async () => {
    const spec = { ...classifyWorld({ labellings: 6, oodLabellings: 2, inputLength: 3 }, new Rng(4)), name: 'classify-ood' };
    const worldFile = file(dir, 'classify-ood.json', worldToJson(spec));
    const ood = await run(
      'simulate',
      '--world',
      worldFile,
      '--prompts',
      '8',
      '--shots',
      '1,2',
      '--ood',
      '--length',
      '3',
      '--kernel',
      'cosine',
      '--json',
    );
    expect(ood.code, ood.stderr).toBe(0);
    const report = simulateReportSchema.parse(JSON.parse(ood.stdout));
    expect(report.world).toBe('classify-ood');
    expect(report.settings).toMatchObject({ kernel: 'cosine', inputLength: 3, promptTasks: expect.stringMatching(/^out-of-distribution/) });
    expect(report.meta.settings).toMatchObject({ ood: true, inputLength: 3 });
    const continuous = await run(
      'simulate',
      '--preset',
      'paper-table3',
      '--prompts',
      '8',
      '--shots',
      '1,2',
      '--mode',
      'continuous',
      '--kernel',
      'belief',
      '--json',
    );
    expect(continuous.code, continuous.stderr).toBe(0);
    expect(simulateReportSchema.parse(JSON.parse(continuous.stdout)).settings).toMatchObject({ mode: 'continuous' });
  });

  it('an --out under a regular file is one line before the experiment and leaves nothing behind', async () => {
    const blocker = file(dir, 'blocker', 'x');
    const r = await run('simulate', '--preset', 'paper-table3', ...small, '--kernel', 'belief', '--out', join(blocker, 'report'));
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toMatch(/^iclkr: error: --out .*blocker\/report: .*blocker is a file, not a folder; /);
    expect(r.stdout).toBe('');
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('--ood on a world without out-of-distribution tasks is a one-line error', async () => {
    const out = join(dir, 'never-ood');
    const r = await run('simulate', '--preset', 'paper-table3', ...small, '--ood', '--out', out);
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toMatch(/^iclkr: error: the world has no out-of-distribution tasks/);
    expect(existsSync(out)).toBe(false);
  });

  it('lists its options in --help', async () => {
    const r = await run('simulate', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: iclkr simulate \[options\]/);
    expect(r.stdout).toMatch(/--preset paper-table3\|ginc\|classify/);
    expect(r.stdout).toMatch(/--shots N1,N2,\.\.\.\s+.*\(default: 1,2,4,8,16,32,64,128\)/);
    expect(r.stdout).toMatch(/--kernel theorem\|belief\|cosine\|attention/);
    expect(r.stdout).toMatch(/--mode restart\|continuous/);
    for (const option of [
      '--param NAME=V,...',
      '--prompts N',
      '--length K',
      '--sigma-samples N',
      '--ridge R',
      '--temperature T',
      '--ood',
      '--seed S',
      '--json',
      '--out DIR',
      '--world FILE',
    ]) {
      expect(r.stdout).toContain(option);
    }
  });
});

describe('iclkr simulate: bad input is a one-line error, exit 1, nothing written', () => {
  const badWorld = file(
    dir,
    'bad-world.json',
    '{"tokens": 2, "states": 1, "delimiter": 0, "transition": [[1]], "emission": ' +
      '[[0.7, 0.2]], "tasks": [{"name": "t", "prior": 1, "start": [1]}]}',
  );
  const full = join(dir, 'full');
  mkdirSync(full);
  writeFileSync(join(full, 'keep.txt'), 'x');
  const p = ['--preset', 'paper-table3'];
  const cases: [string, string[], RegExp][] = [
    ['no world', [], /missing --preset or --world; pass --preset paper-table3\|ginc\|classify\|recall or --world FILE/],
    ['both worlds', [...p, '--world', badWorld], /--preset and --world both given; pass one of them/],
    ['unknown preset', ['--preset', 'gnic'], /--preset gnic is not one of paper-table3, ginc, classify, recall/],
    ['bad world file', ['--world', badWorld], /bad-world\.json: emission\[0\] sums to 0\.9, not 1/],
    ['missing world file', ['--world', join(dir, 'nope.json')], /nope\.json: no such file/],
    [
      'shots not a number',
      [...p, '--shots', '1,x'],
      /--shots 1,x is not a comma-separated list of integers in \[0, \d+\]; pass e\.g\. --shots 0,1,2/,
    ],
    ['shots negative', [...p, '--shots', '-1,2'], /--shots -1,2 is not a comma-separated list of integers in \[0, \d+\]/],
    ['shots fractional', [...p, '--shots', '1.5'], /--shots 1\.5 is not a comma-separated list/],
    ['shots empty item', [...p, '--shots', '1,,2'], /--shots 1,,2 is not a comma-separated list/],
    ['shots empty', [...p, '--shots', ''], /--shots {2}is not a comma-separated list|option --shots needs a value/],
    ['shots without value', [...p, '--shots'], /option --shots needs a value/],
    ['one prompt', [...p, '--prompts', '1'], /--prompts 1 is not an integer in \[2, \d+\]/],
    ['prompts not a number', [...p, '--prompts', 'many'], /--prompts many is not an integer in \[2, \d+\]/],
    ['unknown kernel', [...p, '--kernel', 'rbf'], /--kernel rbf is not one of theorem, belief, cosine, attention/],
    ['zero length', [...p, '--length', '0'], /--length 0 is not an integer in \[1, \d+\]/],
    ['unknown mode', [...p, '--mode', 'batch'], /--mode batch is not one of restart, continuous/],
    ['fractional sigma samples', [...p, '--sigma-samples', '2.5'], /--sigma-samples 2\.5 is not an integer in \[2, \d+\]/],
    ['zero ridge', [...p, '--ridge', '0'], /--ridge 0 is not a positive number/],
    ['negative ridge', [...p, '--ridge', '-1'], /--ridge -1 is not a positive number/],
    ['zero temperature', [...p, '--kernel', 'attention', '--temperature', '0'], /--temperature 0 is not a positive number/],
    [
      'temperature without attention',
      [...p, '--kernel', 'theorem', '--temperature', '0.1'],
      /--temperature applies only to the attention kernel; drop --temperature or pass --kernel attention/,
    ],
    ['negative seed', [...p, '--seed', '-1'], /--seed -1 is not an integer in \[0, 2147483647\]/],
    ['fractional seed', [...p, '--seed', '1.5'], /--seed 1\.5 is not an integer in/],
    [
      'non-empty --out',
      [...p, '--out', full],
      /full already exists and is not an empty folder; choose a new output folder or remove the old one/,
    ],
    ['--out is a file', [...p, '--out', badWorld], /--out .*bad-world\.json is a file, not a folder/],
    ['unknown option', [...p, '--shot', '1'], /unknown option --shot/],
    ['stray argument', [...p, 'table3'], /unexpected argument 'table3'/],
    ['bad backend', [...p, '--backend', 'gpu'], /unknown backend 'gpu'/],
    [
      'unknown --param',
      [...p, '--param', 'alpha=1'],
      new RegExp(
        "preset paper-table3 has no parameter 'alpha'; use one of tasks, states, tokens, " +
          'transitionConcentration, emissionConcentration, delimiterProbability',
      ),
    ],
    [
      '--param not NAME=VALUE',
      [...p, '--param', 'tasks'],
      /--param 'tasks' is not NAME=VALUE; pass --param NAME=VALUE\[,NAME=VALUE\.\.\.\]/,
    ],
    ['--param twice', [...p, '--param', 'tasks=2,tasks=3'], /--param sets tasks twice; set each parameter once/],
    [
      '--param bad value',
      [...p, '--param', 'transitionConcentration=-1'],
      /randomWorld: transitionConcentration -1 is not in \(0, inf\); pass transitionConcentration in \(0, inf\)/,
    ],
    ['--param not a number', [...p, '--param', 'tasks=many'], /randomWorld: tasks many is not an integer >= 1/],
    [
      '--param with --world',
      ['--world', badWorld, '--param', 'tasks=2'],
      /--param needs --preset; set the parameters in the world file, or use --preset/,
    ],
  ];
  for (const [name, args, pattern] of cases) {
    it(name, async () => {
      const out = join(dir, `out-${name.replace(/\W+/g, '-')}`);
      const r = await run('simulate', ...args, ...(args.includes('--out') ? [] : ['--out', out]));
      expectCleanFailure(r, pattern, out);
      expect(readdirSync(full)).toEqual(['keep.txt']);
      expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
    });
  }
});

describe('iclkr simulate out of distribution', () => {
  it('GINC prompts of held-out concepts: impossible ones are counted, not scored', async () => {
    const r = await run('simulate', '--preset', 'ginc', '--ood', '--length', '3', '--shots', '0,16', '--prompts', '20');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/excluded \(impossible\)/);
  });

  it("names the temperature when the attention kernel's 1/n form overflows (it was a schema dump)", async () => {
    expectCleanFailure(
      await run('simulate', '--preset', 'classify', '--kernel', 'attention', '--temperature', '0.01', '--shots', '1,4', '--prompts', '10'),
      /the 1\/n form of the attention kernel overflows float32 at n = 1 and temperature 0\.01; pass a larger temperature/,
    );
  });
});
