/** Worlds on disk (Node only): load validated, save atomically. */
import { IclkrError } from '@iclkr/core';
import { readInputFile, writeFileAtomic } from '@iclkr/core/node';
import type { World, WorldSpec } from './world.js';
import { parseWorldJson, worldToJson } from './world-json.js';

/** Reads and validates a world JSON file; a missing file or invalid world is a DataError naming the path. */
export async function loadWorld(path: string): Promise<World> {
  return parseWorldJson(new TextDecoder().decode(await readInputFile(path)), path);
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
