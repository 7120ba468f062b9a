/** Header-and-rows files (CSV, TSV, JSONL) read into string cells, before any typing. */
import { CsvError, parse } from 'csv-parse/sync';
import { DataError } from '../errors.js';
import { dataLines, preview, withoutTrailingBlankLines } from './text.js';

/** Formats with named columns. */
export type TableFormat = 'csv' | 'tsv' | 'jsonl';

/** A file as named columns of string cells; `lines[i]` is the 1-based line row i starts on. */
export interface RawTable {
  readonly header: string[];
  readonly rows: string[][];
  readonly lines: number[];
}

/**
 * The table format a file's extension names (.csv, .tsv, .jsonl, .ndjson), else the one its
 * first line shows (`{` for JSONL, a tab for TSV), else undefined.
 */
export function tableFormat(source: string, text: string): TableFormat | undefined {
  const ext = /\.([a-z]+)$/i.exec(source)?.[1].toLowerCase();
  if (ext === 'csv' || ext === 'tsv') return ext;
  if (ext === 'jsonl' || ext === 'ndjson') return 'jsonl';
  const first = text.split('\n', 1)[0];
  if (first.trimStart().startsWith('{')) return 'jsonl';
  return first.includes('\t') ? 'tsv' : undefined;
}

/** Reads a table; CSV fields may be quoted, TSV fields never are (GLUE's convention). */
export function readTable(text: string, source: string, format: TableFormat): RawTable {
  return format === 'jsonl' ? readJsonl(text, source) : readDelimited(text, source, format);
}

function readDelimited(text: string, source: string, format: 'csv' | 'tsv'): RawTable {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(withoutTrailingBlankLines(text, source), {
      delimiter: format === 'csv' ? ',' : '\t',
      quote: format === 'csv' ? '"' : false,
      relax_column_count: true,
      info: true,
    }) as unknown as typeof records;
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    const line = typeof e.lines === 'number' ? e.lines : undefined;
    throw new DataError(source, line, e.message, 'close the quote or double any quote inside a field');
  }
  // info.lines is the line a record ends on; a quoted field can span several lines.
  const lines = records.map((_, i) => (i === 0 ? 1 : records[i - 1].info.lines + 1));
  const header = records[0].record.map((name) => name.trim());
  checkHeader(header, source);
  const rows = records.slice(1).map(({ record }, i) => {
    if (record.length !== header.length) {
      throw new DataError(
        source,
        lines[i + 1],
        `row has ${record.length} fields but the header has ${header.length}`,
        `give every row ${header.length} fields`,
      );
    }
    return record;
  });
  if (rows.length === 0) {
    throw new DataError(source, 2, 'the file has a header but no rows', 'add data rows below the header');
  }
  return { header, rows, lines: lines.slice(1) };
}

function checkHeader(header: string[], source: string): void {
  header.forEach((name, i) => {
    if (name === '') {
      throw new DataError(
        source,
        1,
        `column ${i + 1} has no name (a saved row index?)`,
        'name every column in the header, or drop the unnamed one',
      );
    }
    if (header.indexOf(name) !== i) {
      throw new DataError(source, 1, `column '${name}' appears twice`, 'give every column its own name');
    }
  });
}

/** JSONL: one object per line; the first object's fields are the columns. */
function readJsonl(text: string, source: string): RawTable {
  let header: string[] = [];
  const rows = dataLines(text, source).map((line, i) => {
    const object = parseObject(line, source, i + 1);
    if (i === 0) header = Object.keys(object);
    const keys = Object.keys(object);
    if (keys.length !== header.length || header.some((key) => !Object.hasOwn(object, key))) {
      throw new DataError(
        source,
        i + 1,
        `has fields (${keys.join(', ')}) but line 1 has (${header.join(', ')})`,
        'give every object the same fields',
      );
    }
    return header.map((key) => cell(object[key], source, i + 1, key));
  });
  return { header, rows, lines: rows.map((_, i) => i + 1) };
}

function parseObject(line: string, source: string, lineNo: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    throw new DataError(source, lineNo, `invalid JSON (${(e as Error).message})`, 'write one JSON object per line');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DataError(source, lineNo, `'${preview(line)}' is not a JSON object`, 'write one JSON object per line');
  }
  return value as Record<string, unknown>;
}

// Nested values become their JSON text, so a column nobody reads (metadata) does no harm and a
// feature column holding one fails as "not a number".
function cell(value: unknown, source: string, line: number, key: string): string {
  if (value === null) {
    throw new DataError(source, line, `field '${key}' is null`, `give '${key}' a value`);
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Index of the first column named (case-insensitively) one of `names`, or -1. */
export function findColumn(table: RawTable, names: string[]): number {
  const header = table.header.map((h) => h.toLowerCase());
  for (const name of names) {
    const i = header.indexOf(name.toLowerCase());
    if (i >= 0) return i;
  }
  return -1;
}

/** Like findColumn, but a missing column is a DataError listing the columns and the flag. */
export function requireColumn(table: RawTable, names: string[], source: string, role: string, flag: string): number {
  const i = findColumn(table, names);
  if (i < 0) {
    const wanted = names.map((n) => `'${n}'`).join(' or ');
    throw new DataError(
      source,
      1,
      `${role} column ${wanted} not found in the header (columns: ${table.header.join(', ')})`,
      `pass ${flag} with one of them`,
    );
  }
  return i;
}
