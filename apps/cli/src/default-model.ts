import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IclkrError } from '@iclkr/core';

/** Where the built-in model lives in the repository. */
export const DEFAULT_MODEL_PATH = 'models/default';

/** The built-in model folder (`models/default` in the repository, found upward from this file). */
export function defaultModelDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, DEFAULT_MODEL_PATH);
    if (existsSync(join(candidate, 'config.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new IclkrError(
        'option',
        `the built-in model (${DEFAULT_MODEL_PATH}) is not found above ${fileURLToPath(import.meta.url)}`,
        'pass --model DIR, or train one with `iclkr pretrain --out DIR`',
      );
    }
    dir = parent;
  }
}

/** The shared data folder: ICLKR_SHARED_DATA, else `../shared/data` beside the repository (found upward from this file). */
export function sharedDataDir(): string {
  if (process.env.ICLKR_SHARED_DATA) return process.env.ICLKR_SHARED_DATA;
  const repository = dirname(dirname(defaultModelDir()));
  const dir = join(repository, '..', 'shared', 'data');
  if (!existsSync(dir))
    throw new IclkrError('option', `the shared data folder ${dir} is not there`, 'pass --data-dir DIR or set ICLKR_SHARED_DATA');
  return dir;
}

/** The --model option of commands that run our GPT: a folder written by `iclkr pretrain`, the built-in model by default. */
export const MODEL_OPTION = {
  kind: 'string',
  role: 'input',
  placeholder: 'DIR',
  description: 'model folder written by `iclkr pretrain` (default: the built-in model)',
} as const;
