import { describe, expect, it } from 'vitest';
import { OptionError } from '../errors.js';
import { dataLines, decodeText } from './text.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('decodeText', () => {
  it('reads valid UTF-8 as UTF-8 and drops the byte-order mark', () => {
    expect(decodeText(bytes(0xef, 0xbb, 0xbf, 0x63, 0xc3, 0xa9), 'f')).toBe('cé');
    expect(decodeText('\uFEFFcé', 'f')).toBe('cé');
  });

  it('falls back to windows-1252, including its 0x80-0x9F characters', () => {
    // clich\xe9 \x91quoted\x92 \x85 \x96 \x80 (cp1252: é ‘ ’ … – €)
    const text = decodeText(bytes(0x63, 0xe9, 0x20, 0x91, 0x71, 0x92, 0x20, 0x85, 0x96, 0x80), 'f');
    expect(text).toBe('c\u00e9 \u2018q\u2019 \u2026\u2013\u20ac');
  });

  it('keeps the bytes windows-1252 leaves undefined as C1 controls', () => {
    expect(decodeText(bytes(0x81, 0x8d, 0x8f, 0x90, 0x9d), 'f', 'windows-1252')).toBe('\x81\x8d\x8f\x90\x9d');
  });

  it('obeys a forced encoding', () => {
    expect(decodeText(bytes(0xc3, 0xa9), 'f', 'windows-1252')).toBe('Ã©');
    expect(() => decodeText(bytes(0xe9), 'f.txt', 'utf-8')).toThrow(/f\.txt: is not valid UTF-8/);
    expect(() => decodeText(bytes(0xe9), 'f.txt', 'latin9' as 'utf-8')).toThrow(OptionError);
  });
});

describe('decodeText on UTF-16', () => {
  // The bytes as an editor saving UTF-16 writes them (Node's Buffer encodes them independently).
  const text = '0 caf\u00e9 , great .\n1 dull';
  const le = Uint8Array.from(Buffer.from(text, 'utf16le'));
  const be = Uint8Array.from(Buffer.from(text, 'utf16le').swap16());

  it('decodes little- and big-endian UTF-16, with or without a byte-order mark', () => {
    expect(decodeText(Uint8Array.from([0xff, 0xfe, ...le]), 'f')).toBe(text);
    expect(decodeText(Uint8Array.from([0xfe, 0xff, ...be]), 'f')).toBe(text);
    expect(decodeText(le, 'f')).toBe(text);
    expect(decodeText(be, 'f')).toBe(text);
  });

  it('names the encoding when another one is forced', () => {
    expect(() => decodeText(Uint8Array.from([0xff, 0xfe, ...le]), 'f.txt', 'utf-8')).toThrow(/f\.txt: is UTF-16 \(UTF-16LE\), not utf-8/);
  });
});

describe('dataLines', () => {
  it('splits CRLF and LF lines and drops blank lines at the end only', () => {
    expect(dataLines('a\r\n\nb \n\n  \n', 'f')).toEqual(['a', '', 'b ']);
  });

  it('rejects an empty or blank file', () => {
    for (const text of ['', ' \n\n']) {
      expect(() => dataLines(text, 'empty.txt')).toThrow(
        expect.objectContaining({
          name: 'DataError',
          file: 'empty.txt',
          line: 1,
          fix: expect.any(String),
        }),
      );
    }
  });
});
