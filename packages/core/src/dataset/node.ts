/** Node-only loaders: read a file with node:fs, then parse it with the browser-safe parsers. */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readInputFile } from '../files.js';
import { type LabelScheme, parseClassNames } from './label-names.js';
import { type NumericTable, type NumericTableOptions, parseNumericTable } from './numeric-table.js';
import { parseTextDataset, type TextDataset, type TextDatasetOptions } from './text-dataset.js';
import { decodeText } from './text.js';

/**
 * Loads a text classification file. Without `labelNames`, a `classes.txt` beside the file
 * names the classes (AG News); otherwise the known data set's names apply.
 */
export async function loadTextDataset(path: string, options: Omit<TextDatasetOptions, 'source'> = {}): Promise<TextDataset> {
  const bytes = await readInputFile(path);
  const classes = options.labelNames ? undefined : await readClassNames(join(dirname(path), 'classes.txt'));
  return parseTextDataset(bytes, { ...options, ...classes, source: path });
}

/** Loads a numeric table (CSV, TSV or JSONL). */
export async function loadNumericTable(path: string, options: Omit<NumericTableOptions, 'source'> = {}): Promise<NumericTable> {
  return parseNumericTable(await readInputFile(path), { ...options, source: path });
}

async function readClassNames(path: string): Promise<LabelScheme | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return parseClassNames(decodeText(bytes, path), path);
}
