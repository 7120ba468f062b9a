/** Numeric feature tables (CSV, TSV, JSONL) for kernel regression. */
import { DataError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import { findColumn, type RawTable, readTable, requireColumn, type TableFormat, tableFormat } from './table.js';
import { parseReal } from './targets.js';
import { decodeText } from './text.js';

/** Features as a matrix, and the target column's raw strings (the caller reads classes or reals). */
export interface NumericTable {
  readonly source: string;
  readonly featureNames: string[];
  readonly features: Matrix;
  readonly targetName: string | undefined;
  readonly target: string[] | undefined;
  /** 1-based line each row starts on, for errors about its target (classTargets, realTargets). */
  readonly lines: number[];
}

/** How to read a numeric table. */
export interface NumericTableOptions {
  /** File name, named in errors and used to guess the format. */
  source: string;
  /** Default: by extension (.csv, .tsv, .jsonl), else sniffed (`{` JSONL, a tab TSV), else CSV. */
  format?: TableFormat;
  /** Target column; default `y` if there is one, else the last column. */
  target?: string;
  /**
   * Default true. When false, a file without the target column (`target`, or `y` when not given)
   * is read as all features with `target` undefined, as for a test file without labels.
   */
  requireTarget?: boolean;
}

/** Parses a numeric table from its bytes or text; every feature must be a finite float32. */
export function parseNumericTable(input: string | Uint8Array, options: NumericTableOptions): NumericTable {
  const { source } = options;
  const text = decodeText(input, source);
  const table = readTable(text, source, options.format ?? tableFormat(source, text) ?? 'csv');
  const targetColumn = findTarget(table, options);
  const columns = table.header.map((_, c) => c).filter((c) => c !== targetColumn);
  if (columns.length === 0) {
    throw new DataError(source, 1, 'the only column is the target', 'add feature columns');
  }
  const data = new Float32Array(table.rows.length * columns.length);
  table.rows.forEach((row, r) => {
    columns.forEach((c, j) => {
      const name = `feature '${table.header[c]}'`;
      const value = parseReal(row[c], source, table.lines[r], name);
      const at = r * columns.length + j;
      data[at] = value;
      if (!Number.isFinite(data[at])) {
        throw new DataError(source, table.lines[r], `${name} ${value} overflows float32`, 'rescale the feature');
      }
    });
  });
  return {
    source,
    featureNames: columns.map((c) => table.header[c]),
    features: { rows: table.rows.length, cols: columns.length, data },
    targetName: targetColumn === undefined ? undefined : table.header[targetColumn],
    target: targetColumn === undefined ? undefined : table.rows.map((row) => row[targetColumn]),
    lines: table.lines,
  };
}

function findTarget(table: RawTable, options: NumericTableOptions): number | undefined {
  const { source, target, requireTarget = true } = options;
  if (requireTarget && target !== undefined) {
    return requireColumn(table, [target], source, 'target', '--target');
  }
  const i = findColumn(table, [target ?? 'y']);
  if (i >= 0) return i;
  return requireTarget ? table.header.length - 1 : undefined;
}
