/**
 * Tokenizers from Hugging Face tokenizer files, run by Tokenizers.js (`@huggingface/tokenizers`).
 * Browser-safe: everything here takes file contents, never paths; reading a folder is in
 * `tokenizer-node.ts`.
 */

import { DataError, OptionError } from '@iclkr/core';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';

/** Text to token ids and back, as the models use it. */
export interface Tokenizer {
  /** Where the tokenizer came from (a folder name), for messages and reports. */
  readonly name: string;
  /** Number of tokens, added tokens included. */
  readonly vocabSize: number;
  /**
   * Token ids of `text`; no special tokens (BOS/EOS) are added. A BPE vocabulary without an
   * unknown token drops pieces it cannot spell, as Hugging Face does (byte-level ones spell all).
   */
  encode(text: string): number[];
  /** Text of `ids`, special tokens included and spaces left as they are. */
  decode(ids: readonly number[]): string;
  /** Id of a token string as it appears in the vocabulary (e.g. `<|endoftext|>`, `Ġthe`), if any. */
  tokenId(token: string): number | undefined;
}

/**
 * A tokenizer's files, as text (from disk or fetched) or already parsed: either a Hugging Face
 * `tokenizer.json` (with its `tokenizer_config.json` if there is one) or GPT-2's original
 * `vocab.json` + `merges.txt`. `dir` prefixes the file names in error messages.
 */
export type TokenizerFiles = { dir?: string } & (
  | { tokenizerJson: string | object; tokenizerConfig?: string | object }
  | { vocabJson: string | object; mergesTxt: string }
);

/** One merge rule of a BPE model: the two tokens it joins. */
type Merge = [string, string];

/** Builds a tokenizer from its files; malformed files are DataErrors naming the file and line. */
export function createTokenizer(name: string, files: TokenizerFiles): Tokenizer {
  const at = (file: string) => (files.dir === undefined ? file : `${files.dir}/${file}`);
  if ('tokenizerJson' in files) {
    const file = at('tokenizer.json');
    const json = asObject(parseJson(files.tokenizerJson, file), file);
    if (typeof json.model !== 'object' || json.model === null) {
      throw new DataError(file, undefined, 'has no "model" object', 'use a tokenizer.json saved by Hugging Face tokenizers');
    }
    const configFile = at('tokenizer_config.json');
    const config = files.tokenizerConfig === undefined ? {} : asObject(parseJson(files.tokenizerConfig, configFile), configFile);
    // Tokenizers.js requires these keys, which hand-written files may leave out (null: not used).
    const defaults = { normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null };
    return wrap(name, { ...defaults, ...json, added_tokens: json.added_tokens ?? [] }, config, file);
  }
  const vocabFile = at('vocab.json');
  const vocab = parseVocab(parseJson(files.vocabJson, vocabFile), vocabFile);
  const merges = parseMerges(files.mergesTxt, at('merges.txt'), vocab);
  return wrap(name, gpt2TokenizerJson(vocab, merges), {}, vocabFile);
}

/**
 * The `tokenizer.json` object of GPT-2's byte-level BPE (as Hugging Face saves it for `gpt2`):
 * ByteLevel pre-tokenizer (GPT-2's regex, no prefix space), BPE model with `vocab` and `merges`,
 * ByteLevel decoder, and `<|endoftext|>` as a special added token when the vocabulary has it.
 */
export function gpt2TokenizerJson(vocab: Record<string, number>, merges: readonly Merge[]): Record<string, unknown> {
  const eot = vocab['<|endoftext|>'];
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    added_tokens:
      eot === undefined
        ? []
        : [{ id: eot, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }],
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: null,
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
}

function wrap(name: string, json: object, config: object, file: string): Tokenizer {
  let hf: HfTokenizer;
  try {
    hf = new HfTokenizer(json, config);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new DataError(
      file,
      undefined,
      `cannot be used by Tokenizers.js: ${message}`,
      'use a tokenizer.json saved by Hugging Face tokenizers (BPE, WordPiece or Unigram model)',
    );
  }
  const vocabSize = hf.get_vocab(true).size;
  return {
    name,
    vocabSize,
    encode(text: string): number[] {
      return hf.encode(text, { add_special_tokens: false }).ids;
    },
    decode(ids: readonly number[]): string {
      if (ids.length === 0) return '';
      for (const id of ids) {
        if (!Number.isInteger(id) || hf.id_to_token(id) === undefined) {
          throw new OptionError(`token id ${id} is not in the ${name} vocabulary (${vocabSize} tokens)`, 'pass ids made by this tokenizer');
        }
      }
      return hf.decode([...ids], { skip_special_tokens: false, clean_up_tokenization_spaces: false });
    },
    tokenId: (token: string) => hf.token_to_id(token),
  };
}

function parseJson(input: string | object, file: string): unknown {
  if (typeof input !== 'string') return input;
  try {
    return JSON.parse(input);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const position = /at position (\d+)/.exec(message);
    const line = position ? input.slice(0, Number(position[1])).split('\n').length : undefined;
    throw new DataError(file, line, `is not valid JSON (${message})`, 'download the file again');
  }
}

function asObject(value: unknown, file: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DataError(file, undefined, 'is not a JSON object', 'download the file again');
  }
  return value as Record<string, unknown>;
}

function parseVocab(value: unknown, file: string): Record<string, number> {
  const vocab = asObject(value, file);
  for (const [token, id] of Object.entries(vocab)) {
    if (!Number.isInteger(id) || (id as number) < 0) {
      throw new DataError(
        file,
        undefined,
        `token ${JSON.stringify(token)} has id ${JSON.stringify(id)}, not a non-negative integer`,
        'use a vocab.json mapping each token to its id',
      );
    }
  }
  return vocab as Record<string, number>;
}

/**
 * Merge rules of `merges.txt`: one `left right` pair per line, after an optional `#version`
 * header; each side and their join must be tokens of `vocab` (as Hugging Face tokenizers checks).
 */
function parseMerges(text: string, file: string, vocab: Record<string, number>): Merge[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const merges: Merge[] = [];
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (index === 0 && line.startsWith('#version')) return;
    const parts = line.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new DataError(
        file,
        index + 1,
        `${JSON.stringify(line)} is not two tokens separated by one space`,
        'use the merges.txt that came with the model',
      );
    }
    for (const token of [parts[0], parts[1], parts[0] + parts[1]]) {
      if (!Object.hasOwn(vocab, token)) {
        throw new DataError(
          file,
          index + 1,
          `merge ${JSON.stringify(line)} needs token ${JSON.stringify(token)}, which vocab.json lacks`,
          'use the vocab.json and merges.txt of the same model',
        );
      }
    }
    merges.push([parts[0], parts[1]]);
  });
  return merges;
}
