import { parseArgs } from 'node:util';
import { OptionError } from '@iclkr/core';

/** One command-line option: its type, help text and (for strings) the placeholder shown. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly description: string;
  readonly placeholder?: string;
  readonly default?: string;
}

/** Options every command accepts. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  backend: {
    type: 'string',
    placeholder: 'auto|tensorflow|wasm|cpu',
    description: 'tensor backend (default: ICLKR_BACKEND or auto: tensorflow, then wasm, then cpu)',
  },
  help: { type: 'boolean', description: 'show this help' },
};

/** Parsed option values: strings, booleans, or undefined when absent. */
export type OptionValues = Record<string, string | boolean | undefined>;

/** Parses `argv` against the command's options; unknown options and stray arguments are one-line errors. */
export function parseOptions(command: string, argv: string[], options: Record<string, OptionSpec>): OptionValues {
  const all = { ...options, ...GLOBAL_OPTIONS };
  // `--bandwidth -1` is a value, not an option: join negative numbers to their option so the
  // value reaches validation (and its precise error) instead of a parser complaint.
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : '';
    if (all[name]?.type === 'string' && /^-[\d.]/.test(argv[i + 1] ?? '')) joined.push(`${argv[i]}=${argv[++i]}`);
    else joined.push(argv[i]);
  }
  try {
    const { values } = parseArgs({
      args: joined,
      options: Object.fromEntries(Object.entries(all).map(([name, o]) => [name, { type: o.type }])),
      strict: true,
      allowPositionals: false,
    });
    return values as OptionValues;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /Unknown option '([^']+)'/.exec(message);
    const missing = /Option '(--[\w-]+)(?: <value>)?' argument (?:missing|is ambiguous)/.exec(message);
    const positional = /Unexpected argument '([^']+)'/.exec(message);
    const help = `run 'iclkr ${command} --help' to see the options`;
    if (unknown) throw new OptionError(`unknown option ${unknown[1]}`, help);
    if (missing) throw new OptionError(`option ${missing[1]} needs a value`, help);
    if (positional) throw new OptionError(`unexpected argument '${positional[1]}'`, help);
    throw new OptionError(message.split('\n')[0], help);
  }
}

/** A required string option, or a one-line error naming it. */
export function requireString(values: OptionValues, name: string, command: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') {
    throw new OptionError(`missing --${name}`, `run 'iclkr ${command} --help' to see the options`);
  }
  return v;
}

/** A numeric option (undefined when absent), checked against an optional predicate. */
export function numberOption(
  values: OptionValues,
  name: string,
  check: (n: number) => boolean = Number.isFinite,
  expected = 'a number',
): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !check(n)) {
    throw new OptionError(`--${name} ${String(v)} is not ${expected}`, `pass --${name} as ${expected}`);
  }
  return n;
}

/** A comma-separated list of integers >= `min`, deduplicated and sorted (undefined when absent). */
export function intListOption(values: OptionValues, name: string, min: number): number[] | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const parts = String(v).split(',').map((p) => p.trim());
  if (parts.some((p) => !/^\d+$/.test(p) || !Number.isSafeInteger(Number(p)) || Number(p) < min)) {
    throw new OptionError(`--${name} ${String(v)} is not a comma-separated list of integers >= ${min}`, `pass e.g. --${name} ${min},${min + 1},${min + 2}`);
  }
  return [...new Set(parts.map(Number))].sort((a, b) => a - b);
}

/** A string option restricted to `choices` (undefined when absent). */
export function choiceOption<T extends string>(values: OptionValues, name: string, choices: readonly T[]): T | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    throw new OptionError(`--${name} ${String(v)} is not one of ${choices.join(', ')}`, `pass one of ${choices.join('|')}`);
  }
  return v as T;
}

/** The help text of a command: usage line, summary and one line per option. */
export function helpText(command: string, summary: string, options: Record<string, OptionSpec>): string {
  const all = { ...options, ...GLOBAL_OPTIONS };
  const rows = Object.entries(all).map(([name, o]) => {
    const left = `  --${name}${o.type === 'string' ? ` ${o.placeholder ?? 'VALUE'}` : ''}`;
    const def = o.default !== undefined ? ` (default: ${o.default})` : '';
    return `${left.padEnd(34)} ${o.description}${def}`;
  });
  return `Usage: iclkr ${command} [options]\n\n${summary}\n\nOptions:\n${rows.join('\n')}\n`;
}
