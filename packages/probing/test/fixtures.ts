/** Paths to the loader fixtures and the helpers the probing tests share. */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, toFloat32 } from '@iclkr/core';
import { readSafetensors } from '@iclkr/core/node';
import { expect } from 'vitest';
import { loadModel } from '../src/load-model.js';

/** The shared fixtures folder (see its README). */
export const FIXTURES = new URL('../../../../shared/fixtures/', import.meta.url).pathname;

/** The shared fixture folder of `name` (`gpt2-tiny`, `llama-tiny`; reference: llm.c and llama2.c). */
export function fixture(name: string): string {
  return `${FIXTURES}${name}`;
}

/** The fixture folder of `name` made with Hugging Face transformers (see test/fixtures/README.md). */
export function hfFixture(name: string): string {
  return new URL(`./fixtures/${name}`, import.meta.url).pathname;
}

/** The reference tensors in folder `dir`: input ids as an int32 tensor and every other tensor's values. */
export async function readReference(dir: string): Promise<{ ids: tf.Tensor2D; expected: Map<string, Float32Array> }> {
  const { tensors } = await readSafetensors(`${dir}/reference.safetensors`);
  const input = tensors.get('input_ids')!;
  const ids = tf.tensor2d(Int32Array.from(toFloat32(input)), input.shape as [number, number], 'int32');
  const expected = new Map<string, Float32Array>();
  for (const [key, tensor] of tensors) if (key !== 'input_ids') expected.set(key, toFloat32(tensor));
  return { ids, expected };
}

/** Largest absolute difference between two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Agreement the fixtures promise: attention probabilities 1e-5, logits and everything else 1e-4 (absolute). */
function tolerance(name: string): number {
  return name.endsWith('hook_pattern') ? 1e-5 : 1e-4;
}

/** Loads the model in fixture folder `dir` and asserts it reproduces every tensor of its reference.safetensors; logs the errors. */
export async function expectReference(dir: string, label: string): Promise<void> {
  const model = await loadModel(dir);
  const { ids, expected } = await readReference(dir);
  const { logits, cache } = model.run(ids, { cache: (hook) => expected.has(hook) });
  expect([...cache.keys()].sort()).toEqual([...expected.keys()].filter((k) => k !== 'logits').sort());
  const errors: Record<string, number> = {};
  for (const [key, want] of expected) {
    const got = key === 'logits' ? logits : cache.get(key)!;
    expect(got.size, key).toBe(want.length);
    errors[key] = maxAbsDiff(got.dataSync(), want);
  }
  console.log(`${label} max abs errors`, errors);
  for (const [key, error] of Object.entries(errors)) expect(error, key).toBeLessThan(tolerance(key));
  tf.dispose([logits, ids, ...cache.values()]);
  model.dispose();
}

/** Asserts repeated forward passes of the model in fixture folder `dir` (every hook cached) leave no tensors behind. */
export async function expectNoLeaks(dir: string): Promise<void> {
  const before = tf.memory().numTensors;
  const model = await loadModel(dir);
  const { ids } = await readReference(dir);
  const loaded = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    const { logits, cache } = model.run(ids, { cache: (hook) => hook.includes('hook_') });
    tf.dispose([logits, ...cache.values()]);
    expect(tf.memory().numTensors).toBe(loaded);
  }
  ids.dispose();
  model.dispose();
  expect(tf.memory().numTensors).toBe(before);
}

/** The error `promise` rejects with; fails the test when it resolves. */
export async function rejection<E extends Error = Error>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (err) {
    return err as E;
  }
  throw new Error('expected a rejection');
}

const temporary: string[] = [];

/** A fresh temporary folder, removed by `removeTemporaryFolders` (call it in the file's afterAll). */
export async function temporaryFolder(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `iclkr-${prefix}-`));
  temporary.push(dir);
  return dir;
}

/** Removes every folder `temporaryFolder` made. */
export async function removeTemporaryFolders(): Promise<void> {
  await Promise.all(temporary.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}
