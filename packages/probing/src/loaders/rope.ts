/**
 * Rotary settings of a Hugging Face `config.json` in either format: transformers >= 5 writes
 * `rope_parameters` {rope_type, rope_theta, factor, partial_rotary_factor, ...}; earlier versions
 * wrote `rope_theta` beside `rope_scaling` {type or rope_type, factor, ...} (GPT-NeoX: `rotary_pct`
 * and `rotary_emb_base`). Precedence and defaults follow transformers' RotaryEmbeddingConfigMixin.
 */

import { DataError } from '@iclkr/core';
import type { RopeScaling } from '../config.js';
import type { HfConfig } from './checkpoint.js';

/** The `rope_type`s a checkpoint can have (`default` is unscaled RoPE). */
export const SUPPORTED_ROPE_TYPES = ['default', 'linear', 'dynamic', 'llama3', 'yarn'] as const;

/** What a loader puts in the model configuration for rotary positions. */
export interface RotarySettings {
  ropeTheta: number;
  /** Leading dimensions of each head that rotate: int(dHead x partial_rotary_factor). */
  rotaryDim: number;
  ropeScaling: RopeScaling | undefined;
  /** The longest input: max_position_embeddings, or factor times it with dynamic scaling (which is meant for longer inputs). */
  nCtx: number;
}

/** Defaults of a model type and the older top-level keys it may carry. */
export interface RotaryDefaults {
  theta: number;
  partialRotaryFactor: number;
  /** Top-level keys holding the base in older configs, tried in order (e.g. `rope_theta`, `rotary_emb_base`). */
  thetaKeys: readonly string[];
  /** Top-level keys holding the rotary fraction in older configs (e.g. `partial_rotary_factor`, `rotary_pct`). */
  partialKeys: readonly string[];
}

const FIX = 'use the config.json that came with the checkpoint';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A rope dictionary field (`where` names it in errors): a finite number when present, else undefined. */
function optionalNumber(config: HfConfig, dict: Json, where: string, key: string, positive = true): number | undefined {
  const value = dict[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || (positive && !(value > 0))) {
    throw new DataError(
      config.source,
      undefined,
      `"${where}.${key}" must be a ${positive ? 'positive ' : ''}number, got ${JSON.stringify(value)}`,
      FIX,
    );
  }
  return value;
}

function requiredNumber(config: HfConfig, dict: Json, where: string, key: string, type: string): number {
  const value = optionalNumber(config, dict, where, key);
  if (value === undefined) {
    throw new DataError(config.source, undefined, `"${where}.${key}" is missing (rope type ${type} needs it)`, FIX);
  }
  return value;
}

/** The first of `keys` present at the top level of the config, as a positive number. */
function topLevelNumber(config: HfConfig, keys: readonly string[]): number | undefined {
  for (const key of keys) {
    const value = optionalNumber(config, config.json, 'config', key);
    if (value !== undefined) return value;
  }
  return undefined;
}

/**
 * The rotary base, rotary dimensions, scaling and input length of a config whose heads have
 * `dHead` dimensions and which declares `maxPositions`; DataErrors name a bad or unsupported field.
 */
