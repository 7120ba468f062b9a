import { IclkrError } from '@iclkr/core';
import { writeFileAtomic } from '@iclkr/core/node';

/** Writes an output file atomically, turning file-system failures into one-line errors. */
export async function writeOutput(path: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(path, text);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new IclkrError('output', `cannot write ${path} (${reason})`, 'check that the folder exists and is writable');
  }
}
