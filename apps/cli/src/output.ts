import { IclkrError } from '@iclkr/core';
import { writeFileAtomic } from '@iclkr/core/node';

/** Writes a report file atomically, turning file-system failures into one-line errors. */
export async function writeOutput(path: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(path, text);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new IclkrError('output', `cannot write ${path} (${reason})`, 'check that the folder exists and is writable');
  }
}

/** Formats a number for tables: 4 significant digits, no exponent for ordinary sizes. */
export function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e6)) return x.toExponential(3);
  return Number(x.toPrecision(4)).toString();
}

/** Renders rows as a left-aligned text table with a header line. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((v, c) => v.padEnd(widths[c])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}
