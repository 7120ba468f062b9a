/**
 * Reading report files of any version: validation against the current schemas, migration of
 * older layouts on read, and one-line errors for reports that are newer than this code or not
 * reports at all.
 */
import type { z } from 'zod';
import { DataError } from './errors.js';
import { type AnyReport, REPORT_KINDS, REPORT_SCHEMAS, REPORT_VERSIONS, type ReportKind, type ReportOf } from './report.js';

type Json = Record<string, unknown>;

/**
 * One step of a kind's history: a report of version v, as parsed JSON, to the shape of version
 * v + 1 (schemaVersion is set by the caller).
 */
type Migration = (report: Json) => Json;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The field's value if the report has it, else null: a field a later version added. */
function orNull(object: Json, key: string): unknown {
  return key in object ? object[key] : null;
}

/** Version 2 of every kind records the command line and the git commit in meta. */
function metaCommand(report: Json): Json {
  const meta = report.meta as Json;
  return { ...report, meta: { ...meta, command: orNull(meta, 'command'), gitCommit: orNull(meta, 'gitCommit') } };
}

/** Version 2 of simulate, icl and probe carries the paper's numbers beside ours. */
function paperBlock(report: Json): Json {
  return { ...report, paper: orNull(report, 'paper') };
}

/** Version 2 of probe scores every head (and every variant of it) on the held-out prompts. */
function headHeldOut(report: Json): Json {
  if (!Array.isArray(report.heads)) return report;
  const scores = (s: Json): Json => ({ ...s, heldOut: orNull(s, 'heldOut') });
  const heads = report.heads.map((h) => {
    if (!isObject(h)) return h;
    const variants = isObject(h.variants)
      ? Object.fromEntries(Object.entries(h.variants).map(([k, v]) => [k, isObject(v) ? scores(v) : v]))
      : h.variants;
    return { ...scores(h), variants };
  });
  return { ...report, heads };
}

/** Version 3 of kernel-regress gives undefined metrics' reasons and the bandwidths whose loss overflowed; older reports have none. */
function lossSkips(report: Json): Json {
  const loo = isObject(report.loo) ? { ...report.loo, skipped: orNull(report.loo, 'skipped') ?? [] } : report.loo;
  return { ...report, metricNotes: orNull(report, 'metricNotes') ?? {}, loo };
}

/** Version 3 of probe carries a sample of held-out prompts for the head view; older reports have none. */
function promptSamples(report: Json): Json {
  return { ...report, samples: 'samples' in report ? report.samples : [] };
}

/** Version 2 of ablation also runs on text: it names its prompts' source, and world and length may be null; version 1 was always a world. */
function ablationSource(report: Json): Json {
  return { ...report, source: orNull(report, 'source') ?? `world ${String(report.world)}` };
}

/** Per kind, the steps from its oldest readable version to the current one (index i: version i + first to i + first + 1). */
const REPORT_MIGRATIONS: Record<ReportKind, readonly Migration[]> = {
  'kernel-regress': [metaCommand, lossSkips],
  simulate: [(r) => paperBlock(metaCommand(r))],
  icl: [(r) => paperBlock(metaCommand(r))],
  probe: [(r) => headHeldOut(paperBlock(metaCommand(r))), promptSamples],
  pretrain: [],
  seeds: [],
  reproduce: [],
  insights: [],
  'compare-retrievers': [],
  ablation: [ablationSource],
};

/** The versions of a kind this code reads: the oldest it migrates from, and the current one. */
export function readableReportVersions(kind: ReportKind): { readonly oldest: number; readonly newest: number } {
  const newest = REPORT_VERSIONS[kind];
  return { oldest: newest - REPORT_MIGRATIONS[kind].length, newest };
}

/** A value in words, short: `null`, `an array`, `"text"`, `3`. */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  return String(value);
}

/** A zod path as a reader writes it: `heads[3].variants.span.agreement`. */
function pathInWords(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

const EXPECTED: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  record: 'an object',
  tuple: 'a list',
};

