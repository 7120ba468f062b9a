/**
 * The loaders against Hugging Face transformers (the reference implementation): tiny random
 * checkpoints of GPT-NeoX, Qwen2 and Llama with rope scaling, and what transformers 5.17 computed
 * for them (test/fixtures/README.md). Also the older config format and the one-line refusals.
 */

import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError, fromFloat32, type SafetensorsTensor, ShapeError, tf } from '@iclkr/core';
import { readSafetensors, writeSafetensors } from '@iclkr/core/node';
import { afterAll, describe, expect, it } from 'vitest';
import {
  expectNoLeaks,
  expectReference,
  hfFixture,
  maxAbsDiff,
  readReference,
  rejection,
  removeTemporaryFolders,
  temporaryFolder,
} from '../test/fixtures.js';
import { ropeFrequencies } from './components/rotary-embeddings.js';
import { loadModel } from './load-model.js';

const NAMES = [
  'gpt-neox-tiny',
  'gpt-neox-sequential-tiny',
  'qwen2-tiny',
  'llama-rope-linear-tiny',
  'llama-rope-llama3-tiny',
  'llama-rope-yarn-tiny',
  'llama-rope-dynamic-tiny',
] as const;

afterAll(removeTemporaryFolders);

/** A temp folder with fixture `name`'s weights and its config.json rewritten by `edit`. */
async function withConfig(name: string, edit: (json: Record<string, unknown>) => Record<string, unknown>): Promise<string> {
  const dir = await temporaryFolder('hf');
  await copyFile(`${hfFixture(name)}/model.safetensors`, join(dir, 'model.safetensors'));
  const json = JSON.parse(await readFile(`${hfFixture(name)}/config.json`, 'utf8'));
  await writeFile(join(dir, 'config.json'), JSON.stringify(edit(json)));
  return dir;
}

/** The config as transformers < 5 wrote it: rope_theta and rope_scaling (GPT-NeoX: rotary_pct, rotary_emb_base). */
function olderFormat(json: Record<string, unknown>): Record<string, unknown> {
  const { rope_parameters: params, ...rest } = json as { rope_parameters: Record<string, unknown> };
  const { rope_theta: theta, partial_rotary_factor: partial, rope_type: ropeType, type: _type, ...scaling } = params;
  if (json['model_type'] === 'gpt_neox') return { ...rest, rotary_pct: partial, rotary_emb_base: theta, rope_scaling: null };
  // Linear and dynamic scaling were written with `type` before `rope_type` existed.
  const typed = ropeType === 'linear' || ropeType === 'dynamic' ? { type: ropeType } : { rope_type: ropeType };
  return { ...rest, rope_theta: theta, rope_scaling: ropeType === 'default' ? null : { ...typed, ...scaling } };
}

/** Logits [batch, pos, vocab] of the model in `dir` on `ids`. */
async function logitsOf(dir: string, ids: tf.Tensor2D): Promise<Float32Array> {
  const model = await loadModel(dir);
  const { logits } = model.run(ids);
  const values = logits.dataSync() as Float32Array;
  logits.dispose();
  model.dispose();
  return values;
}

describe.each(NAMES)('%s against Hugging Face transformers', (name) => {
  it('reproduces every reference tensor', async () => {
    await expectReference(hfFixture(name), name);
  });

  it('reads the older config format (rope_theta + rope_scaling, rotary_pct + rotary_emb_base) to the same logits', async () => {
    const { ids } = await readReference(hfFixture(name));
    const older = await withConfig(name, olderFormat);
    expect(JSON.parse(await readFile(join(older, 'config.json'), 'utf8'))).not.toHaveProperty('rope_parameters');
    expect(maxAbsDiff(await logitsOf(older, ids), await logitsOf(hfFixture(name), ids))).toBe(0);
    ids.dispose();
  });
});

