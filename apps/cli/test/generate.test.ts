import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCorpus } from '@iclkr/theory/node';
import { describe, expect, it } from 'vitest';
import { lastLine, run, tempDir } from './run.js';

const dir = tempDir();

describe('iclkr generate', () => {
  it('samples a GINC corpus into a folder and can save the world', async () => {
    const out = join(dir, 'ginc');
    const worldFile = join(dir, 'ginc-world.json');
    const r = await run(
      'generate',
      '--preset',
      'ginc',
      '--docs',
      '12',
      '--doc-length',
      '64',
      '--out',
      out,
      '--seed',
      '3',
      '--save-world',
      worldFile,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        '^wrote .*ginc: 12 documents x 64 tokens = 768 uint16 tokens ' +
          'from world ginc \\(10 tasks, 100 states, 50 tokens\\), seed 3, in [\\d.e-]+ s',
      ),
    );
    expect(r.stdout).toContain(`world saved to ${worldFile}`);
    expect(readdirSync(out).sort()).toEqual(['corpus.json', 'tokens.bin', 'world.json']);
    expect(readFileSync(worldFile, 'utf8')).toBe(readFileSync(join(out, 'world.json'), 'utf8'));
    const corpus = await openCorpus(out);
    expect(corpus.description).toMatchObject({
      docs: 12,
      docLength: 64,
      tokens: 768,
      seed: 3,
      restart: false,
      generator: { name: 'ginc', seed: 3 },
    });
    expect((await corpus.document(11)).length).toBe(64);
    await corpus.close();
  });

  it('is deterministic by seed and reads a world file', async () => {
    const worldFile = join(dir, 'ginc-world.json');
    const a = join(dir, 'from-file-a');
    const b = join(dir, 'from-file-b');
    expect((await run('generate', '--world', worldFile, '--docs', '5', '--doc-length', '20', '--out', a, '--seed', '9')).code).toBe(0);
    expect(
      (await run('generate', '--world', worldFile, '--docs', '5', '--doc-length', '20', '--out', b, '--seed', '9', '--restart')).code,
    ).toBe(0);
    const c = join(dir, 'from-file-c');
    expect((await run('generate', '--world', worldFile, '--docs', '5', '--doc-length', '20', '--out', c, '--seed', '9')).code).toBe(0);
    expect(readFileSync(join(a, 'tokens.bin'))).toEqual(readFileSync(join(c, 'tokens.bin')));
    expect(JSON.parse(readFileSync(join(b, 'corpus.json'), 'utf8')).restart).toBe(true);
  });

  it('knows the other presets', async () => {
    for (const preset of ['paper-table3', 'classify']) {
      const out = join(dir, preset);
      const r = await run('generate', '--preset', preset, '--docs', '3', '--doc-length', '30', '--out', out);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(readFileSync(join(out, 'corpus.json'), 'utf8')).generator.seed).toBe(0);
    }
  });

  it("--param overrides a preset's generator parameters", async () => {
    const out = join(dir, 'ginc-small');
    const r = await run(
      'generate',
      '--preset',
      'ginc',
      '--param',
      'n_values=4,n_slots=3,n_symbols=20',
      '--docs',
      '2',
      '--doc-length',
      '30',
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('from world ginc (10 tasks, 12 states, 20 tokens)');
    expect(JSON.parse(readFileSync(join(out, 'world.json'), 'utf8')).generator).toMatchObject({ n_values: 4, n_slots: 3, n_symbols: 20 });
  });

  it('rejects bad input in one line and writes nothing', async () => {
    const out = join(dir, 'never');
    const bad = join(dir, 'bad-world.json');
    writeFileSync(
      bad,
      '{"tokens": 2, "states": 1, "delimiter": 0, "transition": [[1]], "emission": ' +
        '[[0.7, 0.2]], "tasks": [{"name": "t", "prior": 1, "start": [1]}]}',
    );
    const full = join(dir, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'keep.txt'), 'x');
    const cases: [string[], RegExp][] = [
      [['--out', out], /missing --preset or --world; pass --preset paper-table3\|ginc\|classify\|recall or --world FILE/],
      [['--preset', 'ginc', '--world', bad, '--out', out], /--preset and --world both given; pass one of them/],
      [['--preset', 'gnic', '--out', out], /--preset gnic is not one of paper-table3, ginc, classify, recall/],
      [['--preset', 'ginc'], /missing --out/],
      [['--preset', 'ginc', '--out', out, '--docs', '0'], /--docs 0 is not an integer in \[1, \d+\]/],
      [['--preset', 'ginc', '--out', out, '--doc-length', '2.5'], /--doc-length 2\.5 is not an integer in \[1, \d+\]/],
      [['--preset', 'ginc', '--out', out, '--seed', '-1'], /--seed -1 is not an integer in \[0, 2147483647\]/],
      [['--world', bad, '--out', out], /bad-world\.json: emission\[0\] sums to 0\.9, not 1/],
      [['--world', join(dir, 'nope.json'), '--out', out], /nope\.json: no such file/],
      [['--preset', 'ginc', '--out', full, '--docs', '2', '--doc-length', '5'], /already exists and is not an empty folder/],
      [
        ['--preset', 'ginc', '--param', 'n_states=4', '--out', out],
        /preset ginc has no parameter 'n_states'; use one of n_values, n_slots/,
      ],
      [['--world', bad, '--param', 'n_values=4', '--out', out], /--param needs --preset/],
    ];
    for (const [args, pattern] of cases) {
      const r = await run('generate', ...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(lastLine(r.stderr)).toMatch(/^iclkr: error: /);
      expect(lastLine(r.stderr)).toMatch(pattern);
    }
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(full)).toEqual(['keep.txt']);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('lists its options in --help', async () => {
    const r = await run('generate', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--preset paper-table3\|ginc\|classify/);
    expect(r.stdout).toMatch(/--doc-length L\s+tokens per document \(default: 10240\)/);
  });
});
