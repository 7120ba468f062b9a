/**
 * The model configuration: sizes plus the choice of components (normalisation, positions, MLP),
 * so that GPT-2, Llama and our own GPT are compositions of the same parts.
 */

import { OptionError } from '@iclkr/core';

/**
 * Rotary scaling (Hugging Face `rope_type`), as in transformers' modeling_rope_utils: `linear`
 * divides every frequency by `factor`; `dynamic` (NTK) raises the base once a sequence is longer
 * than `originalMaxPositions`; `llama3` divides low frequencies by `factor` and interpolates the
 * middle band; `yarn` blends interpolated and extrapolated frequencies and scales cos/sin by an
 * attention factor (given, from `mscale`/`mscaleAllDim`, or 0.1 ln(factor) + 1).
 */
export type RopeScaling =
  | { type: 'linear'; factor: number }
  | { type: 'dynamic'; factor: number; originalMaxPositions: number }
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositions: number }
  | {
      type: 'yarn';
      factor: number;
      originalMaxPositions: number;
      betaFast?: number;
      betaSlow?: number;
      attentionFactor?: number;
      mscale?: number;
      mscaleAllDim?: number;
      /** Round the correction range to whole dimensions (default true). */
      truncate?: boolean;
    };

/** The rotary scaling types a model configuration can have. */
export const ROPE_SCALING_TYPES = ['linear', 'dynamic', 'llama3', 'yarn'] as const;

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
  /** Leading dimensions of each head that rotate (even; default dHead); the rest pass through (GPT-NeoX). */
  rotaryDim?: number;
  /** Rotary frequency scaling (default none). */
  ropeScaling?: RopeScaling;
  /** `gelu`: W_out(act(W_in x)) MLP; `swiglu`: down(silu(gate(x)) * up(x)). */
  mlp: 'gelu' | 'swiglu';
  /** The `gelu` MLP's activation: `gelu_new` (tanh approximation, the default) or `gelu` (exact, erf). */
  activation?: 'gelu_new' | 'gelu';
  /** Biases on q/k/v and the output projection. */
  attnBias: boolean;
  /** Bias on the attention output projection (default `attnBias`); Qwen2 has q/k/v biases only. */
  attnOutBias?: boolean;
  /** Biases on the MLP's projections. */
  mlpBias: boolean;
  /** Blocks without ln2 and MLP (attention-only); `dMlp` is then 0. */
  attnOnly?: boolean;
  /** The unembedding is `embed.W_E` transposed; there is no `unembed.W_U` parameter. */
  tiedEmbeddings?: boolean;
  /** resid_post = resid_pre + attn(ln1(resid_pre)) + mlp(ln2(resid_pre)) (GPT-NeoX, GPT-J); default sequential. */
  parallelResidual?: boolean;
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
    throw new OptionError(`model config: nHeads (${config.nHeads}) is not a multiple of nKvHeads (${config.nKvHeads})`, FIX);
  }
  if (!(config.normEps > 0)) {
    throw new OptionError(`model config: normEps must be positive, got ${config.normEps}`, FIX);
  }
  if (config.positions === 'rotary') checkRotary(config);
}

function checkRotary(config: ModelConfig): void {
  const rotaryDim = config.rotaryDim ?? config.dHead;
  if (!Number.isInteger(rotaryDim) || rotaryDim < 2 || rotaryDim % 2 !== 0 || rotaryDim > config.dHead || !(config.ropeTheta > 0)) {
    throw new OptionError(
      `model config: rotary positions need an even rotaryDim in [2, dHead ${config.dHead}] ` +
        `and a positive ropeTheta (got ${rotaryDim}, ${config.ropeTheta})`,
      FIX,
    );
  }
  const scaling = config.ropeScaling;
  if (scaling === undefined) return;
  if (!(ROPE_SCALING_TYPES as readonly unknown[]).includes(scaling.type)) {
    throw new OptionError(
      `model config: ropeScaling.type ${JSON.stringify(scaling.type)} is not supported (supported: ${ROPE_SCALING_TYPES.join(', ')})`,
      FIX,
    );
  }
  const positive: [string, unknown][] = [['factor', scaling.factor]];
  if (scaling.type !== 'linear') positive.push(['originalMaxPositions', scaling.originalMaxPositions]);
  if (scaling.type === 'llama3') positive.push(['lowFreqFactor', scaling.lowFreqFactor], ['highFreqFactor', scaling.highFreqFactor]);
  for (const [key, value] of positive) {
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
      throw new OptionError(`model config: ropeScaling.${key} (${scaling.type}) must be a positive number, got ${String(value)}`, FIX);
    }
  }
  if (scaling.type === 'llama3' && !(scaling.highFreqFactor > scaling.lowFreqFactor)) {
    throw new OptionError(
      `model config: ropeScaling.highFreqFactor (${scaling.highFreqFactor}) must exceed lowFreqFactor (${scaling.lowFreqFactor})`,
      FIX,
    );
  }
}
