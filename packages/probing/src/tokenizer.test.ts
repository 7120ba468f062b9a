import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError, OptionError } from '@iclkr/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenizer, gpt2TokenizerJson, type Tokenizer } from './tokenizer.js';
import { loadTokenizer } from './tokenizer-node.js';
import { rejection, removeTemporaryFolders, temporaryFolder } from '../test/fixtures.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const DATA = process.env.ICLKR_SHARED_DATA ?? path.resolve(repoRoot, '../shared/data');
const GPT2 = path.join(DATA, 'tokenizers/gpt2');

afterAll(removeTemporaryFolders);

/** A temp folder holding `files` (name to contents). */
async function folder(files: Record<string, string>): Promise<string> {
  const dir = await temporaryFolder('tokenizer');
  await Promise.all(Object.entries(files).map(([name, text]) => writeFile(path.join(dir, name), text)));
  return dir;
}

/**
 * llama.cpp's test-tokenizer-0 layout: every case is followed by `\n__ggml_vocab_test__\n` (so a
 * case's own last newline is part of the separator, and the file ends with one); `.out` has one
 * line per case, each id preceded by a space.
 */
async function referenceCases(): Promise<{ text: string; ids: number[] }[]> {
  const inp = await readFile(path.join(GPT2, 'reference-cases.inp'), 'utf8');
  const out = await readFile(path.join(GPT2, 'reference-cases.out'), 'utf8');
  const texts = inp.split('\n__ggml_vocab_test__\n');
  expect(texts.pop()).toBe('');
  const lines = out.split('\n');
  expect(lines.pop()).toBe('');
  expect(lines.length).toBe(texts.length);
  return texts.map((text, i) => ({
    text,
    ids: lines[i]
      .split(' ')
      .filter((s) => s !== '')
      .map(Number),
  }));
}

describe('GPT-2 tokenizer from vocab.json + merges.txt', () => {
  let gpt2: Tokenizer;
  let cases: { text: string; ids: number[] }[];
  beforeAll(async () => {
    gpt2 = await loadTokenizer(GPT2);
    cases = await referenceCases();
  });

  it('has the GPT-2 vocabulary', () => {
    expect(gpt2.name).toBe('gpt2');
    expect(gpt2.vocabSize).toBe(50257);
    expect(gpt2.tokenId('<|endoftext|>')).toBe(50256);
    expect(gpt2.tokenId('Ġthe')).toBe(262);
    expect(gpt2.tokenId('not a token')).toBeUndefined();
    expect(gpt2.encode('<|endoftext|>')).toEqual([50256]);
  });

  it('encodes every llama.cpp reference case as Hugging Face does', () => {
    expect(cases.length).toBe(46);
    const failures = cases.filter(({ text, ids }) => JSON.stringify(gpt2.encode(text)) !== JSON.stringify(ids));
    expect(failures).toEqual([]);
  });

  it('decodes every reference case back to its text', () => {
    for (const { text } of cases) expect(gpt2.decode(gpt2.encode(text))).toBe(text);
  });

  it('decodes no ids to the empty string and rejects ids outside the vocabulary', () => {
    expect(gpt2.decode([])).toBe('');
    expect(() => gpt2.decode([50257])).toThrow(OptionError);
    expect(() => gpt2.decode([1.5])).toThrow(/token id 1.5 is not in the gpt2 vocabulary/);
  });

  it('gives the same tokenizer through a Hugging Face tokenizer.json folder', async () => {
    const vocab = JSON.parse(await readFile(path.join(GPT2, 'vocab.json'), 'utf8'));
    const merges = (await readFile(path.join(GPT2, 'merges.txt'), 'utf8'))
      .split('\n')
      .slice(1, -1)
      .map((line) => line.split(' ') as [string, string]);
    const dir = await folder({
      'tokenizer.json': JSON.stringify(gpt2TokenizerJson(vocab, merges)),
      'tokenizer_config.json': JSON.stringify({ tokenizer_class: 'GPT2Tokenizer', clean_up_tokenization_spaces: true }),
    });
    const fromJson = await loadTokenizer(dir);
    expect(fromJson.vocabSize).toBe(50257);
    for (const { text, ids } of cases) {
      expect(fromJson.encode(text)).toEqual(ids);
      // Clean-up of spaces asked for by the config would break the round trip; decode never does it.
      expect(fromJson.decode(ids)).toBe(text);
    }
  });
});

describe('tokenizer files', () => {
  const tiny = { vocabJson: '{"a": 0, "b": 1, "ab": 2}', mergesTxt: '#version: 0.2\na b\n' };

  it('builds a tiny byte-level BPE in the browser-safe API', () => {
    const t = createTokenizer('tiny', tiny);
    expect(t.encode('abba')).toEqual([2, 1, 0]);
    expect(t.decode([2, 1, 0])).toBe('abba');
    expect(t.encode('abc')).toEqual([2]);
  });

  it('names a folder with no tokenizer files', async () => {
    const dir = await folder({ 'vocab.json': tiny.vocabJson });
    const err = await rejection(loadTokenizer(dir));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toBe(`${dir}: has neither tokenizer.json nor vocab.json with merges.txt`);
    expect(await rejection(loadTokenizer(path.join(dir, 'missing')))).toBeInstanceOf(DataError);
  });

  it('names the file and line of malformed JSON', async () => {
    const dir = await folder({ 'tokenizer.json': '{\n  "model": {\n    "type": "BPE",\n  }\n}' });
    const err = await rejection(loadTokenizer(dir));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(new RegExp(`^${dir}/tokenizer.json:4: is not valid JSON`));
    expect(() => createTokenizer('x', { ...tiny, vocabJson: '{"a": 0,' })).toThrow(/^vocab.json:1: is not valid JSON/);
    expect(() => createTokenizer('x', { tokenizerJson: '[]' })).toThrow(/^tokenizer.json: is not a JSON object/);
    expect(() => createTokenizer('x', { tokenizerJson: '{}' })).toThrow(/has no "model" object/);
    expect(() => createTokenizer('x', { tokenizerJson: '{"model": {}}', tokenizerConfig: '"x"' })).toThrow(
      /^tokenizer_config.json: is not a JSON object/,
    );
    expect(() => createTokenizer('x', { ...tiny, vocabJson: '{"a": -1}' })).toThrow(/token "a" has id -1/);
  });

  it('names a merges line that is not two tokens', async () => {
    const dir = await folder({ 'vocab.json': tiny.vocabJson, 'merges.txt': '#version: 0.2\na b\nab\n' });
    const err = await rejection(loadTokenizer(dir));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toBe(`${dir}/merges.txt:3: "ab" is not two tokens separated by one space`);
    expect(() => createTokenizer('x', { ...tiny, mergesTxt: 'a  b' })).toThrow(/^merges.txt:1: "a {2}b" is not two/);
  });

  it('names a merge whose tokens the vocabulary lacks', () => {
    expect(() => createTokenizer('x', { ...tiny, mergesTxt: 'a b\nb a\n' })).toThrow(
      'merges.txt:2: merge "b a" needs token "ba", which vocab.json lacks',
    );
  });

  it('reports a tokenizer.json that Tokenizers.js cannot build', () => {
    expect(() => createTokenizer('x', { tokenizerJson: { model: { type: 'Nope' } } })).toThrow(
      /^tokenizer.json: cannot be used by Tokenizers.js/,
    );
  });
});
