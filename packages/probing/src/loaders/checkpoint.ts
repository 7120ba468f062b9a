/**
 * Shared pieces of the Hugging Face loaders: reading `config.json` fields and checkpoint tensors
 * (F32, F16 or BF16, computed in float32) with their names, dtypes and shapes checked.
 */

import { DataError, expectTensor, SafetensorsError, type SafetensorsTensorMap, tf, toFloat32 } from '@iclkr/core';

/** A parsed Hugging Face `config.json` and the path it came from (for error messages). */
export interface HfConfig {
  json: Record<string, unknown>;
  source: string;
}

const CONFIG_FIX = 'use the config.json that came with the checkpoint';

/** The integer field `key` (or `fallback` when absent or null); a DataError when it is not a positive integer. */
export function configInt(config: HfConfig, key: string, fallback?: number): number {
  const value = config.json[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new DataError(config.source, undefined, `"${key}" must be a positive integer, got ${JSON.stringify(value)}`, CONFIG_FIX);
  }
  return value;
}

/** The positive number field `key` (or `fallback` when absent or null). */
export function configNumber(config: HfConfig, key: string, fallback?: number): number {
  const value = config.json[key] ?? fallback;
  if (typeof value !== 'number' || !(value > 0)) {
    throw new DataError(config.source, undefined, `"${key}" must be a positive number, got ${JSON.stringify(value)}`, CONFIG_FIX);
  }
  return value;
}

/** The boolean field `key` (or `fallback` when absent or null). */
export function configBool(config: HfConfig, key: string, fallback: boolean): boolean {
  const value = config.json[key] ?? fallback;
  if (typeof value !== 'boolean') {
    throw new DataError(config.source, undefined, `"${key}" must be true or false, got ${JSON.stringify(value)}`, CONFIG_FIX);
  }
  return value;
}

/** Throws when field `key` is present and not one of `supported` (an architecture variant we do not implement). */
export function configOneOf(config: HfConfig, key: string, supported: readonly unknown[]): void {
  const value = config.json[key];
  if (value !== undefined && !supported.includes(value)) {
    throw new DataError(
      config.source,
      undefined,
      `${key} ${JSON.stringify(value)} is not supported (supported: ${supported.map((s) => JSON.stringify(s)).join(', ')})`,
      'use a checkpoint of a supported variant',
    );
  }
}

/** Float dtypes a checkpoint may store weights in. */
const FLOAT_DTYPES = ['F32', 'F16', 'BF16'] as const;

/** Checks that a weight holds only finite numbers: a NaN or infinity names the tensor and its first bad index. */
export function checkFiniteWeight(file: string, name: string, data: Float32Array): void {
  const bad = data.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) {
    throw new SafetensorsError(
      file,
      `tensor "${name}" holds ${data[bad]} at index ${bad}`,
      'the file is corrupted or the run diverged; use an earlier checkpoint',
    );
  }
}

/** Reads tensor `name` of `shape` from a checkpoint as a float32 tf tensor (finite, or a SafetensorsError naming it). */
export function readWeight(file: string, tensors: SafetensorsTensorMap, name: string, shape: readonly number[]): tf.Tensor {
  const tensor = expectTensor(file, tensors, name, { dtype: FLOAT_DTYPES, shape });
  const data = toFloat32(tensor);
  checkFiniteWeight(file, name, data);
  return tf.tensor(data, [...shape], 'float32');
}
