import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError, fromFloat32, type SafetensorsTensor, SafetensorsError, tf, toFloat32 } from '@iclkr/core';
import { readSafetensors, writeSafetensors } from '@iclkr/core/node';
import { afterAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, fixture, maxAbsDiff, readReference, rejection, removeTemporaryFolders, temporaryFolder } from '../test/fixtures.js';
import { loadModel } from './load-model.js';

afterAll(removeTemporaryFolders);

/** A temp copy of fixture `name` with its tensors (and optionally its config) rewritten. */
async function modifiedCopy(
  name: string,
  edit: (tensors: Map<string, SafetensorsTensor>) => Map<string, SafetensorsTensor>,
  config?: (json: Record<string, unknown>) => Record<string, unknown>,
): Promise<string> {
  const dir = await temporaryFolder('probing');
  const { tensors } = await readSafetensors(`${fixture(name)}/model.safetensors`);
  await writeSafetensors(join(dir, 'model.safetensors'), edit(tensors));
  if (config === undefined) await copyFile(`${fixture(name)}/config.json`, join(dir, 'config.json'));
  else {
    const json = JSON.parse(await readFile(`${fixture(name)}/config.json`, 'utf8'));
    await writeFile(join(dir, 'config.json'), JSON.stringify(config(json)));
  }
  return dir;
}

/** Logits of the model in `dir` on the fixture's reference input. */
async function logitsOf(dir: string, name: string): Promise<Float32Array> {
  const model = await loadModel(dir);
  const { ids } = await readReference(fixture(name));
  const { logits } = model.run(ids);
  const values = logits.dataSync() as Float32Array;
  tf.dispose([logits, ids]);
  model.dispose();
  return values;
}

describe('loadModel errors', () => {
  it('names a missing tensor in one line', async () => {
    const dir = await modifiedCopy('gpt2-tiny', (t) => {
      t.delete('transformer.h.1.mlp.c_fc.bias');
      return t;
    });
    const err = await rejection(loadModel(dir));
    expect(err).toBeInstanceOf(SafetensorsError);
    expect(err.message).toMatch(/"transformer\.h\.1\.mlp\.c_fc\.bias" is missing/);
    expect(err.message).not.toContain('\n');
  });

  it('names a tensor that holds NaN or infinity, in each architecture (our own format already did)', async () => {
    for (const [name, tensor] of [
      ['gpt2-tiny', 'transformer.h.0.attn.c_attn.weight'],
      ['llama-tiny', 'model.layers.1.mlp.up_proj.weight'],
    ] as const) {
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
        const dir = await modifiedCopy(name, (t) => {
          const original = t.get(tensor)!;
          const data = toFloat32(original).slice();
          data[5] = bad;
          t.set(tensor, fromFloat32(data, 'F32', original.shape));
          return t;
        });
        const err = await rejection(loadModel(dir));
        expect(err).toBeInstanceOf(SafetensorsError);
        expect(err.message).toContain(`tensor "${tensor}" holds ${bad} at index 5`);
      }
    }
  });

  it('names a misshapen tensor', async () => {
    const dir = await modifiedCopy('llama-tiny', (t) => {
      t.set('model.layers.0.self_attn.k_proj.weight', fromFloat32(new Float32Array(64 * 64), 'F32', [64, 64]));
      return t;
    });
    const err = await rejection(loadModel(dir));
    expect(err).toBeInstanceOf(SafetensorsError);
    expect(err.message).toMatch(/"model\.layers\.0\.self_attn\.k_proj\.weight" has shape \[64, 64\] but \[32, 64\]/);
  });

  it('names an unsupported model_type', async () => {
    const dir = await modifiedCopy(
      'gpt2-tiny',
      (t) => t,
      (json) => ({ ...json, model_type: 'bert' }),
    );
    const err = await rejection(loadModel(dir));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(/config\.json: model_type "bert" is not supported \(supported: gpt2, llama, qwen2, gpt_neox\)$/);
  });
});

