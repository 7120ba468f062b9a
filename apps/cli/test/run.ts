import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@iclkr/core';
import { initGptParams } from '@iclkr/probing';
import { saveGptCheckpoint } from '@iclkr/probing/node';
import { expect } from 'vitest';
import { runCli } from '../src/cli.js';

/** Runs the CLI in-process and captures its output. */
export async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { write: (t: string) => (stdout += t) }, { write: (t: string) => (stderr += t) });
  return { code, stdout, stderr };
}

/** The last stderr line (the error line) of a run. */
export const lastLine = (s: string) => s.trim().split('\n').pop() ?? '';

/** A fresh temporary folder for a test's files. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'iclkr-cli-'));
}

/** Writes `content` to `name` inside `dir` and returns the path. */
export function file(dir: string, name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** The shared real data sets (see ../shared/data/README.md). */
export const sharedData = process.env.ICLKR_SHARED_DATA ?? resolve(fileURLToPath(import.meta.url), '../../../../../shared/data');

/**
 * Asserts the CLI's contract for bad input: exit 1, exactly one `iclkr: error:` line matching
 * `pattern`, nothing on stdout, and `out` (when given) not written.
 */
export function expectCleanFailure(r: { code: number; stdout: string; stderr: string }, pattern: RegExp, out?: string): void {
  expect(r.code).toBe(1);
  expect(lastLine(r.stderr)).toMatch(/^iclkr: error: /);
  expect(lastLine(r.stderr)).toMatch(pattern);
  expect(
    r.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('iclkr: error')).length,
  ).toBe(1);
  expect(r.stdout).toBe('');
  if (out !== undefined) expect(existsSync(out)).toBe(false);
}

/** SST-2's GLUE dev split (queries) and the train split of the binary SST-2 (the demonstration pool). */
export const SST2_DEV = join(sharedData, 'sst2/glue-dev.tsv');
export const SST2_TRAIN = join(sharedData, 'sst2/stsa.binary.train');

/** The arguments of a text probe of `model` with the GPT-2 tokenizer on SST-2: n demonstrations, `prompts` prompts. */
export function sst2ProbeArgs(model: string, shots: number, prompts: number): string[] {
  return [
    '--model',
    model,
    '--tokenizer',
    GPT2_TOKENIZER,
    '--data',
    SST2_DEV,
    '--demos',
    SST2_TRAIN,
    '--shots',
    String(shots),
    '--prompts',
    String(prompts),
  ];
}

/** The GPT-2 tokenizer folder of the shared data. */
export const GPT2_TOKENIZER = join(sharedData, 'tokenizers/gpt2');

/** Saves a random one-block GPT over GPT-2's vocabulary in `dir`/text-model: text prompts need a model the GPT-2 tokenizer's ids fit. */
export async function randomTextModel(dir: string): Promise<string> {
  const path = join(dir, 'text-model');
  const config = {
    vocabSize: 50257,
    nCtx: 512,
    nLayers: 1,
    nHeads: 2,
    dModel: 8,
    dMlp: 16,
    positions: 'alibi' as const,
    tiedEmbeddings: true,
  };
  await saveGptCheckpoint(path, { config, params: initGptParams(config, new Rng(0)) });
  return path;
}
