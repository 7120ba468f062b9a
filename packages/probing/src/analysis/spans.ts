/**
 * Prompt bookkeeping (the paper's `labelSpans`): where every x_i, y_i, delimiter and the query
 * x_test sit in an ICL prompt's tokens, for the token world and for text templates.
 */

import { OptionError } from '@iclkr/core';

/** A half-open token range [start, end). */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** What a run of prompt tokens is: template text, an input, a label, the separator or the query. */
export type SegmentKind = 'literal' | 'x' | 'y' | 'delimiter' | 'query';

/** A run of tokens of one kind; `line` is the demonstration index, `n` for the query line. */
export interface Segment extends Span {
  readonly kind: SegmentKind;
  readonly line: number;
}

/** Token spans of one ICL prompt with n demonstrations; the segments tile [0, length) in order. */
export interface PromptSpans {
  /** Number of prompt tokens. */
  readonly length: number;
  /** The last position (length - 1), whose attention row and next-token distribution are read. */
  readonly final: number;
  readonly segments: readonly Segment[];
  /** x_i per demonstration. */
  readonly x: readonly Span[];
  /** y_i per demonstration. */
  readonly y: readonly Span[];
  /** The delimiter after each y_i (empty when the separator is empty). */
  readonly delimiters: readonly Span[];
  /** x_test. */
  readonly query: Span;
}

/** Builds PromptSpans from segments that tile [0, length) in order. */
function fromSegments(segments: readonly Segment[], n: number): PromptSpans {
  const pick = (kind: SegmentKind) => {
    const out: Span[] = Array.from({ length: n }, () => ({ start: 0, end: 0 }));
    for (const s of segments) if (s.kind === kind && s.line < n) out[s.line] = { start: s.start, end: s.end };
    return out;
  };
  const query = segments.find((s) => s.kind === 'query')!;
  const length = segments.length === 0 ? 0 : segments[segments.length - 1].end;
  return {
    length,
    final: length - 1,
    segments,
    x: pick('x'),
    y: pick('y'),
    delimiters: pick('delimiter'),
    query: { start: query.start, end: query.end },
  };
}

const SEGMENT_KINDS: readonly SegmentKind[] = ['literal', 'x', 'y', 'delimiter', 'query'];

/**
 * PromptSpans from segments written elsewhere (e.g. saved with activations), checked: they tile
 * [0, length) in order, every demonstration line 0..n-1 has one non-empty x and y, and the query
 * (line n) is one non-empty segment; `what` names the source in errors.
 */
export function spansFromSegments(segments: readonly Segment[], what = 'prompt'): PromptSpans {
  const fix = 'give segments {kind, line, start, end} that tile the prompt in order, one x and y per demonstration and one query';
  let at = 0;
  for (const [i, seg] of segments.entries()) {
    if (!SEGMENT_KINDS.includes(seg.kind))
      throw new OptionError(`${what}: segment ${i} has kind ${JSON.stringify(seg.kind)}, not one of ${SEGMENT_KINDS.join(', ')}`, fix);
    if (![seg.line, seg.start, seg.end].every(Number.isInteger) || seg.start !== at || seg.end < seg.start) {
      throw new OptionError(`${what}: segment ${i} (${seg.kind} [${seg.start}, ${seg.end})) does not continue from position ${at}`, fix);
    }
    at = seg.end;
  }
  const queries = segments.filter((s) => s.kind === 'query');
  if (queries.length !== 1 || queries[0].end === queries[0].start)
    throw new OptionError(`${what}: ${queries.length} query segments, or an empty one`, fix);
  const n = queries[0].line;
  for (const kind of ['x', 'y'] as const) {
    for (let line = 0; line < n; line++) {
      const found = segments.filter((s) => s.kind === kind && s.line === line);
      if (found.length !== 1 || found[0].end === found[0].start)
        throw new OptionError(`${what}: demonstration ${line + 1} has ${found.length} ${kind} segments, or an empty one`, fix);
    }
  }
  return fromSegments(segments, n);
}

/** Spans of the token-world prompt `x_1 y_1 delim ... x_n y_n delim x_test` with inputs of k tokens. */
export function tokenPromptSpans(n: number, k: number): PromptSpans {
  if (!Number.isInteger(n) || n < 0) throw new OptionError(`${n} demonstrations is not a count`, 'give n >= 0');
  if (!Number.isInteger(k) || k < 1) throw new OptionError(`input length ${k} is not a positive integer`, 'give k >= 1');
  const segments: Segment[] = [];
  for (let i = 0; i < n; i++) {
    const s = i * (k + 2);
    segments.push(
      { kind: 'x', line: i, start: s, end: s + k },
      { kind: 'y', line: i, start: s + k, end: s + k + 1 },
      { kind: 'delimiter', line: i, start: s + k + 1, end: s + k + 2 },
    );
  }
  const q = n * (k + 2);
  segments.push({ kind: 'query', line: n, start: q, end: q + k });
  return fromSegments(segments, n);
}

/** The paper's template: one demonstration per line, the query line ending after `Output:`. */
export const DEFAULT_TEMPLATE = 'Input: {x} Output: {y}';

/** A demonstration as text: input and label word. */
export interface TextDemonstration {
  readonly x: string;
  readonly y: string;
}

/** Options of `textPromptSpans`. */
export interface TextPromptOptions {
  /** A line with one `{x}` and, after it, one `{y}` (default `Input: {x} Output: {y}`). */
  readonly template?: string;
  /** Text between demonstration lines and before the query line (default a newline). */
  readonly separator?: string;
}

