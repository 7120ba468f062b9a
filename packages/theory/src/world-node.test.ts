import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, IclkrError, Rng } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { randomWorld } from './generators/random.js';
import { compileWorld } from './world.js';
import { worldToJson } from './world-json.js';
import { loadWorld, saveWorld } from './world-node.js';

describe('loadWorld / saveWorld', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iclkr-world-'));

  it('saves atomically and loads the same world', async () => {
    const world = compileWorld(randomWorld({ tasks: 2, states: 5, tokens: 4 }, new Rng(9)));
    const path = join(dir, 'world.json');
    await saveWorld(path, world);
    expect(readdirSync(dir)).toEqual(['world.json']);
    expect(readFileSync(path, 'utf8')).toBe(worldToJson(world));
    expect((await loadWorld(path)).spec).toEqual(world.spec);
  });

  it('names the file in every error', async () => {
    await expect(loadWorld(join(dir, 'missing.json'))).rejects.toThrow(/missing\.json: no such file/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"tokens": 2, "states": 1, "delimiter": 0, "transition": [[1]], "emission": [[0.5, 0.4]], "tasks": []}');
    await expect(loadWorld(bad)).rejects.toThrow(DataError);
    await expect(loadWorld(bad)).rejects.toThrow(/bad\.json: emission\[0\] sums to 0\.9/);
    await expect(saveWorld(join(dir, 'no', 'such', 'w.json'), randomWorld({ tasks: 1, states: 2, tokens: 2 }, new Rng(1)))).rejects.toThrow(
      IclkrError,
    );
  });
});
