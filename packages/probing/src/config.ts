/**
 * The model configuration: sizes plus the choice of components (normalisation, positions, MLP),
 * so that GPT-2, Llama and our own GPT are compositions of the same parts.
 */

import { OptionError } from '@iclkr/core';

/** Sizes and component choices of a decoder-only transformer. */
export interface ModelConfig {
  nLayers: number;
  dModel: number;
  nHeads: number;
  /** Key/value heads; fewer than `nHeads` (and dividing it) gives grouped-query attention. */
  nKvHeads: number;
  dHead: number;
  dMlp: number;
  vocabSize: number;
  /** Longest sequence the model accepts. */
  nCtx: number;
  normalization: 'layernorm' | 'rmsnorm';
  normEps: number;
  /**
   * `learned`: `pos_embed.W_pos`; `rotary`: rotated queries and keys; `alibi`: no embedding, each
   * head's scores get -slope_h (q - k) (Press et al.); `sinusoidal`: a fixed sin/cos table (Vaswani).
   */
  positions: 'learned' | 'rotary' | 'alibi' | 'sinusoidal';
  /** Rotary base (Hugging Face `rope_theta`); used when `positions` is `rotary`. */
  ropeTheta: number;
  /** `gelu`: gelu_new (tanh approximation) MLP; `swiglu`: down(silu(gate(x)) * up(x)). */
  mlp: 'gelu' | 'swiglu';
  /** Biases on q/k/v and the output projection. */
  attnBias: boolean;
  /** Biases on the MLP's projections. */
  mlpBias: boolean;
  /** Blocks without ln2 and MLP (attention-only); `dMlp` is then 0. */
  attnOnly?: boolean;
  /** The unembedding is `embed.W_E` transposed; there is no `unembed.W_U` parameter. */
  tiedEmbeddings?: boolean;
}

const FIX = 'fix the model configuration';

function positiveInteger(config: ModelConfig, key: keyof ModelConfig): void {
  const value = config[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new OptionError(`model config: ${key} must be a positive integer, got ${String(value)}`, FIX);
  }
}

/** Checks a configuration's sizes and choices; throws an OptionError naming the first bad field. */
export function checkModelConfig(config: ModelConfig): void {
  for (const key of ['nLayers', 'dModel', 'nHeads', 'nKvHeads', 'dHead', 'vocabSize', 'nCtx'] as const) {
    positiveInteger(config, key);
  }
  if (config.attnOnly === true) {
    if (config.dMlp !== 0) {
      throw new OptionError(`model config: an attention-only model has dMlp 0, got ${config.dMlp}`, FIX);
    }
  } else {
    positiveInteger(config, 'dMlp');
  }
  if (config.nHeads % config.nKvHeads !== 0) {
    throw new OptionError(
      `model config: nHeads (${config.nHeads}) is not a multiple of nKvHeads (${config.nKvHeads})`,
      FIX,
    );
  }
  if (!(config.normEps > 0)) {
    throw new OptionError(`model config: normEps must be positive, got ${config.normEps}`, FIX);
  }
  if (config.positions === 'rotary' && (config.dHead % 2 !== 0 || !(config.ropeTheta > 0))) {
    throw new OptionError(
      `model config: rotary positions need an even dHead and a positive ropeTheta (got ${config.dHead}, ${config.ropeTheta})`,
      FIX,
    );
  }
}
