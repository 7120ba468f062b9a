import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type IclkrError, OptionError } from '@iclkr/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Tokenizer } from '../tokenizer.js';
import { loadTokenizer } from '../tokenizer-node.js';
import { labelPositions, type PromptSpans, textPromptSpans, tokenPromptSpans } from './spans.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const DATA = process.env.ICLKR_SHARED_DATA ?? path.resolve(repoRoot, '../shared/data');

/** Segments tile [0, length) in order, and the summary spans agree with them. */
function expectTiled(spans: PromptSpans): void {
  let at = 0;
  for (const s of spans.segments) {
    expect(s.start).toBe(at);
    expect(s.end).toBeGreaterThanOrEqual(s.start);
    at = s.end;
  }
  expect(at).toBe(spans.length);
  expect(spans.final).toBe(spans.length - 1);
}

function thrown(f: () => unknown): IclkrError {
  try {
    f();
  } catch (err) {
    return err as IclkrError;
  }
  throw new Error('expected an error');
}

describe('tokenPromptSpans', () => {
  it('lays out x_1 y_1 delim ... x_n y_n delim x_test', () => {
    const s = tokenPromptSpans(2, 3);
    expect(s.x).toEqual([
      { start: 0, end: 3 },
      { start: 5, end: 8 },
    ]);
    expect(s.y).toEqual([
      { start: 3, end: 4 },
      { start: 8, end: 9 },
    ]);
    expect(s.delimiters).toEqual([
      { start: 4, end: 5 },
      { start: 9, end: 10 },
    ]);
    expect(s.query).toEqual({ start: 10, end: 13 });
    expect(s.length).toBe(13);
    expect(labelPositions(s)).toEqual([3, 8]);
    expectTiled(s);
  });

  it('handles zero demonstrations and rejects impossible sizes', () => {
    expect(tokenPromptSpans(0, 4).query).toEqual({ start: 0, end: 4 });
    expect(() => tokenPromptSpans(2, 0)).toThrow(OptionError);
    expect(() => tokenPromptSpans(-1, 2)).toThrow(OptionError);
  });
});

describe('textPromptSpans with the GPT-2 tokenizer on SST-2', () => {
  let gpt2: Tokenizer;
  let demos: { x: string; y: string }[];
  let queries: string[];
  const words = ['negative', 'positive'];

  beforeAll(async () => {
    gpt2 = await loadTokenizer(path.join(DATA, 'tokenizers/gpt2'));
    const train = (await readFile(path.join(DATA, 'sst2/stsa.binary.train'), 'utf8')).split('\n').slice(0, 6);
    demos = train.map((line) => ({ x: line.slice(2), y: words[Number(line[0])] }));
    // GLUE sentences end with a space: kept, to check a trailing space does not disturb the spans.
    const dev = (await readFile(path.join(DATA, 'sst2/glue-dev.tsv'), 'utf8')).split('\n').slice(1, 4);
    queries = dev.map((line) => line.split('\t')[0]);
  });

  it('decodes every span back to its piece, and the ids are the encoding of the whole text', () => {
    for (const query of queries) {
      const { text, ids, spans } = textPromptSpans(gpt2, demos, query);
      expect(ids).toEqual(gpt2.encode(text));
      expect(text.endsWith(' Output:')).toBe(true);
      expectTiled(spans);
      const decode = (s: { start: number; end: number }) => gpt2.decode(ids.slice(s.start, s.end));
      demos.forEach((d, i) => {
        expect(decode(spans.x[i])).toBe(` ${d.x}`);
        expect(decode(spans.y[i])).toBe(` ${d.y}`);
        expect(decode(spans.delimiters[i])).toBe('\n');
      });
      expect(decode(spans.query)).toBe(` ${query}`);
      const literals = spans.segments.filter((s) => s.kind === 'literal').map(decode);
      expect(literals).toEqual([...demos.flatMap(() => ['Input:', ' Output:']), 'Input:', ' Output:']);
      expect(gpt2.decode([ids[spans.final]])).toBe(':');
      // GPT-2 spells both label words as one token each.
      expect(spans.y.every((s) => s.end - s.start === 1)).toBe(true);
    }
  });

  it('follows a custom template and separator, text after {y} included', () => {
    const { text, ids, spans } = textPromptSpans(gpt2, demos.slice(0, 2), 'a gem', {
      template: 'Review: {x}\nSentiment: {y}.',
      separator: '\n\n',
    });
    expect(text).toBe(
      `Review: ${demos[0].x}\nSentiment: ${demos[0].y}.\n\nReview: ${demos[1].x}\nSentiment: ${demos[1].y}.\n\nReview: a gem\nSentiment:`,
    );
    expectTiled(spans);
    expect(gpt2.decode(ids.slice(spans.y[1].start, spans.y[1].end))).toBe(` ${demos[1].y}`);
    expect(gpt2.decode(ids.slice(spans.query.start, spans.query.end))).toBe(' a gem');
  });
});

describe('textPromptSpans across a BPE merge', () => {
  // Characters, except that "ab" is one token: appending "b" after "a" rewrites the last token.
  const merging = {
    encode(text: string): number[] {
      const ids: number[] = [];
      for (let i = 0; i < text.length; i++) {
        if (text.startsWith('ab', i)) {
          ids.push(1000);
          i++;
        } else ids.push(text.charCodeAt(i));
      }
      return ids;
    },
  };

  it('gives the merged token to the piece appended last and cuts the earlier span back', () => {
    const { ids, spans } = textPromptSpans(merging, [{ x: 'ca', y: 'b' }], 'q', { template: '{x}{y}', separator: ';' });
    expect(ids).toEqual(merging.encode('cab;q'));
    expect(spans.x[0]).toEqual({ start: 0, end: 1 });
    expect(spans.y[0]).toEqual({ start: 1, end: 2 });
    expect(spans.delimiters[0]).toEqual({ start: 2, end: 3 });
    expectTiled(spans);
  });

  it('rejects an input the merge leaves without a token of its own', () => {
    const err = thrown(() => textPromptSpans(merging, [{ x: 'a', y: 'b' }], 'q', { template: '{x}{y}' }));
    expect(err).toBeInstanceOf(OptionError);
    expect(err.message).toContain('x_1');
  });
});

describe('textPromptSpans errors', () => {
  const chars = { encode: (t: string) => Array.from(t, (c) => c.charCodeAt(0)) };
  const demo = [{ x: 'good', y: 'positive' }];

  it('names a missing placeholder and the fix, on one line', () => {
    for (const [template, missing] of [
      ['Input: {x}', '{y}'],
      ['Output: {y}', '{x}'],
    ]) {
      const err = thrown(() => textPromptSpans(chars, demo, 'q', { template }));
      expect(err).toBeInstanceOf(OptionError);
      expect(err.message).toContain(`no ${missing} placeholder`);
      expect(err.fix).toContain(missing);
      expect(err.oneLine()).not.toContain('\n');
    }
  });

  it('rejects {y} before {x}, a repeated placeholder and empty texts', () => {
    expect(() => textPromptSpans(chars, demo, 'q', { template: '{y} {x}' })).toThrow(/before \{x\}/);
    expect(() => textPromptSpans(chars, demo, 'q', { template: '{x} {x} {y}' })).toThrow(/more than once/);
    expect(() => textPromptSpans(chars, [{ x: ' ', y: 'positive' }], 'q')).toThrow(/empty x/);
    expect(() => textPromptSpans(chars, demo, '')).toThrow(OptionError);
  });
});
