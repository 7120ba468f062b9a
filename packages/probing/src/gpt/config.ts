/**
 * Our own GPT's configuration: a plain object of sizes and choices, checked, and mapped onto the
 * shared ModelConfig (pre-norm LayerNorm blocks, gelu MLP, biases), so that it runs on the same
 * Transformer as GPT-2 and Llama.
 */

import { OptionError } from '@iclkr/core';
import type { ModelConfig } from '../config.js';

/** Sizes and choices of our GPT; `dMlp` 0 makes it attention-only. */
export interface GptConfig {
  vocabSize: number;
  nCtx: number;
  nLayers: number;
  nHeads: number;
  dModel: number;
  /** MLP width; 0: attention-only blocks. */
  dMlp: number;
  positions: 'alibi' | 'sinusoidal' | 'learned';
  /** Unembedding = token embedding transposed. */
  tiedEmbeddings: boolean;
}

/** The position kinds our GPT supports. */
export const GPT_POSITIONS = ['alibi', 'sinusoidal', 'learned'] as const;

const FIX = 'fix the model configuration';

/** Throws a one-line OptionError naming the first bad field of a GPT configuration. */
export function checkGptConfig(config: GptConfig): void {
  if (typeof config !== 'object' || config === null) {
    throw new OptionError(`gpt config: expected an object, got ${String(config)}`, FIX);
  }
  for (const key of ['vocabSize', 'nCtx', 'nLayers', 'nHeads', 'dModel'] as const) {
    const value = config[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new OptionError(`gpt config: ${key} must be a positive integer, got ${JSON.stringify(value)}`, FIX);
    }
  }
  if (typeof config.dMlp !== 'number' || !Number.isSafeInteger(config.dMlp) || config.dMlp < 0) {
    throw new OptionError(`gpt config: dMlp must be a non-negative integer (0: attention-only), got ${JSON.stringify(config.dMlp)}`, FIX);
  }
  if (config.dModel % config.nHeads !== 0) {
    throw new OptionError(
      `gpt config: dModel ${config.dModel} is not divisible by nHeads ${config.nHeads}`,
      `choose a dModel that is a multiple of nHeads (e.g. ${config.nHeads * Math.max(1, Math.round(config.dModel / config.nHeads))})`,
    );
  }
  if (!(GPT_POSITIONS as readonly unknown[]).includes(config.positions)) {
    throw new OptionError(
      `gpt config: positions ${JSON.stringify(config.positions)} is not supported (supported: ${GPT_POSITIONS.join(', ')})`,
      FIX,
    );
  }
  if (typeof config.tiedEmbeddings !== 'boolean') {
    throw new OptionError(`gpt config: tiedEmbeddings must be true or false, got ${JSON.stringify(config.tiedEmbeddings)}`, FIX);
  }
}

/** The ModelConfig of a GPT configuration: LayerNorm (eps 1e-5), gelu MLP, biases everywhere. */
export function gptModelConfig(config: GptConfig): ModelConfig {
  checkGptConfig(config);
  return {
    nLayers: config.nLayers,
    dModel: config.dModel,
    nHeads: config.nHeads,
    nKvHeads: config.nHeads,
    dHead: config.dModel / config.nHeads,
    dMlp: config.dMlp,
    vocabSize: config.vocabSize,
    nCtx: config.nCtx,
    normalization: 'layernorm',
    normEps: 1e-5,
    positions: config.positions,
    ropeTheta: 0,
    mlp: 'gelu',
    attnBias: true,
    mlpBias: true,
    attnOnly: config.dMlp === 0,
    tiedEmbeddings: config.tiedEmbeddings,
  };
}
