/**
 * Our GPT's checkpoint folders (Node only): the files `gptCheckpointToFiles` makes, written
 * atomically, and read back through `gptCheckpointFromFiles`, which checks them.
 */

import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { readInputFile, writeFileAtomic, writeFolderAtomic } from '@iclkr/core/node';
import type { ParamMap } from '../params.js';
import {
  GPT_FILES,
  type GptCheckpoint,
  type GptCheckpointExtras,
  type GptCheckpointFiles,
  gptCheckpointFromFiles,
  gptCheckpointToFiles,
} from './checkpoint.js';
import type { GptConfig } from './config.js';

/**
 * Writes a checkpoint folder at `dir` atomically (into a temporary folder, then renamed), so `dir`
 * is complete or absent; `dir` must be missing or an empty folder.
 */
export async function saveGptCheckpoint(
  dir: string,
  contents: { config: GptConfig; params: ParamMap } & GptCheckpointExtras,
): Promise<void> {
  // Encoding checks every parameter before anything touches the disk.
  const files = gptCheckpointToFiles(contents);
  await writeFolderAtomic(dir, async (temporary) => {
    for (const [name, data] of Object.entries(files)) await writeFileAtomic(join(temporary, name), data);
  });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Loads a checkpoint folder: reads config.json, model.safetensors and whichever optional files
 * are there (world.json; training.json with optimizer.safetensors and log.json) and checks them as
 * `gptCheckpointFromFiles` does; errors name the files by their paths.
 */
export async function loadGptCheckpoint(dir: string): Promise<GptCheckpoint> {
  const path = (file: string) => join(dir, file);
  const files: GptCheckpointFiles = {
    [GPT_FILES.config]: await readInputFile(path(GPT_FILES.config)),
    [GPT_FILES.weights]: await readInputFile(path(GPT_FILES.weights)),
  };
  const optional: (keyof GptCheckpointFiles)[] = [GPT_FILES.world, GPT_FILES.training];
  if (await exists(path(GPT_FILES.training))) optional.push(GPT_FILES.optimizer, GPT_FILES.log);
  for (const file of optional) if (await exists(path(file))) files[file] = await readInputFile(path(file));
  return gptCheckpointFromFiles(files, { fileName: path });
}
