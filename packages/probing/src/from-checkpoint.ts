/** A model from a Hugging Face `config.json` object and its safetensors tensors (browser-safe). */

import { DataError, type SafetensorsTensorMap } from '@iclkr/core';
import type { HfConfig } from './loaders/checkpoint.js';
import { gpt2Config, gpt2Params } from './loaders/gpt2.js';
import { gptNeoxConfig, gptNeoxParams } from './loaders/gpt-neox.js';
import { llamaConfig, llamaParams, qwen2Config } from './loaders/llama.js';
import { Transformer } from './model.js';

/** The Hugging Face `model_type`s a checkpoint can have. */
export const SUPPORTED_MODEL_TYPES = ['gpt2', 'llama', 'qwen2', 'gpt_neox'] as const;

/** The checkpoint's parsed config, after checking it is an object of a supported `model_type`. */
export function checkpointConfig(configJson: unknown, configSource = 'config.json'): HfConfig {
  if (typeof configJson !== 'object' || configJson === null || Array.isArray(configJson)) {
    throw new DataError(configSource, undefined, 'is not a JSON object', 'use the config.json that came with the checkpoint');
  }
  const modelType = (configJson as Record<string, unknown>)['model_type'];
  if (!(SUPPORTED_MODEL_TYPES as readonly unknown[]).includes(modelType)) {
    throw new DataError(
      configSource,
      undefined,
      `model_type ${JSON.stringify(modelType)} is not supported (supported: ${SUPPORTED_MODEL_TYPES.join(', ')})`,
      'use a GPT-2, Llama, Qwen2 or GPT-NeoX (Pythia) checkpoint',
    );
  }
  return { json: configJson as Record<string, unknown>, source: configSource };
}

/**
 * Builds the model `configJson` describes from `tensors` (read from `weightsFile`, named in
 * errors); `configSource` names the config in errors. Unsupported `model_type`s raise a DataError.
 */
export function modelFromCheckpoint(
  configJson: unknown,
  tensors: SafetensorsTensorMap,
  weightsFile: string,
  configSource = 'config.json',
): Transformer {
  const config = checkpointConfig(configJson, configSource);
  switch (config.json['model_type']) {
    case 'gpt2': {
      const modelConfig = gpt2Config(config);
      return new Transformer(modelConfig, gpt2Params(weightsFile, tensors, modelConfig));
    }
    case 'gpt_neox': {
      const modelConfig = gptNeoxConfig(config);
      return new Transformer(modelConfig, gptNeoxParams(weightsFile, tensors, modelConfig));
    }
    case 'qwen2': {
      const modelConfig = qwen2Config(config);
      return new Transformer(modelConfig, llamaParams(weightsFile, tensors, modelConfig));
    }
    default: {
      const modelConfig = llamaConfig(config);
      return new Transformer(modelConfig, llamaParams(weightsFile, tensors, modelConfig));
    }
  }
}
