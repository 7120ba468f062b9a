// Our GPT's forward pass against an independent float64 loop implementation (test/naive-gpt.ts),
// for every position kind, attention-only blocks and tied embeddings; attention patterns against
// the definition of causal softmax attention; ALiBi slopes against Press et al.'s published rule.
import { OptionError, tf } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { idsTensor, naiveForward, randomIds, randomParams, toNaive } from '../../test/naive-gpt.js';
import { alibiSlopes } from '../components/attention.js';
import { checkGptConfig, type GptConfig, gptModelConfig } from './config.js';
import { createGpt, gptParamSpecs } from './init.js';

const TINY: GptConfig = { vocabSize: 7, nCtx: 6, nLayers: 2, nHeads: 2, dModel: 8, dMlp: 16, positions: 'alibi', tiedEmbeddings: false };

const VARIANTS: [string, GptConfig][] = [
  ['alibi', TINY],
  ['sinusoidal', { ...TINY, positions: 'sinusoidal' }],
  ['learned', { ...TINY, positions: 'learned' }],
  ['attention-only', { ...TINY, dMlp: 0 }],
  ['tied', { ...TINY, tiedEmbeddings: true }],
  ['attention-only, tied, learned', { ...TINY, dMlp: 0, tiedEmbeddings: true, positions: 'learned' }],
];

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe.each(VARIANTS)('our GPT (%s) against the naive float64 loops', (name, config) => {
  it('gives the same logits and attention patterns (max abs diff < 1e-4)', () => {
    const params = randomParams(config, 1);
    const naive = toNaive(params);
    const model = createGpt(config, params);
    const ids = randomIds(config.vocabSize, 3, config.nCtx, 2);
    const input = idsTensor(ids);
    const patternHooks = Array.from({ length: config.nLayers }, (_, l) => `blocks.${l}.attn.hook_pattern`);
    const { logits, cache } = model.run(input, { cache: patternHooks });
    const want = naiveForward(config, naive, ids);
    const logitError = maxAbsDiff(
      logits.dataSync(),
      want.logits.flat().flatMap((l) => [...l]),
    );
    const scale = maxAbsDiff(logits.dataSync(), new Float32Array(logits.size));
    console.log(`${name}: logits max abs error ${logitError} (max |logit| ${scale})`);
    expect(scale).toBeGreaterThan(0.5);
    expect(logitError).toBeLessThan(1e-4);
    for (let l = 0; l < config.nLayers; l++) {
      const got = cache.get(patternHooks[l]!)!;
      expect(got.shape).toEqual([3, config.nHeads, config.nCtx, config.nCtx]);
      const values = got.arraySync() as number[][][][];
      want.patterns[l]!.forEach((byHead, b) =>
        byHead.forEach((rows, h) =>
          rows.forEach((row, q) => expect(maxAbsDiff(values[b]![h]![q]!.slice(0, q + 1), row)).toBeLessThan(1e-5)),
        ),
      );
    }
    tf.dispose([logits, input, ...cache.values()]);
    model.dispose();
  });
});

describe('attention patterns', () => {
  it.each(VARIANTS)('%s: rows sum to 1 and never look ahead (upper triangle exactly 0)', (_, config) => {
    const model = createGpt(config, randomParams(config, 3));
    const input = idsTensor(randomIds(config.vocabSize, 2, config.nCtx, 4));
    const { logits, cache } = model.run(input, { cache: (name) => name.endsWith('hook_pattern') });
    expect(cache.size).toBe(config.nLayers);
    for (const pattern of cache.values()) {
      for (const byHead of pattern.arraySync() as number[][][][]) {
        for (const rows of byHead) {
          rows.forEach((row, q) => {
            expect(Math.abs(row.reduce((s, x) => s + x, 0) - 1)).toBeLessThan(1e-6);
            for (let k = q + 1; k < row.length; k++) expect(row[k]).toBe(0);
          });
        }
      }
    }
    tf.dispose([logits, input, ...cache.values()]);
    model.dispose();
  });

  it('fires resid_mid and resid_post in attention-only blocks, and no MLP hooks', () => {
    const config = { ...TINY, dMlp: 0 };
    const model = createGpt(config, randomParams(config, 5));
    const input = idsTensor(randomIds(config.vocabSize, 1, 4, 6));
    const { logits, cache } = model.run(input, { cache: (name) => name.startsWith('blocks.0.') });
    const names = [...cache.keys()];
    for (const hook of ['hook_resid_pre', 'hook_attn_out', 'hook_resid_mid', 'hook_resid_post'])
      expect(names).toContain(`blocks.0.${hook}`);
    expect(names.filter((n) => n.includes('mlp') || n.includes('ln2'))).toEqual([]);
    const mid = cache.get('blocks.0.hook_resid_mid')!.dataSync();
    expect(maxAbsDiff(mid, cache.get('blocks.0.hook_resid_post')!.dataSync())).toBe(0);
    tf.dispose([logits, input, ...cache.values()]);
    model.dispose();
  });
});

describe('ALiBi slopes', () => {
  it('follow Press et al.: geometric for powers of 2, interleaved from the next power otherwise', () => {
    expect(alibiSlopes(8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((h) => 2 ** -h));
    expect(alibiSlopes(4)).toEqual([2 ** -2, 2 ** -4, 2 ** -6, 2 ** -8]);
    // n = 6: the 4 slopes of n = 4, then slopes 1 and 3 of n = 8 (the reference implementation's get_slopes).
    expect(alibiSlopes(6)).toEqual([2 ** -2, 2 ** -4, 2 ** -6, 2 ** -8, 2 ** -1, 2 ** -3]);
  });
});

describe('GPT configuration', () => {
  it('maps to a LayerNorm, gelu, biased ModelConfig', () => {
    const model = gptModelConfig({ ...TINY, dMlp: 0, tiedEmbeddings: true });
    expect(model).toMatchObject({
      normalization: 'layernorm',
      normEps: 1e-5,
      mlp: 'gelu',
      attnBias: true,
      mlpBias: true,
      dHead: 4,
      attnOnly: true,
      tiedEmbeddings: true,
    });
  });

  it('names every parameter once, without W_U when tied and without MLP parts when attention-only', () => {
    const names = gptParamSpecs({ ...TINY, dMlp: 0, tiedEmbeddings: true }).map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).not.toContain('unembed.W_U');
    expect(names.some((n) => n.includes('mlp') || n.includes('ln2'))).toBe(false);
    expect(gptParamSpecs({ ...TINY, positions: 'learned' }).map((s) => s.name)).toContain('pos_embed.W_pos');
  });

  it.each([
    [{ ...TINY, dModel: 60, nHeads: 8 }, /^gpt config: dModel 60 is not divisible by nHeads 8$/],
    [{ ...TINY, nLayers: 0 }, /nLayers must be a positive integer, got 0/],
    [{ ...TINY, dMlp: -1 }, /dMlp must be a non-negative integer/],
    [{ ...TINY, positions: 'rotary' as 'alibi' }, /positions "rotary" is not supported \(supported: alibi, sinusoidal, learned\)/],
  ])('rejects a bad configuration in one line (%#)', (config, message) => {
    let error: unknown;
    try {
      checkGptConfig(config);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(OptionError);
    expect((error as Error).message).toMatch(message);
    expect((error as OptionError).fix.length).toBeGreaterThan(0);
  });
});