describe('rope scaling', () => {
  it('dynamic NTK leaves sequences up to max_position_embeddings unscaled', async () => {
    const { ids } = await readReference(hfFixture('llama-rope-dynamic-tiny'));
    const short = ids.slice([0, 0], [2, 32]) as tf.Tensor2D;
    const unscaled = await withConfig('llama-rope-dynamic-tiny', (json) => ({
      ...json,
      max_position_embeddings: 64,
      rope_parameters: { rope_type: 'default', rope_theta: 10000 },
    }));
    expect(maxAbsDiff(await logitsOf(hfFixture('llama-rope-dynamic-tiny'), short), await logitsOf(unscaled, short))).toBe(0);
    // ... and that the 40-token reference differs from unscaled RoPE (the base did change).
    const { expected } = await readReference(hfFixture('llama-rope-dynamic-tiny'));
    expect(maxAbsDiff(await logitsOf(unscaled, ids), expected.get('logits')!)).toBeGreaterThan(1e-3);
    tf.dispose([ids, short]);
  });

  it('dynamic NTK accepts factor x max_position_embeddings positions and no more', async () => {
    const model = await loadModel(hfFixture('llama-rope-dynamic-tiny'));
    expect(model.config.nCtx).toBe(64);
    const ids = tf.tensor2d(
      Int32Array.from({ length: 64 }, (_, i) => i),
      [1, 64],
      'int32',
    );
    const { logits } = model.run(ids);
    expect(logits.shape).toEqual([1, 64, 512]);
    const longer = tf.tensor2d(new Int32Array(65), [1, 65], 'int32');
    expect(() => model.run(longer)).toThrow(ShapeError);
    tf.dispose([ids, logits, longer]);
    model.dispose();
  });

  it('yarn scales cos and sin by 0.1 ln(factor) + 1', () => {
    const yarn = ropeFrequencies(16, 10000, { type: 'yarn', factor: 4, originalMaxPositions: 16 });
    expect(yarn.attentionScaling).toBeCloseTo(0.1 * Math.log(4) + 1, 12);
    expect(ropeFrequencies(16, 10000, { type: 'yarn', factor: 4, originalMaxPositions: 16, attentionFactor: 0.5 }).attentionScaling).toBe(
      0.5,
    );
  });

  it.each(['gpt-neox-tiny', 'llama-rope-dynamic-tiny'])('%s leaks no tensors over repeated forward passes', async (name) => {
    await expectNoLeaks(hfFixture(name));
  });
});

describe('checkpoint layouts', () => {
  it('reads GPT-NeoX keys without the gpt_neox. prefix, ignoring attention buffers', async () => {
    const dir = await temporaryFolder('hf');
    const { tensors } = await readSafetensors(`${hfFixture('gpt-neox-tiny')}/model.safetensors`);
    const renamed = new Map<string, SafetensorsTensor>();
    for (const [key, tensor] of tensors) renamed.set(key.replace(/^gpt_neox\./, ''), tensor);
    for (let l = 0; l < 2; l++) {
      renamed.set(`layers.${l}.attention.bias`, fromFloat32(new Float32Array(64 * 64).fill(1), 'F32', [1, 1, 64, 64]));
      renamed.set(`layers.${l}.attention.masked_bias`, fromFloat32([-1e9], 'F32', []));
      renamed.set(`layers.${l}.attention.rotary_emb.inv_freq`, fromFloat32(new Float32Array(2), 'F32', [2]));
    }
    await writeSafetensors(join(dir, 'model.safetensors'), renamed);
    await copyFile(`${hfFixture('gpt-neox-tiny')}/config.json`, join(dir, 'config.json'));
    const { ids } = await readReference(hfFixture('gpt-neox-tiny'));
    expect(maxAbsDiff(await logitsOf(dir, ids), await logitsOf(hfFixture('gpt-neox-tiny'), ids))).toBe(0);
    ids.dispose();
  });
});

describe('refusals', () => {
  it('names an unknown rope type in one line', async () => {
    const dir = await withConfig('llama-rope-linear-tiny', (json) => ({
      ...json,
      rope_parameters: { rope_type: 'longrope', rope_theta: 10000, short_factor: [1], long_factor: [1] },
    }));
    const err = await rejection(loadModel(dir));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(
      /rope type "longrope" \(rope_parameters\) is not supported \(supported: default, linear, dynamic, llama3, yarn\)$/,
    );
    expect(err.message).not.toContain('\n');
  });

  it('names an unknown rope_scaling type of an older config', async () => {
    const dir = await withConfig('llama-rope-linear-tiny', (json) => ({ ...olderFormat(json), rope_scaling: { type: 'su', factor: 2 } }));
    const err = await rejection(loadModel(dir));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(/rope type "su" \(rope_scaling\) is not supported/);
  });

  it('refuses Qwen2 with sliding-window attention in one line', async () => {
    const dir = await withConfig('qwen2-tiny', (json) => ({ ...json, use_sliding_window: true, sliding_window: 16 }));
    const err = await rejection(loadModel(dir));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(/config\.json: sliding-window attention \(use_sliding_window true\) is not supported$/);
    expect(err.message).not.toContain('\n');
  });

  it('names a missing rope factor', async () => {
    const dir = await withConfig('llama-rope-linear-tiny', (json) => ({
      ...json,
      rope_parameters: { rope_type: 'linear', rope_theta: 10000 },
    }));
    const err = await rejection(loadModel(dir));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(/"rope_parameters\.factor" is missing \(rope type linear needs it\)$/);
  });
});
