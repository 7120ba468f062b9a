import { parseArgs } from 'node:util';
import { OptionError } from '@iclkr/core';
import { OUTPUTS_RULE } from './paths.js';

/** What every option declaration has: its help text and the placeholder shown for its value. */
interface OptionBase {
  readonly description: string;
  readonly placeholder?: string;
}

/**
 * One command-line option, declared once: the parser checks and converts its value, applies its
 * default, and `--help` prints both, so commands read typed values and never repeat a default.
 */
export type OptionSpec =
  | (OptionBase & {
      readonly kind: 'string';
      readonly default?: string;
      readonly required?: true;
      /** A path the command reads or writes: checked once for every command before it runs (paths.ts). */
      readonly role?: PathRole;
      /** For an output folder: the flag with which it is the command's own folder, read and rewritten in place (pretrain --resume). */
      readonly inPlaceWith?: string;
    })
  | (OptionBase & { readonly kind: 'boolean' })
  /** An integer >= min (and <= max when given). */
  | (OptionBase & { readonly kind: 'int'; readonly min?: number; readonly max?: number; readonly default?: number })
  /** A finite number; `positive` (> 0) or `fraction` (strictly between 0 and 1) when asked. */
  | (OptionBase & {
      readonly kind: 'number';
      readonly check?: 'positive' | 'fraction';
      readonly expected?: string;
      readonly default?: number;
    })
  | (OptionBase & { readonly kind: 'choice'; readonly choices: readonly string[]; readonly default?: string })
  /** A comma-separated list of integers >= min (and <= max when given), deduplicated and sorted. */
  | (OptionBase & { readonly kind: 'ints'; readonly min: number; readonly max?: number; readonly default?: readonly number[] })
  /** Seeds: `S1,S2,...` or a range `LOW-HIGH`, at most MAX_SEEDS of them. */
  | (OptionBase & { readonly kind: 'seeds' });

/**
 * What a path option is: an input, or an output file (replaced atomically) or folder (absent or
 * empty, written atomically). No output may resolve to an input.
 */
export type PathRole = 'input' | 'output-file' | 'output-folder';

/** A command's option declarations by name. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type HasDefault<S> = S extends { readonly default: unknown } ? true : S extends { readonly required: true } ? true : false;
type Maybe<S, T> = HasDefault<S> extends true ? T : T | undefined;

/** The parsed value of one option: its declared type, `undefined` only when it has no default. */
export type OptionValue<S extends OptionSpec> = S extends { readonly kind: 'boolean' }
  ? boolean
  : S extends { readonly kind: 'int' | 'number' }
    ? Maybe<S, number>
    : S extends { readonly kind: 'ints' | 'seeds' }
      ? Maybe<S, number[]>
      : S extends { readonly kind: 'choice'; readonly choices: readonly (infer C)[] }
        ? Maybe<S, C>
        : Maybe<S, string>;

/** Options every command accepts. */
export const GLOBAL_OPTIONS = {
  backend: {
    kind: 'string',
    placeholder: 'auto|tensorflow|wasm|cpu',
    description: 'tensor backend (default: ICLKR_BACKEND or auto: tensorflow, then wasm, then cpu)',
  },
  help: { kind: 'boolean', description: 'show this help' },
} as const satisfies OptionSpecs;

/** Parsed option values, typed from the declarations, plus the global ones. */
export type OptionValues<O extends OptionSpecs> = { -readonly [K in keyof O]: OptionValue<O[K]> } & {
  readonly [K in keyof typeof GLOBAL_OPTIONS]: OptionValue<(typeof GLOBAL_OPTIONS)[K]>;
} & {
  /** The names of the options the user gave (defaults applied to the rest). */
  readonly given: ReadonlySet<string>;
};

/** The phrase an int or number option's error uses for what it expects. */
function expected(spec: OptionSpec): string {
  if (spec.kind === 'int' || spec.kind === 'ints') {
    const integers = spec.kind === 'int' ? 'an integer' : 'a comma-separated list of integers';
    if (spec.min !== undefined && spec.max !== undefined) return `${integers} in [${spec.min}, ${spec.max}]`;
    if (spec.max !== undefined) return `${integers} <= ${spec.max}`;
    return spec.min !== undefined ? `${integers} >= ${spec.min}` : integers;
  }
  if (spec.kind === 'number') {
    return (
      spec.expected ??
      (spec.check === 'positive' ? 'a positive number' : spec.check === 'fraction' ? 'a fraction between 0 and 1' : 'a number')
    );
  }
  return 'a value';
}

