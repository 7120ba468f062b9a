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

/** The --model option of commands that run our GPT: a folder written by `iclkr pretrain`, the built-in model by default. */
export const MODEL_OPTION = {
  kind: 'string',
  placeholder: 'DIR',
  description: 'model folder written by `iclkr pretrain` (default: the built-in model)',
} as const;
