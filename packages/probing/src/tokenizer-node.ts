/** Loads a tokenizer folder from disk (Node only). */

import { access, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { DataError } from '@iclkr/core';
import { readInputFile } from '@iclkr/core/node';
import { createTokenizer, type Tokenizer } from './tokenizer.js';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function readText(path: string): Promise<string> {
  return new TextDecoder().decode(await readInputFile(path));
}

/**
 * Reads a tokenizer folder: Hugging Face's `tokenizer.json` (+ `tokenizer_config.json` if
 * present), or else GPT-2's original `vocab.json` + `merges.txt`. Named after the folder.
 */
export async function loadTokenizer(dir: string): Promise<Tokenizer> {
  const isFolder = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isFolder) throw new DataError(dir, undefined, 'is not a folder', 'name the folder that holds tokenizer.json');
  const name = basename(resolve(dir));
  const tokenizerJson = join(dir, 'tokenizer.json');
  if (await exists(tokenizerJson)) {
    const configPath = join(dir, 'tokenizer_config.json');
    const tokenizerConfig = (await exists(configPath)) ? await readText(configPath) : undefined;
    return createTokenizer(name, { dir, tokenizerJson: await readText(tokenizerJson), tokenizerConfig });
  }
  const vocabJson = join(dir, 'vocab.json');
  const mergesTxt = join(dir, 'merges.txt');
  if ((await exists(vocabJson)) && (await exists(mergesTxt))) {
    return createTokenizer(name, { dir, vocabJson: await readText(vocabJson), mergesTxt: await readText(mergesTxt) });
  }
  throw new DataError(
    dir,
    undefined,
    'has neither tokenizer.json nor vocab.json with merges.txt',
    "download the model's tokenizer files into it",
  );
}
