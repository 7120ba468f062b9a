/** Bytes to text and text to lines: the steps every data-file parser starts with. */
import { DataError, OptionError } from '../errors.js';

/** Encodings a data file may be decoded with. */
export type TextEncoding = 'utf-8' | 'windows-1252';

// windows-1252 is Latin-1 except for 0x80-0x9F. Node 20.18.3+ decodes the `windows-1252` label
// as Latin-1 (nodejs/node#60888), so those 32 bytes are mapped again by hand; the mapping is
// idempotent, so a correct decoder (browsers, later Node) gives the same text.
const CP1252_80_9F =
  '\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f' +
  '\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178';

/**
 * Decodes a data file. Without `encoding`, strict UTF-8 is tried first and windows-1252 is the
 * fallback: MR and SUBJ ship as cp1252 bytes, which are almost never valid UTF-8 by accident.
 * UTF-16 (by byte-order mark or NUL pattern) is decoded as such. A leading byte-order mark is
 * dropped; a string is taken as already decoded.
 */
export function decodeText(input: string | Uint8Array, source: string, encoding?: TextEncoding): string {
  if (typeof input === 'string') return input.replace(/^\uFEFF/, '');
  const utf16 = utf16Order(input);
  if (utf16 !== undefined) {
    if (encoding !== undefined) {
      throw new DataError(source, undefined, `is UTF-16 (${utf16.toUpperCase()}), not ${encoding}`, 'leave the encoding out to decode it');
    }
    return new TextDecoder(utf16).decode(input).replace(/^\uFEFF/, '');
  }
  if (encoding === undefined) return decodeUtf8(input) ?? decodeWindows1252(input);
  if (encoding === 'windows-1252') return decodeWindows1252(input);
  if (encoding !== 'utf-8') {
    throw new OptionError(`unknown encoding '${encoding}'`, "use 'utf-8' or 'windows-1252'");
  }
  const text = decodeUtf8(input);
  if (text === undefined) {
    throw new DataError(source, undefined, 'is not valid UTF-8', "decode it as 'windows-1252'");
  }
  return text;
}

/**
 * The byte order of UTF-16 bytes: by byte-order mark, else by NUL bytes, which UTF-8 and
 * windows-1252 text never holds, in the odd (little-endian) or even (big-endian) positions of
 * most of the first 200 characters. Undefined for anything else.
 */
function utf16Order(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  const pairs = Math.min(200, Math.floor(bytes.length / 2));
  if (pairs < 2) return undefined;
  let odd = 0;
  let even = 0;
  for (let i = 0; i < pairs; i++) {
    if (bytes[2 * i] === 0) even++;
    if (bytes[2 * i + 1] === 0) odd++;
  }
  if (odd > 0.8 * pairs && even === 0) return 'utf-16le';
  if (even > 0.8 * pairs && odd === 0) return 'utf-16be';
  return undefined;
}

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function decodeWindows1252(bytes: Uint8Array): string {
  return new TextDecoder('windows-1252').decode(bytes).replace(/[\u0080-\u009f]/g, (c) => CP1252_80_9F[c.charCodeAt(0) - 0x80]);
}

/** The text without blank lines at its end (a final newline, or several); throws when empty. */
export function withoutTrailingBlankLines(text: string, source: string): string {
  if (text.trim() === '') {
    throw new DataError(source, 1, 'the file is empty', 'check that the path names the data file');
  }
  return text.replace(/(?:\r?\n[ \t]*)+$/, '');
}

/** The file's lines (line i + 1 at index i) without trailing blank lines; throws when empty. */
export function dataLines(text: string, source: string): string[] {
  return withoutTrailingBlankLines(text, source).split(/\r?\n/);
}

/** A line shortened for an error message. */
export function preview(line: string): string {
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}