/** A text prompt: its text, token ids (the tokenizer's encoding of the whole text) and spans. */
export interface TextPrompt {
  readonly text: string;
  readonly ids: number[];
  readonly spans: PromptSpans;
}

interface Piece {
  readonly kind: SegmentKind;
  readonly line: number;
  readonly text: string;
}

/** Splits a template around `{x}` and `{y}`; a run of spaces before a placeholder goes with it. */
function parseTemplate(template: string): { prefix: string; xSpace: string; middle: string; ySpace: string; suffix: string } {
  const example = `use a template such as '${DEFAULT_TEMPLATE}'`;
  for (const p of ['{x}', '{y}']) {
    const first = template.indexOf(p);
    if (first < 0)
      throw new OptionError(
        `template '${template}' has no ${p} placeholder`,
        `put ${p} where the ${p === '{x}' ? 'input' : 'label'} goes; ${example}`,
      );
    if (template.indexOf(p, first + 1) >= 0)
      throw new OptionError(`template '${template}' has ${p} more than once`, `keep one ${p}; ${example}`);
  }
  const xAt = template.indexOf('{x}');
  const yAt = template.indexOf('{y}');
  if (yAt < xAt) throw new OptionError(`template '${template}' puts {y} before {x}`, `put the label after the input; ${example}`);
  const split = (text: string) => {
    const body = text.replace(/ +$/, '');
    return [body, text.slice(body.length)] as const;
  };
  const [prefix, xSpace] = split(template.slice(0, xAt));
  const [middle, ySpace] = split(template.slice(xAt + 3, yAt));
  return { prefix, xSpace, middle, ySpace, suffix: template.slice(yAt + 3) };
}

/** Length of the common prefix of two id lists. */
function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * The text prompt `line_1 sep ... line_n sep query-line` and its spans, for a tokenizer's
 * `encode`. Each demonstration line is the template with `{x}`, `{y}` filled in; the query line
 * is the template up to `{y}` (so it ends `Output:`). A run of spaces just before a placeholder
 * belongs to the placeholder's piece (GPT-2 words carry their leading space), so x_i's span
 * decodes to ` <x_i>` and y_i's to ` <y_i>`. Spans come from encoding prefix by prefix: a piece's
 * span is the tokens it adds. When appending a piece changes earlier tokens (a BPE merge across
 * the boundary), the merged tokens go to the newly appended piece and earlier spans are cut back
 * to the unchanged prefix; an x, y or query left with no token of its own is an OptionError.
 * Costs one encoding of a prefix per piece (about 6 per demonstration).
 */
export function textPromptSpans(
  tokenizer: { encode(text: string): number[] },
  demonstrations: readonly TextDemonstration[],
  query: string,
  options: TextPromptOptions = {},
): TextPrompt {
  const { prefix, xSpace, middle, ySpace, suffix } = parseTemplate(options.template ?? DEFAULT_TEMPLATE);
  const separator = options.separator ?? '\n';
  const n = demonstrations.length;
  demonstrations.forEach((d, i) => {
    for (const [name, value] of [
      ['x', d.x],
      ['y', d.y],
    ] as const) {
      if (value.trim() === '')
        throw new OptionError(`demonstration ${i + 1} has an empty ${name}`, `give every demonstration a non-empty ${name}`);
    }
  });
  if (query.trim() === '') throw new OptionError('the query x_test is empty', 'give a non-empty query text');
  const pieces: Piece[] = [];
  const line = (i: number, x: string, y: string | undefined) => {
    pieces.push({ kind: 'literal', line: i, text: prefix }, { kind: i === n ? 'query' : 'x', line: i, text: xSpace + x });
    pieces.push({ kind: 'literal', line: i, text: middle });
    if (y === undefined) return;
    pieces.push({ kind: 'y', line: i, text: ySpace + y }, { kind: 'literal', line: i, text: suffix });
    pieces.push({ kind: 'delimiter', line: i, text: separator });
  };
  demonstrations.forEach((d, i) => line(i, d.x, d.y));
  line(n, query, undefined);

  const segments: { kind: SegmentKind; line: number; start: number; end: number }[] = [];
  let text = '';
  let ids: number[] = [];
  for (const piece of pieces) {
    if (piece.text === '' && piece.kind === 'literal') continue;
    text += piece.text;
    const next = piece.text === '' ? ids : tokenizer.encode(text);
    const keep = commonPrefix(ids, next);
    for (const s of segments) {
      if (s.end > keep) s.end = keep;
      if (s.start > keep) s.start = keep;
    }
    segments.push({ kind: piece.kind, line: piece.line, start: keep, end: next.length });
    ids = next;
  }
  for (const s of segments) {
    if (s.start === s.end && (s.kind === 'x' || s.kind === 'y' || s.kind === 'query')) {
      const what = s.kind === 'query' ? 'the query' : `${s.kind}_${s.line + 1}`;
      throw new OptionError(
        `${what} has no tokens of its own in the prompt (empty, or merged into its neighbours by the tokenizer)`,
        'give non-empty inputs and labels, separated from the template text by a space or punctuation',
      );
    }
  }
  return { text, ids, spans: fromSegments(segments, n) };
}

/** The label position of each demonstration: the first token of y_i (the probes' offset 0). */
export function labelPositions(spans: PromptSpans): number[] {
  return spans.y.map((s) => s.start);
}
