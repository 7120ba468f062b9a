/** Loads a Hugging Face model folder (`config.json` + `model.safetensors`) from disk (Node only). */

import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError, SafetensorsError, type SafetensorsTensor, type SafetensorsTensorMap } from '@iclkr/core';
import { readInputFile, readSafetensors } from '@iclkr/core/node';
import { checkpointConfig, modelFromCheckpoint } from './from-checkpoint.js';
import { GPT_MODEL_TYPE } from './gpt/checkpoint.js';
import { loadGptCheckpoint } from './gpt/checkpoint-node.js';
import type { Transformer } from './model.js';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Reads `dir/config.json` and `dir/model.safetensors` (or the shards its index lists) and builds
 * the model (GPT-2, Llama, or our GPT's checkpoint).
 */
export async function loadModel(dir: string): Promise<Transformer> {
  const configPath = join(dir, 'config.json');
  const text = new TextDecoder().decode(await readInputFile(configPath));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new DataError(configPath, undefined, `is not valid JSON: ${message}`, 'download config.json again');
  }
  // Our own GPT's folders have their own reader (checked against the GPT configuration).
  if ((json as { model_type?: unknown } | null)?.model_type === GPT_MODEL_TYPE) return (await loadGptCheckpoint(dir)).model;
  // The model type is checked before the (large) weights are read.
  checkpointConfig(json, configPath);
  const weightsPath = join(dir, 'model.safetensors');
  const indexPath = join(dir, SHARD_INDEX);
  if (!(await exists(weightsPath)) && (await exists(indexPath))) {
    return modelFromCheckpoint(json, await readShards(dir, indexPath), indexPath, configPath);
  }
  const { tensors } = await readSafetensors(weightsPath);
  return modelFromCheckpoint(json, tensors, weightsPath, configPath);
}

/** The index of a sharded checkpoint: which shard file holds each tensor. */
const SHARD_INDEX = 'model.safetensors.index.json';

/** The `weight_map` of a shard index, checked: tensor name -> shard file name inside the folder. */
function weightMap(text: string, indexPath: string): Map<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DataError(
      indexPath,
      undefined,
      `is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
      'download the shard index again',
    );
  }
  const map = (json as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new DataError(
      indexPath,
      undefined,
      'has no "weight_map" object',
      'use the model.safetensors.index.json that came with the shards',
    );
  }
  const entries = Object.entries(map);
  for (const [name, file] of entries) {
    if (typeof file !== 'string' || file === '' || file.includes('/') || file.includes('\\')) {
      throw new DataError(
        indexPath,
        undefined,
        `weight_map gives tensor "${name}" the shard ${JSON.stringify(file)}, not a file name`,
        'use the shard index that came with the shards',
      );
    }
  }
  return new Map(entries as [string, string][]);
}

/**
 * Reads every shard a `model.safetensors.index.json` names (each once) into one tensor map; a
 * missing shard, or a tensor absent from the shard the index names, is a one-line error.
 */
async function readShards(dir: string, indexPath: string): Promise<SafetensorsTensorMap> {
  const map = weightMap(new TextDecoder().decode(await readInputFile(indexPath)), indexPath);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const shard of new Set(map.values())) {
    const path = join(dir, shard);
    if (!(await exists(path))) {
      throw new SafetensorsError(
        path,
        `the shard index ${SHARD_INDEX} names this shard but it is missing`,
        'download every shard the index lists into the model folder',
      );
    }
    const file = await readSafetensors(path);
    for (const [name, where] of map) {
      if (where !== shard) continue;
      const tensor = file.tensors.get(name);
      if (tensor === undefined)
        throw new SafetensorsError(
          path,
          `has no tensor "${name}", which ${SHARD_INDEX} places in it`,
          'download the shards and their index again',
        );
      tensors.set(name, tensor);
    }
  }
  return tensors;
}
