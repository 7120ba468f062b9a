/** Paths to the shared tiny GPT-2 / Llama fixtures and helpers the tests share. */

import { tf, toFloat32 } from '@iclkr/core';
import { readSafetensors } from '@iclkr/core/node';

/** The shared fixtures folder (see its README). */
export const FIXTURES = new URL('../../../../shared/fixtures/', import.meta.url).pathname;

/** The fixture folder of `name` (`gpt2-tiny`, `llama-tiny`). */
export function fixture(name: string): string {
  return `${FIXTURES}${name}`;
}

/** The reference tensors of a fixture: input ids as an int32 tensor and every other tensor's values. */
export async function readReference(name: string): Promise<{ ids: tf.Tensor2D; expected: Map<string, Float32Array> }> {
  const { tensors } = await readSafetensors(`${fixture(name)}/reference.safetensors`);
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