describe('checkpoint layouts', () => {
  it('reads GPT-2 keys without the transformer. prefix, ignoring attn.bias buffers', async () => {
    const dir = await modifiedCopy('gpt2-tiny', (t) => {
      const renamed = new Map<string, SafetensorsTensor>();
      for (const [key, tensor] of t) renamed.set(key.replace(/^transformer\./, ''), tensor);
      for (let l = 0; l < 2; l++) {
        renamed.set(`h.${l}.attn.bias`, fromFloat32(new Float32Array(64 * 64).fill(1), 'F32', [1, 1, 64, 64]));
        renamed.set(`h.${l}.attn.masked_bias`, fromFloat32([-1e4], 'F32', []));
      }
      return renamed;
    });
    expect(maxAbsDiff(await logitsOf(dir, 'gpt2-tiny'), await logitsOf(fixture('gpt2-tiny'), 'gpt2-tiny'))).toBe(0);
  });

  it.each([
    ['gpt2-tiny', 'F16'],
    ['llama-tiny', 'F16'],
    ['llama-tiny', 'BF16'],
  ] as const)('computes %s stored as %s in float32', async (name, dtype) => {
    const convert = (roundTrip: boolean) => (t: Map<string, SafetensorsTensor>) => {
      const converted = new Map<string, SafetensorsTensor>();
      for (const [key, tensor] of t) {
        const narrow = fromFloat32(toFloat32(tensor), dtype, [...tensor.shape]);
        converted.set(key, roundTrip ? fromFloat32(toFloat32(narrow), 'F32', [...tensor.shape]) : narrow);
      }
      return converted;
    };
    const got = await logitsOf(await modifiedCopy(name, convert(false)), name);
    // The same rounded weights stored as F32: decoding F16/BF16 to float32 must be exact.
    expect(maxAbsDiff(got, await logitsOf(await modifiedCopy(name, convert(true)), name))).toBe(0);
    const { expected } = await readReference(fixture(name));
    const want = expected.get('logits')!;
    const scale = maxAbsDiff(want, new Float32Array(want.length));
    const error = maxAbsDiff(got, want);
    console.log(`${name} ${dtype} logits max abs error ${error} (max |logit| ${scale})`);
    // Rounding the weights to 11 (F16) or 8 (BF16) significant bits moves the logits by about that relative amount.
    expect(error / scale).toBeLessThan(dtype === 'F16' ? 1e-2 : 5e-2);
  });

  it('ties a Llama unembedding to the embedding when lm_head.weight is absent', async () => {
    const dir = await modifiedCopy('llama-tiny', (t) => {
      t.delete('lm_head.weight');
      return t;
    });
    const model = await loadModel(dir);
    const same = tf.tidy(() => tf.max(tf.abs(tf.sub(model.unembed.W_U, model.embed.W_E.transpose()))).dataSync()[0]);
    expect(same).toBe(0);
    model.dispose();
  });
});

describe('Transformer.run', () => {
  it('gives grouped-query keys and values their own head count', async () => {
    const model = await loadModel(fixture('llama-tiny'));
    const { ids } = await readReference(fixture('llama-tiny'));
    const { logits, cache } = model.run(ids, { cache: ['blocks.0.attn.hook_q', 'blocks.0.attn.hook_k', 'blocks.0.attn.hook_v'] });
    expect(cache.get('blocks.0.attn.hook_q')!.shape).toEqual([2, 24, 4, 16]);
    expect(cache.get('blocks.0.attn.hook_k')!.shape).toEqual([2, 24, 2, 16]);
    expect(cache.get('blocks.0.attn.hook_v')!.shape).toEqual([2, 24, 2, 16]);
    expect(logits.shape).toEqual([2, 24, 512]);
    tf.dispose([logits, ids, ...cache.values()]);
    model.dispose();
  });

  it.each(['gpt2-tiny', 'llama-tiny'])('%s leaks no tensors over repeated forward passes', async (name) => {
    await expectNoLeaks(fixture(name));
  });
});
