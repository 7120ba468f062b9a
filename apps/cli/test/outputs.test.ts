// Outputs that are inputs, output paths that cannot be written, atomic replacement and Ctrl-C
// during a write, the same for every command (issue 20). The path checks run in the option layer
// (src/paths.ts) before any work, so most cases here need no real input data.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { OptionSpecs } from '../src/args.js';
import { COMMANDS } from '../src/cli.js';
import { expectCleanFailure, file, run, tempDir } from './run.js';

const dir = tempDir();
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const TABLE = 'x,y\n0,0\n1,1\n2,0\n3,1\n';

describe('path options', () => {
  it('every option that names a file or folder declares whether it is an input or an output, and --help states the rule', async () => {
    for (const command of COMMANDS) {
      const options: OptionSpecs = command.options;
      for (const [name, spec] of Object.entries(options)) {
        if (spec.kind === 'string' && /FILE|DIR|PATH/.test(spec.placeholder ?? ''))
          expect(spec.role, `${command.name} --${name}`).toBeDefined();
      }
      const writes = Object.values(options).some((o) => o.kind === 'string' && o.role !== undefined && o.role !== 'input');
      const help = (await run(command.name, '--help')).stdout;
      expect(help.includes('Outputs: one that is (or links to) an input of the command is refused'), command.name).toBe(writes);
    }
  });
});

describe('an output that is an input is refused before any work', () => {
  const table = file(dir, 'table.csv', TABLE);
  const world = file(dir, 'world.json', '{}');
  const prompts = file(dir, 'prompts.jsonl', '{}\n');
  const data = file(dir, 'data.tsv', 'sentence\tlabel\na\t0\n');
  const kept = () =>
    expect([readFileSync(table, 'utf8'), readFileSync(prompts, 'utf8'), readFileSync(data, 'utf8')]).toEqual([
      TABLE,
      '{}\n',
      'sentence\tlabel\na\t0\n',
    ]);

  it("kernel-regress --out = --test, bayes --out = --prompts, retrieve --out = --data (the issue's cases)", async () => {
    expectCleanFailure(
      await run('kernel-regress', '--train', file(dir, 'train.csv', TABLE), '--test', table, '--out', table),
      /--out .*table\.csv is also the input --test .*table\.csv; writing it would replace the input; choose another --out$/,
    );
    expectCleanFailure(
      await run('bayes', '--world', world, '--prompts', prompts, '--out', prompts),
      /--out .*prompts\.jsonl is also the input --prompts/,
    );
    expectCleanFailure(
      await run('retrieve', '--demos', data, '--data', data, '--strategy', 'random', '--shots', '1', '--out', data),
      /--out .*data\.tsv is also the input --demos/,
    );
    kept();
  });

  it('follows links: to the input itself, or through a linked folder', async () => {
    const link = join(dir, 'link.csv');
    symlinkSync(table, link);
    const folderLink = join(dir, 'linked-folder');
    symlinkSync(dir, folderLink);
    for (const out of [link, join(folderLink, 'table.csv'), join(dir, '.', 'sub', '..', 'table.csv')]) {
      mkdirSync(join(dir, 'sub'), { recursive: true });
      expectCleanFailure(await run('kernel-regress', '--train', table, '--test', table, '--out', out), /is also the input --train/);
    }
    kept();
  });

  it('refuses a file of an input folder, a report folder written onto itself, a corpus trained into itself', async () => {
    const model = join(dir, 'model');
    mkdirSync(model);
    const weights = file(model, 'model.safetensors', 'weights');
    const ids = file(dir, 'ids.json', '[[1]]');
    expectCleanFailure(
      await run('run-model', '--model', model, '--input-ids', ids, '--out', weights),
      /--out .*model\.safetensors is a file of the input folder --model .*model; writing it would replace it/,
    );
    expect(readFileSync(weights, 'utf8')).toBe('weights');
    expectCleanFailure(await run('report', model, '--out', model), /--out .*model is also the input --path/);
    expectCleanFailure(await run('pretrain', '--corpus', model, '--out', model), /--out .*model is also the input --corpus/);
    expectCleanFailure(
      await run('generate', '--preset', 'ginc', '--out', join(dir, 'c'), '--save-world', join(dir, 'c')),
      /--save-world .*c and --out .*c overlap/,
      join(dir, 'c'),
    );
  });
});

