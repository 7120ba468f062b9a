/** Class names of the known data sets, and of `classes.txt` files. */
import { DataError } from '../errors.js';
import { dataLines } from './text.js';

/** Class names; raw label `firstLabel + i` (or the name itself) is class i. */
export interface LabelScheme {
  labelNames: string[];
  /** Raw integer label of the first class (default 0). */
  firstLabel?: number;
}

const SENTIMENT = ['negative', 'positive'];

// Keyed by the folder names of ../shared/data; `files` recognises the files outside those folders.
const KNOWN: Record<string, LabelScheme & { files?: RegExp }> = {
  sst2: { labelNames: SENTIMENT, files: /^(glue-dev\.tsv|stsa\.binary\.)/ },
  mr: { labelNames: SENTIMENT, files: /^rt-polarity\./ },
  cr: { labelNames: SENTIMENT, files: /^custrev\./ },
  mpqa: { labelNames: SENTIMENT, files: /^mpqa\./ },
  subj: { labelNames: ['subjective', 'objective'], files: /^subj\./ },
  trec: { labelNames: ['ABBR', 'DESC', 'ENTY', 'HUM', 'LOC', 'NUM'] },
  agnews: { labelNames: ['World', 'Sports', 'Business', 'Sci/Tech'], firstLabel: 1 },
};

/**
 * The data set a file holds: a known file name (glue-dev.tsv, rt-polarity.all, ...), else a known
 * folder (trec/train.txt -> trec), else the file's name without its extension.
 */
export function datasetName(source: string): string {
  const parts = source.split(/[\\/]/);
  const file = parts[parts.length - 1];
  const folder = parts[parts.length - 2];
  const byFile = Object.keys(KNOWN).find((name) => KNOWN[name].files?.test(file));
  if (byFile !== undefined) return byFile;
  if (folder !== undefined && Object.hasOwn(KNOWN, folder)) return folder;
  return file.replace(/\.[^.]*$/, '');
}

/** The class names of a known data set; any TREC-format file gets TREC's coarse classes. */
export function knownLabelScheme(name: string, trecFormat: boolean): LabelScheme | undefined {
  if (Object.hasOwn(KNOWN, name)) return KNOWN[name];
  return trecFormat ? KNOWN.trec : undefined;
}

/**
 * Reads a `classes.txt`: one name per line, the first for raw label 1 (AG News's original
 * release), or numbered entries `1-World, 2-Sports, ...` on one line or one per line.
 */
export function parseClassNames(text: string, source: string): LabelScheme {
  const lines = dataLines(text, source);
  const entries = lines.length === 1 ? lines[0].split(',') : lines;
  const lineOf = (i: number) => (lines.length === 1 ? 1 : i + 1);
  const numbered = entries.map((entry) => /^\s*(\d+)\s*-\s*(.*?)\s*$/.exec(entry));
  const names = entries.map((entry, i) => numbered[i]?.[2] ?? entry.trim());
  names.forEach((name, i) => {
    if (name === '') {
      throw new DataError(source, lineOf(i), `class ${i + 1} has no name`, 'write one class name per entry');
    }
  });
  if (!numbered.every((m): m is RegExpExecArray => m !== null)) {
    return { labelNames: names, firstLabel: 1 };
  }
  const firstLabel = Number(numbered[0][1]);
  numbered.forEach((m, i) => {
    if (Number(m[1]) !== firstLabel + i) {
      throw new DataError(
        source,
        lineOf(i),
        `class number ${m[1]} should be ${firstLabel + i}`,
        'number the classes consecutively, in order',
      );
    }
  });
  return { labelNames: names, firstLabel };
}
