import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkFolderFree, replaceFolder, writeFileAtomic, writeFolderAtomic } from './files.js';

const base = mkdtempSync(join(tmpdir(), 'iclkr-files-'));

describe('atomic writes', () => {
  it('writes a file and replaces an old one whole', async () => {
    const path = join(base, 'a.txt');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, 'two');
    expect(readFileSync(path, 'utf8')).toBe('two');
    expect(readdirSync(base).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('writes a folder whole, into a missing or empty path, with ordinary permissions', async () => {
    const dir = join(base, 'out');
    mkdirSync(dir);
    const result = await writeFolderAtomic(dir, async (tmp) => {
      writeFileSync(join(tmp, 'x.json'), '{}');
      return 7;
    });
    expect(result).toBe(7);
    expect(readdirSync(dir)).toEqual(['x.json']);
    expect(statSync(dir).mode & 0o055).not.toBe(0);
  });

  it('refuses a non-empty folder and leaves nothing behind when filling fails', async () => {
    const dir = join(base, 'out');
    await expect(checkFolderFree(dir)).rejects.toThrow(/already exists and is not an empty folder/);
    const fresh = join(base, 'failing');
    await expect(
      writeFolderAtomic(fresh, async (tmp) => {
        writeFileSync(join(tmp, 'half'), 'x');
        throw new Error('disk full');
      }),
    ).rejects.toThrow(/cannot write .*failing \(disk full\)/);
    expect(readdirSync(base).filter((f) => f.includes('failing'))).toEqual([]);
  });
});

describe('replaceFolder', () => {
  it('puts a new version in place of the old one and leaves no sibling behind', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'iclkr-replace-'));
    const dir = join(parent, 'ckpt');
    await replaceFolder(dir, async (tmp) => writeFileSync(join(tmp, 'a.txt'), 'one'));
    await replaceFolder(dir, async (tmp) => writeFileSync(join(tmp, 'b.txt'), 'two'));
    expect(readdirSync(dir)).toEqual(['b.txt']);
    expect(readdirSync(parent)).toEqual(['ckpt']);
  });

  it('keeps the old version when writing the new one fails', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'iclkr-replace-'));
    const dir = join(parent, 'ckpt');
    await replaceFolder(dir, async (tmp) => writeFileSync(join(tmp, 'a.txt'), 'one'));
    await expect(
      replaceFolder(dir, async () => {
        throw new Error('disk full');
      }),
    ).rejects.toThrow(/disk full/);
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('one');
    expect(readdirSync(parent)).toEqual(['ckpt']);
  });
});

describe('temporaries (issue 20)', () => {
  const filesEntry = fileURLToPath(new URL('./files.ts', import.meta.url));

  /**
   * Starts a child that holds folder `target` half-written; `ready` resolves once it has begun. With
   * `handles`, the child handles SIGINT itself (once, as pretrain does) and then finishes the folder.
   */
  function halfWriting(target: string, handles = false) {
    const script = `
      const { writeFolderAtomic } = await import(${JSON.stringify(filesEntry)});
      const { writeFileSync } = await import('node:fs');
      let stop = false;
      if (${handles}) process.once('SIGINT', () => { stop = true; });
      await writeFolderAtomic(${JSON.stringify(target)}, async (tmp) => {
        writeFileSync(tmp + '/half', 'x');
        console.log('ready');
        await new Promise((resolve) => setInterval(() => stop && resolve(), 20));
        writeFileSync(tmp + '/rest', 'x');
      });
      process.exit(0);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const ready = new Promise<void>((resolve) => child.stdout.on('data', (d) => String(d).includes('ready') && resolve()));
    const exit = new Promise<[number | null, string | null]>((resolve) => child.on('exit', (code, signal) => resolve([code, signal])));
    return { child, ready, exit };
  }

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} while a folder is half-written removes its temporary and ends the process by the signal`, async () => {
      const parent = mkdtempSync(join(tmpdir(), 'iclkr-signal-'));
      const { child, ready, exit } = halfWriting(join(parent, 'out'));
      await ready;
      expect(readdirSync(parent)).toHaveLength(1);
      child.kill(signal);
      expect((await exit)[1]).toBe(signal);
      expect(readdirSync(parent)).toEqual([]);
    });
  }

  it('a program that handles SIGINT itself (pretrain) finishes its write: the temporary becomes the folder', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'iclkr-signal-'));
    const { child, ready, exit } = halfWriting(join(parent, 'out'), true);
    await ready;
    child.kill('SIGINT');
    expect(await exit).toEqual([0, null]);
    expect(readdirSync(parent)).toEqual(['out']);
    expect(readdirSync(join(parent, 'out')).sort()).toEqual(['half', 'rest']);
  });

  it('a dead process’s temporaries of the same output are removed by the next write; a live one’s are kept', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'iclkr-stale-'));
    // A pid that is surely dead: a child that has exited.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    mkdirSync(join(parent, `.out.tmp-${dead}-1-0`));
    writeFileSync(join(parent, `.out.tmp-${dead}-1-0`, 'half'), 'x');
    writeFileSync(join(parent, `.a.txt.tmp-${dead}-1-0`), 'x');
    writeFileSync(join(parent, `a.txt.tmp-${dead}`), 'x');
    mkdirSync(join(parent, `.out.tmp-${process.pid}-1-0`));
    mkdirSync(join(parent, `.other.tmp-${dead}-1-0`));
    await writeFolderAtomic(join(parent, 'out'), async (tmp) => writeFileSync(join(tmp, 'x'), 'x'));
    await writeFileAtomic(join(parent, 'a.txt'), 'x');
    expect(readdirSync(parent).sort()).toEqual([`.other.tmp-${dead}-1-0`, `.out.tmp-${process.pid}-1-0`, 'a.txt', 'out']);
  });

  it("puts back a dead replaceFolder's complete .old version when the folder itself is missing", async () => {
    const parent = mkdtempSync(join(tmpdir(), 'iclkr-stale-'));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    mkdirSync(join(parent, `.ckpt.old-${dead}-1-0`));
    writeFileSync(join(parent, `.ckpt.old-${dead}-1-0`, 'a.txt'), 'old');
    mkdirSync(join(parent, `.ckpt.new-${dead}-1-0`));
    await replaceFolder(join(parent, 'ckpt'), async (tmp) => writeFileSync(join(tmp, 'b.txt'), 'new'));
    expect(readdirSync(parent)).toEqual(['ckpt']);
    expect(readdirSync(join(parent, 'ckpt'))).toEqual(['b.txt']);
  });
});
