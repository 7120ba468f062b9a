/** Worlds on disk (Node only): load validated, save atomically. */
import { readFile } from 'node:fs/promises';
import { DataError, IclkrError } from '@iclkr/core';
import { writeFileAtomic } from '@iclkr/core/node';
import type { World, WorldSpec } from './world.js';
import { parseWorldJson, worldToJson } from './world-json.js';

/** Reads and validates a world JSON file; a missing file or invalid world is a DataError naming the path. */
export async function loadWorld(path: string): Promise<World> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new DataError(path, undefined, `cannot read the world file (${reason})`, 'check the path, or make a world with `iclkr generate --save-world FILE`');
  }
  return parseWorldJson(text, path);
}

/** Writes a world (or spec) as JSON atomically: the file is complete or untouched. */
export async function saveWorld(path: string, world: World | WorldSpec): Promise<void> {
  try {
    await writeFileAtomic(path, worldToJson(world));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new IclkrError('output', `cannot write ${path} (${reason})`, 'check that the folder exists and is writable');
  }
}