export function rotarySettings(config: HfConfig, dHead: number, maxPositions: number, defaults: RotaryDefaults): RotarySettings {
  for (const key of ['rope_scaling', 'rope_parameters']) {
    const value = config.json[key];
    if (value !== undefined && value !== null && !isObject(value)) {
      throw new DataError(config.source, undefined, `"${key}" must be an object or null, got ${JSON.stringify(value)}`, FIX);
    }
  }
  // transformers: rope_parameters = rope_scaling or rope_parameters.
  const scaling = config.json['rope_scaling'] as Json | null | undefined;
  const useScaling = isObject(scaling) && Object.keys(scaling).length > 0;
  const where = useScaling ? 'rope_scaling' : 'rope_parameters';
  const params: Json = (useScaling ? scaling : (config.json['rope_parameters'] as Json | null | undefined)) ?? {};
  const typeValue = params['rope_type'] ?? params['type'];
  if (typeValue === undefined && Object.values(params).some(isObject)) {
    throw new DataError(
      config.source,
      undefined,
      `"${where}" per layer type (${Object.keys(params).join(', ')}) is not supported`,
      'use a checkpoint with one rotary setting for every layer',
    );
  }
  const type = (typeValue ?? 'default') as (typeof SUPPORTED_ROPE_TYPES)[number];
  if (!(SUPPORTED_ROPE_TYPES as readonly unknown[]).includes(type)) {
    throw new DataError(
      config.source,
      undefined,
      `rope type ${JSON.stringify(type)} (${where}) is not supported (supported: ${SUPPORTED_ROPE_TYPES.join(', ')})`,
      'use a checkpoint with a supported rotary scaling',
    );
  }

  const ropeTheta = optionalNumber(config, params, where, 'rope_theta') ?? topLevelNumber(config, defaults.thetaKeys) ?? defaults.theta;
  const partial =
    optionalNumber(config, params, where, 'partial_rotary_factor') ??
    topLevelNumber(config, defaults.partialKeys) ??
    defaults.partialRotaryFactor;
  const rotaryDim = Math.floor(dHead * partial);
  if (partial > 1 || rotaryDim < 2 || rotaryDim % 2 !== 0) {
    throw new DataError(
      config.source,
      undefined,
      `partial rotary factor ${partial} gives ${rotaryDim} of ${dHead} head dimensions to rotate; ` +
        `it must give an even number from 2 to ${dHead}`,
      FIX,
    );
  }
  // transformers gives a top-level original_max_position_embeddings priority over the rope dictionary's.
  const originalMaxPositions = () =>
    topLevelNumber(config, ['original_max_position_embeddings']) ??
    optionalNumber(config, params, where, 'original_max_position_embeddings') ??
    maxPositions;
  const settings = { ropeTheta, rotaryDim, nCtx: maxPositions };
  switch (type) {
    case 'linear':
      return { ...settings, ropeScaling: { type, factor: requiredNumber(config, params, where, 'factor', type) } };
    case 'dynamic': {
      const factor = requiredNumber(config, params, where, 'factor', type);
      return {
        ...settings,
        ropeScaling: { type, factor, originalMaxPositions: maxPositions },
        nCtx: Math.max(maxPositions, Math.floor(factor * maxPositions)),
      };
    }
    case 'llama3':
      return {
        ...settings,
        ropeScaling: {
          type,
          factor: requiredNumber(config, params, where, 'factor', type),
          lowFreqFactor: requiredNumber(config, params, where, 'low_freq_factor', type),
          highFreqFactor: requiredNumber(config, params, where, 'high_freq_factor', type),
          originalMaxPositions: originalMaxPositions(),
        },
      };
    case 'yarn': {
      const original = originalMaxPositions();
      const truncate = params['truncate'];
      if (truncate !== undefined && truncate !== null && typeof truncate !== 'boolean') {
        throw new DataError(config.source, undefined, `"${where}.truncate" must be true or false, got ${JSON.stringify(truncate)}`, FIX);
      }
      const ropeScaling: Extract<RopeScaling, { type: 'yarn' }> = {
        type,
        factor: optionalNumber(config, params, where, 'factor') ?? maxPositions / original,
        originalMaxPositions: original,
      };
      const optional = [
        ['betaFast', 'beta_fast'],
        ['betaSlow', 'beta_slow'],
        ['attentionFactor', 'attention_factor'],
        ['mscale', 'mscale'],
        ['mscaleAllDim', 'mscale_all_dim'],
      ] as const;
      for (const [ours, theirs] of optional) {
        const value = optionalNumber(config, params, where, theirs, false);
        if (value !== undefined) ropeScaling[ours] = value;
      }
      if (typeof truncate === 'boolean') ropeScaling.truncate = truncate;
      return { ...settings, ropeScaling };
    }
    default:
      return { ...settings, ropeScaling: undefined };
  }
}