/** Checks and converts one given value against its declaration. */
function convert(name: string, spec: OptionSpec, raw: string): unknown {
  if (spec.kind === 'string') return raw;
  if (spec.kind === 'choice') {
    if (!spec.choices.includes(raw))
      throw new OptionError(`--${name} ${raw} is not one of ${spec.choices.join(', ')}`, `pass one of ${spec.choices.join('|')}`);
    return raw;
  }
  if (spec.kind === 'seeds') return seedList(name, raw);
  if (spec.kind === 'ints') {
    const parts = raw.split(',').map((p) => p.trim());
    const outside = (n: number) => n < spec.min || (spec.max !== undefined && n > spec.max);
    if (parts.some((p) => !/^\d+$/.test(p) || !Number.isSafeInteger(Number(p)) || outside(Number(p)))) {
      throw new OptionError(`--${name} ${raw} is not ${expected(spec)}`, `pass e.g. --${name} ${spec.min},${spec.min + 1},${spec.min + 2}`);
    }
    return [...new Set(parts.map(Number))].sort((a, b) => a - b);
  }
  const n = Number(raw);
  const ok =
    raw.trim() !== '' &&
    Number.isFinite(n) &&
    (spec.kind === 'int'
      ? Number.isSafeInteger(n) && (spec.min === undefined || n >= spec.min) && (spec.max === undefined || n <= spec.max)
      : spec.kind === 'number' && (spec.check === 'positive' ? n > 0 : spec.check === 'fraction' ? n > 0 && n < 1 : true));
  if (!ok) throw new OptionError(`--${name} ${raw} is not ${expected(spec)}`, `pass --${name} as ${expected(spec)}`);
  return n;
}

/** The most seeds one run takes. */
export const MAX_SEEDS = 100;

/** A seeds value: `S1,S2,...` or `LOW-HIGH`, each seed an integer in [0, MAX_SEED], in the order given. */
function seedList(name: string, raw: string): number[] {
  const fix = `pass e.g. --${name} 0,1,2 or --${name} 0-4`;
  const seed = (text: string) => (/^\d+$/.test(text) && Number(text) <= MAX_SEED ? Number(text) : undefined);
  const range = /^(\d+)-(\d+)$/.exec(raw.trim());
  let seeds: (number | undefined)[];
  if (range !== null) {
    const [low, high] = [seed(range[1]), seed(range[2])];
    if (low === undefined || high === undefined || low > high)
      throw new OptionError(`--${name} ${raw} is not a range LOW-HIGH with LOW <= HIGH <= ${MAX_SEED}`, fix);
    if (high - low + 1 > MAX_SEEDS) throw new OptionError(`--${name} ${raw} names ${high - low + 1} seeds, more than ${MAX_SEEDS}`, fix);
    seeds = Array.from({ length: high - low + 1 }, (_, i) => low + i);
  } else {
    seeds = raw.split(',').map((p) => seed(p.trim()));
  }
  if (seeds.some((s) => s === undefined))
    throw new OptionError(`--${name} ${raw} is not a list of seeds (integers in [0, ${MAX_SEED}])`, fix);
  const unique = [...new Set(seeds as number[])];
  if (unique.length > MAX_SEEDS) throw new OptionError(`--${name} names ${unique.length} seeds, more than ${MAX_SEEDS}`, fix);
  return unique;
}

/** The value an absent option takes: its default, false for a flag, else undefined. */
function absent(spec: OptionSpec): unknown {
  if (spec.kind === 'boolean') return false;
  if (spec.kind === 'seeds') return undefined;
  return spec.kind === 'ints' && spec.default !== undefined ? [...spec.default] : spec.default;
}

/**
 * Parses `argv` against the command's declarations: unknown options, stray arguments and bad
 * values are one-line errors; declared defaults are applied; values come back typed.
 */