/** What is wrong with the value a zod issue points at, in words ("is missing", "is a string, not a number"). */
function problemInWords(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      if (value === undefined) return 'is missing';
      return `is ${describeValue(value)}, not ${expected}`;
    }
    case 'invalid_value':
      return `is ${describeValue(value)}, not ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'too_small':
      return Array.isArray(value)
        ? `has ${value.length} items, fewer than ${issue.minimum}`
        : `is ${describeValue(value)}, below ${issue.inclusive ? 'the minimum ' : ''}${issue.minimum}`;
    case 'too_big':
      return Array.isArray(value)
        ? `has ${value.length} items, more than ${issue.maximum}`
        : `is ${describeValue(value)}, above ${issue.inclusive ? 'the maximum ' : ''}${issue.maximum}`;
    case 'invalid_union':
      return `is ${describeValue(value)}, which matches none of the forms it may take`;
    case 'custom':
      return `(${describeValue(value)}) ${issue.message}`;
    default:
      return `is ${describeValue(value)}: ${issue.message.toLowerCase()}`;
  }
}

/** The fix for a damaged report: write it again, with the recorded command where there is one. */
function rewriteFix(meta: Json): string {
  return typeof meta.command === 'string' && meta.command !== ''
    ? `write it again: ${meta.command}`
    : 'write it again with the iclkr command that made it';
}

/** "a probe report", "an icl report". */
function aReport(kind: string): string {
  return `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} report`;
}

function notReport(file: string, problem: string): DataError {
  return new DataError(
    file,
    undefined,
    `not an iclkr report: ${problem}`,
    'open the report.json an iclkr command wrote (its meta block says the kind and version)',
  );
}

/**
 * A report file's contents (the parsed object, or its JSON text) checked against the current
 * schema of its kind. A report of an older version is migrated to the current shape (fields added
 * since are null); a newer one, a broken one or something that is not a report is a DataError
 * naming `file`, the kind and version, or the first offending field.
 */
export function readReport(json: unknown, file = 'report.json'): AnyReport {
  let value = json;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (error) {
      throw new DataError(
        file,
        undefined,
        `is not valid JSON (${(error as Error).message})`,
        'open the report.json an iclkr command wrote, or write it again',
      );
    }
  }
  if (!isObject(value)) throw notReport(file, `it holds ${describeValue(value)}, not an object with a meta block`);
  const meta = value.meta;
  if (!isObject(meta))
    throw notReport(file, meta === undefined ? 'it has no meta block' : `its meta is ${describeValue(meta)}, not an object`);
  const kind = meta.kind;
  if (kind === undefined) throw notReport(file, 'meta.kind is missing');
  if (typeof kind !== 'string' || !(REPORT_KINDS as readonly string[]).includes(kind)) {
    throw notReport(file, `meta.kind is ${describeValue(kind)}, not one of ${REPORT_KINDS.join(', ')}`);
  }
  const k = kind as ReportKind;
  const { oldest, newest } = readableReportVersions(k);
  const range = oldest === newest ? `version ${newest}` : `versions ${oldest} to ${newest}`;
  const version = meta.schemaVersion;
  if (typeof version !== 'number' || !Number.isSafeInteger(version)) {
    throw new DataError(
      file,
      undefined,
      `${aReport(k)} whose meta.schemaVersion is ${describeValue(version)}, not a version number`,
      rewriteFix(meta),
    );
  }
  if (version > newest) {
    throw new DataError(
      file,
      undefined,
      `${aReport(k)} of version ${version}; this iclkr reads ${k} reports of ${range}`,
      'upgrade iclkr to open it',
    );
  }
  if (version < oldest) {
    throw new DataError(
      file,
      undefined,
      `${aReport(k)} of version ${version}; this iclkr reads ${k} reports of ${range}`,
      rewriteFix(meta),
    );
  }
  let report: Json = value;
  for (let v = version; v < newest; v++) {
    const next = REPORT_MIGRATIONS[k][v - oldest](report);
    report = { ...next, meta: { ...(next.meta as Json), schemaVersion: v + 1 } };
  }
  const parsed = REPORT_SCHEMAS[k].safeParse(report);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length === 0 ? 'the report' : pathInWords(issue.path);
    const problem = problemInWords(issue, valueAt(report, issue.path));
    throw new DataError(file, undefined, `the ${k} report's ${where} ${problem}`, rewriteFix(meta));
  }
  return parsed.data as AnyReport;
}

/**
 * A schema failure of our own output (a zod error, e.g. a NaN where a report has a number) as one
 * line: the first offending field, what is wrong with it, and how many more; undefined for any
 * other error. The CLI prints it as an internal error instead of zod's multi-line dump.
 */
export function schemaFailureInWords(error: unknown): string | undefined {
  const issues = (error as { name?: unknown; issues?: unknown } | null)?.issues;
  if ((error as { name?: unknown } | null)?.name !== 'ZodError' || !Array.isArray(issues) || issues.length === 0) return undefined;
  const first = issues[0] as z.core.$ZodIssue;
  const where = first.path.length === 0 ? 'the output' : pathInWords(first.path);
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more field${issues.length > 2 ? 's' : ''})` : '';
  return `an output failed its own schema: ${where}: ${first.message.toLowerCase()}${more}`;
}

/** `readReport`, and the report must be of `kind` (else a DataError saying which kind it is). */
export function readReportOf<K extends ReportKind>(kind: K, json: unknown, file = 'report.json'): ReportOf<K> {
  const report = readReport(json, file);
  if (report.meta.kind !== kind) {
    throw new DataError(
      file,
      undefined,
      `${aReport(report.meta.kind)}, not ${aReport(kind)}`,
      `open the report.json of an \`iclkr ${kind}\` run`,
    );
  }
  return report as ReportOf<K>;
}
