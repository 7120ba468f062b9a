import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, IclkrError, Rng } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { corpusRng } from './corpus.js';
import { openCorpus, writeCorpus } from './corpus-node.js';
import { gincWorld } from './generators/ginc.js';
import { documents } from './sample.js';
import { compileWorld } from './world.js';

const world = compileWorld(gincWorld({ n_values: 4, n_slots: 4, n_symbols: 20, n_hmms: 4 }, new Rng(1)));

describe('writeCorpus / openCorpus', () => {
  const root = mkdtempSync(join(tmpdir(), 'iclkr-corpus-'));

  it('writes tokens, description and world, reporting progress, and reads documents back', async () => {
    const dir = join(root, 'a');
    const progress: number[] = [];
    const description = await writeCorpus(dir, world, {
      docs: 9,
      length: 100,
      seed: 4,
      chunkTokens: 300,
      onProgress: (done, total) => progress.push(done / total),
    });
    expect(progress).toEqual([3 / 9, 6 / 9, 1]);
    expect(readdirSync(dir).sort()).toEqual(['corpus.json', 'tokens.bin', 'world.json']);
    expect(readFileSync(join(dir, 'tokens.bin')).length).toBe(9 * 100 * 2);
    expect(readdirSync(root)).toEqual(['a']);
    const corpus = await openCorpus(dir);
    expect(corpus.description).toEqual(description);
    expect(corpus.world.spec).toEqual(world.spec);
    const expected = [...documents(world, { docs: 9, length: 100 }, corpusRng(4))];
    expect(description.docTasks).toEqual(expected.map((d) => d.task));
    for (const i of [0, 4, 8]) expect(Array.from(await corpus.document(i))).toEqual(Array.from(expected[i].tokens));
    await expect(corpus.document(9)).rejects.toThrow(/document 9 is not in the corpus/);
    await corpus.close();
  });

  it('refuses a folder that is not empty, and leaves nothing behind when sampling fails', async () => {
    const full = join(root, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'x'), '');
    await expect(writeCorpus(full, world, { docs: 1, length: 5, seed: 1 })).rejects.toThrow(/already exists and is not an empty folder/);
    const dir = join(root, 'broken');
    const failing = writeCorpus(dir, world, {
      docs: 10,
      length: 50,
      seed: 1,
      chunkTokens: 100,
      onProgress: (done) => {
        if (done >= 4) throw new Error('disk full');
      },
    });
    await expect(failing).rejects.toThrow(IclkrError);
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(root).filter((n) => n.includes('tmp'))).toEqual([]);
    await expect(writeCorpus(join(root, 'ok'), world, { docs: 0, length: 5, seed: 1 })).rejects.toThrow(/docs 0 is not an integer >= 1/);
    expect(existsSync(join(root, 'ok'))).toBe(false);
  });

  it('writes into an empty existing folder and records restart', async () => {
    const dir = join(root, 'empty');
    mkdirSync(dir);
    const description = await writeCorpus(dir, world, { docs: 2, length: 8, seed: 2, restart: true });
    expect(description.restart).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'corpus.json'), 'utf8')).restart).toBe(true);
  });

  it('reports a missing description or a truncated token file as a DataError', async () => {
    await expect(openCorpus(join(root, 'nowhere'))).rejects.toThrow(/corpus\.json: cannot read the corpus description \(ENOENT\)/);
    const dir = join(root, 'cut');
    await writeCorpus(dir, world, { docs: 3, length: 10, seed: 1 });
    truncateSync(join(dir, 'tokens.bin'), 50);
    await expect(openCorpus(dir)).rejects.toThrow(DataError);
    await expect(openCorpus(dir)).rejects.toThrow(/tokens\.bin: has 50 bytes, expected 60 \(30 uint16 tokens\)/);
  });
});