export function parseOptions<O extends OptionSpecs>(command: string, argv: string[], options: O, positional?: string): OptionValues<O> {
  const all: OptionSpecs = { ...options, ...GLOBAL_OPTIONS };
  // `--bandwidth -1` is a value, not an option: join negative numbers to their option so the
  // value reaches validation (and its precise error) instead of a parser complaint.
  const help = `run 'iclkr ${command} --help' to see the options`;
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : '';
    if (all[name] !== undefined && all[name].kind !== 'boolean' && /^-[\d.]/.test(argv[i + 1] ?? ''))
      joined.push(`${argv[i]}=${argv[++i]}`);
    else joined.push(argv[i]);
  }
  let raw: Record<string, string | boolean | undefined>;
  try {
    const parsed = parseArgs({
      args: joined,
      options: Object.fromEntries(
        Object.entries(all).map(([name, o]) => [name, { type: o.kind === 'boolean' ? ('boolean' as const) : ('string' as const) }]),
      ),
      strict: true,
      allowPositionals: positional !== undefined,
    });
    raw = { ...parsed.values };
    const [first, second] = parsed.positionals;
    if (second !== undefined) throw new OptionError(`unexpected argument '${second}'`, help);
    if (first !== undefined) {
      if (raw[positional!] !== undefined)
        throw new OptionError(`--${positional} given twice ('${first}' and '${raw[positional!]}')`, `pass one ${positional}`);
      raw[positional!] = first;
    }
  } catch (error) {
    if (error instanceof OptionError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /Unknown option '([^']+)'/.exec(message);
    const missing = /Option '(--[\w-]+)(?: <value>)?' argument (?:missing|is ambiguous)/.exec(message);
    const positional = /Unexpected argument '([^']+)'/.exec(message);
    if (unknown) throw new OptionError(`unknown option ${unknown[1]}`, help);
    if (missing) throw new OptionError(`option ${missing[1]} needs a value`, help);
    if (positional) throw new OptionError(`unexpected argument '${positional[1]}'`, help);
    throw new OptionError(message.split('\n')[0], help);
  }
  const given = new Set(Object.keys(raw).filter((name) => raw[name] !== undefined));
  const values: Record<string, unknown> = { given };
  if (raw.help === true) return { ...values, help: true } as unknown as OptionValues<O>;
  for (const [name, spec] of Object.entries(all)) {
    const v = raw[name];
    values[name] = v === undefined ? absent(spec) : typeof v === 'boolean' ? v : convert(name, spec, v);
    if (spec.kind === 'string' && spec.required && (values[name] === undefined || values[name] === ''))
      throw new OptionError(`missing --${name}`, help);
  }
  return values as OptionValues<O>;
}

/** The help text of a command: usage line, summary and one line per option with its default. */
export function helpText(command: string, summary: string, options: OptionSpecs, positional?: string): string {
  const all: OptionSpecs = { ...options, ...GLOBAL_OPTIONS };
  const rows = Object.entries(all).map(([name, o]) => {
    const placeholder = o.placeholder ?? (o.kind === 'choice' ? o.choices.join('|') : 'VALUE');
    const left = `  --${name}${o.kind === 'boolean' ? '' : ` ${placeholder}`}`;
    const value = o.kind === 'boolean' || o.kind === 'seeds' ? undefined : o.kind === 'ints' ? o.default?.join(',') : o.default;
    const def = value !== undefined ? ` (default: ${value})` : '';
    return `${left.padEnd(34)} ${o.description}${def}`;
  });
  const argument = positional === undefined ? '' : ` [${all[positional]?.placeholder ?? positional.toUpperCase()}]`;
  const writes = Object.values(all).some((o) => o.kind === 'string' && o.role !== undefined && o.role !== 'input');
  return `Usage: iclkr ${command}${argument} [options]\n\n${summary}\n\nOptions:\n${rows.join('\n')}\n${writes ? `\n${OUTPUTS_RULE}\n` : ''}`;
}

/** The largest seed (the generator takes 31-bit seeds). */
export const MAX_SEED = 2 ** 31 - 1;

/** The --seeds option of the experiments that run on several seeds. */
export const SEEDS_OPTION = {
  kind: 'seeds',
  placeholder: 'S1,S2,...|LOW-HIGH',
  description:
    'run on each of these seeds (as --seed does, a preset world rebuilt per seed) ' +
    'and report each seed with the mean and range across seeds',
} as const;

/** The seed option of a seeded command (`what` says what it seeds), 0 by default. */
export function seedOption(what: string) {
  return { kind: 'int', min: 0, max: MAX_SEED, default: 0, placeholder: 'S', description: `seed of ${what}` } as const;
}
