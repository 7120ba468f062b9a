/** Number formatting and plain-text tables: the one format every table, label and legend uses. */

/**
 * A number for people: `digits` significant digits (3 unless a caller needs more), trailing zeros
 * dropped, integers in full (thousands separated from 10,000 on), an exponent only below 0.001;
 * '-' for null, undefined and NaN.
 */
export function formatNumber(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  if (x === Number.POSITIVE_INFINITY) return '∞';
  if (x === Number.NEGATIVE_INFINITY) return '-∞';
  if (x === 0) return '0';
  const size = Math.abs(x);
  if (Number.isInteger(x) || size >= 10 ** digits) return integer(Math.round(x));
  if (size < 1e-3) {
    const [mantissa, exponent] = x.toExponential(digits - 1).split('e');
    const trimmed = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
    return `${trimmed}e${Number(exponent)}`;
  }
  const rounded = Number(x.toPrecision(digits));
  return String(rounded === 0 ? 0 : rounded);
}

/** An integer in full, with commas between thousands from 10,000 on (an exponent past 1e21). */
function integer(x: number): string {
  if (Math.abs(x) >= 1e21) return x.toExponential(2).replace('+', '');
  const digits = String(Math.abs(x));
  const grouped = Math.abs(x) >= 10_000 ? digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',') : digits;
  return x < 0 ? `-${grouped}` : grouped;
}

/** `value [low, high]`: a number with its 95% interval. */
export function formatInterval(value: number | null | undefined, interval: readonly [number, number] | null | undefined): string {
  if (interval === null || interval === undefined) return formatNumber(value);
  return `${formatNumber(value)} [${formatNumber(interval[0])}, ${formatNumber(interval[1])}]`;
}

/** A table of a report, the same on the console and in the HTML page. */
export interface Table {
  readonly title: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** What the columns are computed over (all prompts or the held-out ones) and what a reader must know; null when nothing. */
  readonly note: string | null;
  /** How many leading columns name a row (default 1): repeated in each block when a wide table is split on the console. */
  readonly key?: number;
}

/** True for a cell that reads as a number (or a number with its interval): right-aligned. */
export function isNumericCell(cell: string): boolean {
  return /^(-|[-+]?(\d[\d,]*(\.\d*)?|\.\d+)(e[-+]?\d+)?%?( \[.*\])?|[-+]?∞)$/.test(cell);
}

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line.length > 0 ? `${line} ${word}` : word;
    }
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

/**
 * A table as console text: the title, aligned columns (numbers to the right), split into blocks of
 * at most `width` characters (120) (the key columns repeated), then its note wrapped.
 */
export function textTable(table: Table, options: { readonly width?: number } = {}): string {
  const width = options.width ?? 120;
  const columns = table.header.length;
  const cell = (row: readonly string[], c: number) => row[c] ?? '';
  const widths = table.header.map((h, c) => Math.max(h.length, ...table.rows.map((r) => cell(r, c).length)));
  const numeric = table.header.map((_, c) => table.rows.length > 0 && table.rows.every((r) => isNumericCell(cell(r, c))));
  const key = Math.min(columns, Math.max(0, table.key ?? 1));
  const keyWidth = widths.slice(0, key).reduce((a, w) => a + w + 2, 0);
  const blocks: number[][] = [];
  let block: number[] = [];
  let used = keyWidth;
  for (let c = key; c < columns; c++) {
    if (block.length > 0 && used + widths[c] > width) {
      blocks.push(block);
      block = [];
      used = keyWidth;
    }
    block.push(c);
    used += widths[c] + 2;
  }
  if (block.length > 0 || blocks.length === 0) blocks.push(block);
  const keys = Array.from({ length: key }, (_, c) => c);
  const line = (row: readonly string[], shown: readonly number[]) =>
    shown
      .map((c) => (numeric[c] ? cell(row, c).padStart(widths[c]) : cell(row, c).padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  const out = table.title === '' ? [] : [table.title];
  blocks.forEach((b, i) => {
    const shown = [...keys, ...b];
    if (i > 0) out.push('');
    out.push(line(table.header, shown), shown.map((c) => '-'.repeat(widths[c])).join('  '), ...table.rows.map((r) => line(r, shown)));
  });
  if (table.note) out.push(...wrapText(table.note, Math.min(width, 100)));
  return `${out.join('\n')}\n`;
}
