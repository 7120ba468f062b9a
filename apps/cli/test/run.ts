import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../src/cli.js';

/** Runs the CLI in-process and captures its output. */
export async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    argv,
    { write: (t: string) => (stdout += t) },
    { write: (t: string) => (stderr += t) },
  );
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
export const sharedData =
  process.env.ICLKR_SHARED_DATA ?? resolve(fileURLToPath(import.meta.url), '../../../../../shared/data');
