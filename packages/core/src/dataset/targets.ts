/** Turning raw target strings into class indices or real numbers. */
import { DataError } from '../errors.js';
import { preview } from './text.js';

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Class labels as indices into `labelNames`. */
export interface ClassTargets {
  labels: Int32Array;
  labelNames: string[];
}

/** Where raw labels come from (for error messages) and how integers map to names. */
export interface ClassTargetOptions {
  /** The raw integer label of `labelNames[0]` (default 0; AG News counts classes from 1). */
  firstLabel?: number;
  /** File named in errors (default `labels`). */
  source?: string;
  /** 1-based line of each value, named in errors. */
  lines?: ArrayLike<number>;
}

/**
 * Maps raw labels to class indices. With `labelNames`, a raw label equal to a name is that class
 * and an integer `firstLabel + i` is class i; anything else is a DataError. Without, the classes
 * are the distinct raw labels, sorted numerically when all are numbers, else as strings.
 */
export function classTargets(values: string[], labelNames?: string[], options: ClassTargetOptions = {}): ClassTargets {
  const { firstLabel = 0, source = 'labels', lines } = options;
  const raw = values.map((v) => v.trim());
  const names = labelNames ?? distinctSorted(raw);
  const byName = new Map(names.map((name, i) => [name, i]));
  const labels = new Int32Array(raw.length);
  raw.forEach((value, i) => {
    if (value === '') {
      throw new DataError(source, lines?.[i], 'the label is empty', 'give every row a label');
    }
    const k = byName.get(value) ?? integerClass(value, firstLabel, names.length);
    if (k === undefined) {
      throw new DataError(
        source,
        lines?.[i],
        `unknown label '${value}' (classes: ${names.join(', ')})`,
        'pass label names that cover every label in the file',
      );
    }
    labels[i] = k;
  });
  return { labels, labelNames: names };
}

function integerClass(value: string, firstLabel: number, count: number): number | undefined {
  if (!/^-?\d+$/.test(value)) return undefined;
  const k = Number(value) - firstLabel;
  return k >= 0 && k < count ? k : undefined;
}

function distinctSorted(values: string[]): string[] {
  const distinct = [...new Set(values)];
  return distinct.every((v) => DECIMAL.test(v)) ? distinct.sort((a, b) => Number(a) - Number(b)) : distinct.sort();
}

/**
 * Whether a target column reads as class labels: some value is not a number, or the values are
 * at most `maxClasses` distinct integers.
 */
export function looksLikeClasses(values: readonly string[], maxClasses = 20): boolean {
  const distinct = [...new Set(values.map((v) => v.trim()))];
  if (!distinct.every((v) => DECIMAL.test(v))) return true;
  return distinct.length <= maxClasses && distinct.every((v) => Number.isInteger(Number(v)));
}

/** Parses regression targets; a value that is not a finite number is a DataError. */
export function realTargets(values: string[], source: string, lines?: ArrayLike<number>): Float64Array {
  return Float64Array.from(values, (v, i) => parseReal(v, source, lines?.[i], 'target'));
}

/** Parses a finite decimal number (no hex, NaN or Infinity); `what` names the cell in errors. */
export function parseReal(cell: string, source: string, line: number | undefined, what: string): number {
  const s = cell.trim();
  const value = DECIMAL.test(s) ? Number(s) : Number.NaN;
  if (Number.isFinite(value)) return value;
  throw new DataError(
    source,
    line,
    s === '' ? `${what} is empty` : `${what} '${preview(s)}' is not a finite number`,
    'fix or remove the row: features and regression targets must be finite numbers',
  );
}
