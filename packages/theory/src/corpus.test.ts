import { DataError, Rng } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import {
  CORPUS_FORMAT,
  corpusChunks,
  corpusDtype,
  corpusRng,
  decodeTokens,
  describeCorpus,
  parseCorpusDescription,
  tokenBytes,
} from './corpus.js';
import { randomWorld } from './generators/random.js';
import { documents } from './sample.js';
import { compileWorld } from './world.js';

const world = compileWorld(randomWorld({ tasks: 3, states: 10, tokens: 12 }, new Rng(1)));

describe('corpus chunks', () => {
  it('hold whole documents and the same tokens as `documents` from the same stream', () => {
    const chunks = [...corpusChunks(world, { docs: 7, length: 30 }, new Rng(5), 100)];
    expect(chunks.map((c) => c.tasks.length)).toEqual([3, 3, 1]);
    expect(chunks.every((c) => c.tokens instanceof Uint16Array && c.tokens.length === c.tasks.length * 30)).toBe(true);
    const docs = [...documents(world, { docs: 7, length: 30 }, new Rng(5))];
    expect(chunks.flatMap((c) => c.tasks)).toEqual(docs.map((d) => d.task));
    expect(chunks.flatMap((c) => Array.from(c.tokens))).toEqual(docs.flatMap((d) => Array.from(d.tokens)));
  });

  it('use at least one document per chunk and Uint32 tokens for vocabularies over 65,536', () => {
    expect([...corpusChunks(world, { docs: 2, length: 30 }, new Rng(5), 10)].map((c) => c.tasks.length)).toEqual([1, 1]);
    expect([corpusDtype(65536), corpusDtype(65537)]).toEqual(['uint16', 'uint32']);
  });

  it('seed a stream distinct from the world generator of the same seed', () => {
    expect(corpusRng(3).uniform()).not.toBe(new Rng(3).uniform());
    expect(corpusRng(3).uniform()).toBe(corpusRng(3).uniform());
  });
});

describe('token bytes', () => {
  it('are little-endian and decode back', () => {
    const t16 = Uint16Array.from([1, 258, 65535]);
    expect(Array.from(tokenBytes(t16))).toEqual([1, 0, 2, 1, 255, 255]);
    expect(decodeTokens(tokenBytes(t16), 'uint16')).toEqual(t16);
    const t32 = Uint32Array.from([70000, 1]);
    expect(Array.from(tokenBytes(t32))).toEqual([0x70, 0x11, 0x01, 0, 1, 0, 0, 0]);
    expect(decodeTokens(tokenBytes(t32).subarray(0), 'uint32')).toEqual(t32);
  });
});

describe('corpus description', () => {
  const description = describeCorpus(world, { docs: 2, length: 5, seed: 9 }, [0, 2]);

  it('records format, sizes, seed and generator, and parses back', () => {
    expect(description).toMatchObject({
      format: CORPUS_FORMAT,
      version: 1,
      dtype: 'uint16',
      docs: 2,
      docLength: 5,
      tokens: 10,
      vocabulary: 12,
      delimiter: 11,
      restart: false,
      seed: 9,
      docTasks: [0, 2],
    });
    expect(description.generator).toMatchObject({ name: 'random' });
    expect(parseCorpusDescription(JSON.stringify(description), 'c.json')).toEqual(description);
  });

  it.each([
    ['{', /c\.json: is not valid JSON/],
    ['[]', /c\.json: is not a JSON object/],
    [JSON.stringify({ ...description, format: 'x' }), /format is "x", not 'iclkr-corpus'/],
    [JSON.stringify({ ...description, version: 2 }), /version 2 is not 1/],
    [JSON.stringify({ ...description, dtype: 'int8' }), /dtype "int8" is neither/],
    [JSON.stringify({ ...description, docs: 1.5 }), /docs is 1\.5, not an integer/],
    [JSON.stringify({ ...description, tokens: 11 }), /tokens 11 is not docs x docLength/],
    [JSON.stringify({ ...description, docTasks: [0] }), /docTasks is not one task index per document/],
  ])('rejects %s', (text, pattern) => {
    expect(() => parseCorpusDescription(text, 'c.json')).toThrow(DataError);
    expect(() => parseCorpusDescription(text, 'c.json')).toThrow(pattern);
  });
});
