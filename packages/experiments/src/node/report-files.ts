import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFolderAtomic } from '@iclkr/core/node';

/** Writes `files` (relative name -> text; names may hold folders, e.g. `figures/a.svg`) under `dir`. */
export async function writeFiles(dir: string, files: Readonly<Record<string, string>>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  }
}

/** Writes a report folder atomically: `dir` ends complete or absent. */
export async function writeReportFolder(dir: string, files: Readonly<Record<string, string>>): Promise<void> {
  await writeFolderAtomic(dir, (temporary) => writeFiles(temporary, files));
}