describe('output paths that cannot be written are named in words before any work', () => {
  const table = file(dir, 'paths.csv', TABLE);
  const regress = (out: string) => run('kernel-regress', '--train', table, '--test', table, '--out', out);

  it('a folder as --out FILE, a path under a regular file, a missing folder, a file as --out DIR', async () => {
    expectCleanFailure(await regress(dir), /--out .* is a folder, not a file; name a file, e.g. --out .*out\.json$/);
    expectCleanFailure(await regress(''), /--out is empty; pass a file path, or drop --out$/);
    expectCleanFailure(await regress(join(table, 'r.json')), /--out .*paths\.csv\/r\.json: .*paths\.csv is a file, not a folder/);
    expectCleanFailure(
      await regress(join(dir, 'no-such-folder', 'r.json')),
      /--out .*r\.json: the folder .*no-such-folder does not exist; create it first \(mkdir -p .*no-such-folder\)/,
    );
    expectCleanFailure(await run('simulate', '--preset', 'classify', '--out', table), /--out .*paths\.csv is a file, not a folder/);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('reproduce checks its default folder under reports/ before the work, as a given --out', () => {
    const cwd = join(dir, 'reports-is-a-file');
    mkdirSync(cwd);
    file(cwd, 'reports', 'x');
    const r = spawnSync(process.execPath, [MAIN, 'reproduce', '--quick', '--only', 'icl'], { cwd, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n').pop()).toMatch(/^iclkr: error: --out reports\/reproduce-[\d-]+: reports is a file, not a folder/);
  });

  it('generate checks --save-world before sampling: a missing folder or a folder leaves no corpus behind', async () => {
    const out = join(dir, 'corpus-never');
    const base = ['generate', '--preset', 'ginc', '--docs', '2', '--doc-length', '5', '--out', out];
    expectCleanFailure(
      await run(...base, '--save-world', join(dir, 'missing', 'w.json')),
      /--save-world .*w\.json: the folder .*missing does not exist/,
      out,
    );
    expectCleanFailure(await run(...base, '--save-world', dir), /--save-world .* is a folder, not a file/, out);
    // The rerun with a good path works: nothing was left to say "already exists".
    const r = await run(...base, '--save-world', join(dir, 'w.json'));
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('atomic writes', () => {
  it('replace an existing output file whole: a hard link to the old file keeps the old bytes', async () => {
    const table = file(dir, 'atomic.csv', TABLE);
    const out = file(dir, 'atomic.json', 'old');
    const before = join(dir, 'atomic-before.json');
    linkSync(out, before);
    const r = await run('kernel-regress', '--train', table, '--test', table, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).meta.kind).toBe('kernel-regress');
    expect(readFileSync(before, 'utf8')).toBe('old');
  });

  it("Ctrl-C during generate removes its temporary folder and ends by the signal; a dead run's temporaries are removed by the next", async () => {
    const parent = join(dir, 'interrupted');
    mkdirSync(parent);
    const out = join(parent, 'corpus');
    const child = spawn(process.execPath, [MAIN, 'generate', '--preset', 'ginc', '--docs', '50000', '--out', out], { stdio: 'ignore' });
    const exit = new Promise<[number | null, string | null]>((resolve) => child.on('exit', (code, signal) => resolve([code, signal])));
    // Interrupt once the temporary folder holds some of the corpus.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        const temporary = readdirSync(parent).find((n) => n.startsWith('.corpus.tmp-'));
        if (temporary !== undefined && existsSync(join(parent, temporary, 'tokens.bin'))) {
          clearInterval(poll);
          resolve();
        }
      }, 50);
    });
    child.kill('SIGINT');
    const [code, signal] = await exit;
    expect(signal === 'SIGINT' || code === 130, `exit ${code} ${signal}`).toBe(true);
    expect(readdirSync(parent)).toEqual([]);

    // What a killed (-9) writer leaves: its temporary, named after its pid, which is no longer alive.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const stale = join(parent, `.corpus.tmp-${dead}-1-0`);
    mkdirSync(stale);
    writeFileSync(join(stale, 'tokens.bin'), 'half');
    const r = await run('generate', '--preset', 'ginc', '--docs', '2', '--doc-length', '5', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(parent)).toEqual(['corpus']);
  });
});
