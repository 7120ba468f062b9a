/** Text classification data sets: parsing in memory, so that it also runs in a browser. */
import { DataError, OptionError } from '../errors.js';
import { datasetName, knownLabelScheme, type LabelScheme } from './label-names.js';
import { type RawTable, readTable, requireColumn, tableFormat } from './table.js';
import { classTargets } from './targets.js';
import { dataLines, decodeText, preview, type TextEncoding } from './text.js';

/** File formats of text classification data. */
export const TEXT_FORMATS = ['glue-tsv', 'label-text', 'trec', 'csv', 'jsonl'] as const;
/**
 * `glue-tsv`: TSV with a header (`sentence<TAB>label`); `label-text`: `<integer label> <text>` per
 * line; `trec`: `COARSE:fine question` per line; `csv`: quoted CSV with a header; `jsonl`: one
 * object per line.
 */
export type TextFormat = (typeof TEXT_FORMATS)[number];

/** Texts with class labels; `labels[i]` indexes `labelNames`. */
export interface TextDataset {
  readonly kind: 'text';
  readonly name: string;
  readonly source: string;
  readonly texts: string[];
  readonly labels: Int32Array;
  readonly labelNames: string[];
  /** TREC only: each row's fine class as `COARSE:fine` (fine names repeat across coarse ones). */
  readonly fineLabels?: string[];
  /** The file lines (from 1) of rows with a label but no text (CR has 4, MPQA 3): kept as rows, refused where texts are scored. */
  readonly emptyTextLines?: number[];
}

/** How to read a text classification file. */
export interface TextDatasetOptions {
  /** File name, named in errors and used to guess the format and the data set. */
  source: string;
  /** Default: by extension (.tsv, .csv, .jsonl), else sniffed from the first line. */
  format?: TextFormat;
  /** For bytes; default: UTF-8 if the bytes are valid UTF-8, else windows-1252. */
  encoding?: TextEncoding;
  /** Data set name; default guessed from the file name and folder (sst2, mr, trec, agnews, ...). */
  name?: string;
  /** Class names; default: the known data set's, else the sorted distinct raw labels. */
  labelNames?: string[];
  /** The raw integer label of `labelNames[0]` (default 0). */
  firstLabel?: number;
  /** Table formats: the label column (default `label`, `class index` or `class`). */
  labelColumn?: string;
  /** Table formats: the text columns (default `sentence` or `text`, else every other column). */
  textColumns?: string[];
}

interface RawRows {
  texts: string[];
  labels: string[];
  lines: number[];
  fineLabels?: string[];
}

/** Parses a text classification file from its bytes or its decoded text. */
export function parseTextDataset(input: string | Uint8Array, options: TextDatasetOptions): TextDataset {
  const { source } = options;
  const text = decodeText(input, source, options.encoding);
  const format = options.format ?? detectFormat(source, text);
  const rows = readRows(text, format, options);
  const name = options.name ?? datasetName(source);
  const scheme: LabelScheme | undefined = options.labelNames
    ? { labelNames: options.labelNames, firstLabel: options.firstLabel }
    : knownLabelScheme(name, format === 'trec');
  const { labels, labelNames } = classTargets(rows.labels, scheme?.labelNames, {
    firstLabel: scheme?.firstLabel,
    source,
    lines: rows.lines,
  });
  const empty = rows.lines.filter((_, i) => rows.texts[i] === '');
  const dataset: TextDataset = {
    kind: 'text',
    name,
    source,
    texts: rows.texts,
    labels,
    labelNames,
    ...(empty.length > 0 ? { emptyTextLines: empty } : {}),
  };
  return rows.fineLabels ? { ...dataset, fineLabels: rows.fineLabels } : dataset;
}

const TREC_LINE = /^([A-Za-z]+):(\S+)(?:[ \t](.*))?$/;
const LABEL_TEXT_LINE = /^(-?\d+)(?:[ \t](.*))?$/;

function detectFormat(source: string, text: string): TextFormat {
  const table = tableFormat(source, text);
  // `1 some text<TAB>more`: a `<label> <text>` line whose text holds a tab, not a TSV header.
  if (table === 'tsv' && !/\.tsv$/i.test(source) && /^-?\d+ /.test(text.split('\n', 1)[0])) return 'label-text';
  if (table !== undefined) return table === 'tsv' ? 'glue-tsv' : table;
  return TREC_LINE.test(text.split('\n', 1)[0]) ? 'trec' : 'label-text';
}

function readRows(text: string, format: TextFormat, options: TextDatasetOptions): RawRows {
  const { source } = options;
  switch (format) {
    case 'label-text': {
      const m = matchLines(text, source, LABEL_TEXT_LINE, "'<integer label> <text>'");
      return {
        texts: m.map((x) => (x[2] ?? '').trim()),
        labels: m.map((x) => x[1]),
        lines: lineNumbers(m),
      };
    }
    case 'trec': {
      const m = matchLines(text, source, TREC_LINE, "'COARSE:fine question'");
      return {
        texts: m.map((x) => (x[3] ?? '').trim()),
        labels: m.map((x) => x[1]),
        fineLabels: m.map((x) => `${x[1]}:${x[2]}`),
        lines: lineNumbers(m),
      };
    }
    case 'glue-tsv':
      return tableRows(readTable(text, source, 'tsv'), options);
    case 'csv':
    case 'jsonl':
      return tableRows(readTable(text, source, format), options);
    default:
      throw new OptionError(`unknown text format '${format}'`, `use one of ${TEXT_FORMATS.join(', ')}`);
  }
}

function matchLines(text: string, source: string, pattern: RegExp, expected: string): RegExpExecArray[] {
  return dataLines(text, source).map((line, i) => {
    const m = pattern.exec(line);
    if (m === null) {
      throw new DataError(source, i + 1, `expected ${expected}, got '${preview(line)}'`, `fix or remove line ${i + 1}`);
    }
    return m;
  });
}

function lineNumbers(rows: unknown[]): number[] {
  return rows.map((_, i) => i + 1);
}

function tableRows(table: RawTable, options: TextDatasetOptions): RawRows {
  const { source } = options;
  const labelColumns = options.labelColumn ? [options.labelColumn] : ['label', 'class index', 'class'];
  const label = requireColumn(table, labelColumns, source, 'label', '--label-column');
  const textColumns = options.textColumns
    ? options.textColumns.map((c) => requireColumn(table, [c], source, 'text', '--text-column'))
    : defaultTextColumns(table, label, source);
  return {
    texts: table.rows.map((row) => joinFields(textColumns.map((c) => row[c].trim()))),
    labels: table.rows.map((row) => row[label]),
    lines: table.lines,
  };
}

function defaultTextColumns(table: RawTable, label: number, source: string): number[] {
  const named = table.header.findIndex((h) => /^(sentence|text)$/i.test(h));
  if (named >= 0) return [named];
  const others = table.header.map((_, i) => i).filter((i) => i !== label);
  if (others.length === 0) {
    throw new DataError(source, 1, 'the file has a label column but no text column', 'add a text column');
  }
  return others;
}

/**
 * Joins several text fields (AG News's title and description) as sentences: `Title. Description`,
 * adding no period after a field that already ends in `.`, `!` or `?`; empty fields are left out.
 */
function joinFields(fields: string[]): string {
  const parts = fields.filter((f) => f !== '');
  return parts.map((f, i) => (i < parts.length - 1 && !/[.!?]$/.test(f) ? `${f}.` : f)).join(' ');
}
