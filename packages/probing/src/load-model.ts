/** Loads a Hugging Face model folder (`config.json` + `model.safetensors`) from disk (Node only). */

import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError, SafetensorsError } from '@iclkr/core';
import { readInputFile, readSafetensors } from '@iclkr/core/node';
import { checkpointConfig, modelFromCheckpoint } from './from-checkpoint.js';
import { GPT_MODEL_TYPE, loadGptCheckpoint } from './gpt/checkpoint.js';
import type { Transformer } from './model.js';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Reads `dir/config.json` and `dir/model.safetensors` and builds the model (GPT-2, Llama, or our GPT's checkpoint). */
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
  if (!(await exists(weightsPath)) && (await exists(join(dir, 'model.safetensors.index.json')))) {
    throw new SafetensorsError(
      weightsPath,
      'the checkpoint is sharded (model.safetensors.index.json), which is not supported yet',
      'merge the shards into one model.safetensors',
    );
  }
  const { tensors } = await readSafetensors(weightsPath);
  return modelFromCheckpoint(json, tensors, weightsPath, configPath);
}
