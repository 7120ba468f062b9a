import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
