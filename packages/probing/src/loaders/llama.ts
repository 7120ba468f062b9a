/**
 * Llama (Hugging Face `llama`) and Qwen2 (`qwen2`, the Llama layout with biases on q/k/v but not
 * on o_proj): nn.Linear weights stored [out, in] (transposed to ours), RMSNorm, rotary positions
 * in the rotate-half layout (with `rope_scaling` linear, dynamic, llama3 or yarn), SwiGLU,
 * grouped-query attention; `lm_head.weight` is the unembedding, tied to the embedding when
 * `tie_word_embeddings` is set or the tensor is absent.
 */

import { DataError, type SafetensorsTensorMap, tf } from '@iclkr/core';
import type { ModelConfig } from '../config.js';
import type { ParamMap } from '../params.js';
import { configBool, configInt, configNumber, configOneOf, type HfConfig, readWeight } from './checkpoint.js';
import { rotarySettings } from './rope.js';

/** The configuration fields Llama and Qwen2 share; biases are the caller's. */
function llamaLayout(config: HfConfig): Omit<ModelConfig, 'attnBias' | 'mlpBias'> {
  configOneOf(config, 'hidden_act', ['silu']);
  const dModel = configInt(config, 'hidden_size');
  const nHeads = configInt(config, 'num_attention_heads');
  const dHead = configInt(config, 'head_dim', dModel / nHeads);
  const rotary = rotarySettings(config, dHead, configInt(config, 'max_position_embeddings'), {
    theta: 10000,
    partialRotaryFactor: 1,
    thetaKeys: ['rope_theta'],
    partialKeys: ['partial_rotary_factor'],
  });
  return {
    nLayers: configInt(config, 'num_hidden_layers'),
    dModel,
    nHeads,
    nKvHeads: configInt(config, 'num_key_value_heads', nHeads),
    dHead,
    dMlp: configInt(config, 'intermediate_size'),
    vocabSize: configInt(config, 'vocab_size'),
    nCtx: rotary.nCtx,
    normalization: 'rmsnorm',
    normEps: configNumber(config, 'rms_norm_eps', 1e-6),
    positions: 'rotary',
    ropeTheta: rotary.ropeTheta,
    ...(rotary.rotaryDim === dHead ? {} : { rotaryDim: rotary.rotaryDim }),
    ...(rotary.ropeScaling === undefined ? {} : { ropeScaling: rotary.ropeScaling }),
    mlp: 'swiglu',
    tiedEmbeddings: configBool(config, 'tie_word_embeddings', false),
  };
}

/** The model configuration of a Llama `config.json`. */
export function llamaConfig(config: HfConfig): ModelConfig {
  return {
    ...llamaLayout(config),
    attnBias: configBool(config, 'attention_bias', false),
    mlpBias: configBool(config, 'mlp_bias', false),
  };
}

/** The model configuration of a Qwen2 `config.json`: biases on q/k/v only; sliding-window attention is refused. */
export function qwen2Config(config: HfConfig): ModelConfig {
  const layerTypes = config.json['layer_types'];
  const sliding = Array.isArray(layerTypes) && layerTypes.some((t) => t !== 'full_attention');
  if (configBool(config, 'use_sliding_window', false) || sliding) {
    throw new DataError(
      config.source,
      undefined,
      `sliding-window attention (${sliding ? 'layer_types' : 'use_sliding_window true'}) is not supported`,
      'use a Qwen2 checkpoint with use_sliding_window false',
    );
  }
  return { ...llamaLayout(config), attnBias: true, attnOutBias: false, mlpBias: false };
}

/** Maps Llama or Qwen2 checkpoint tensors to model parameters; every tensor's dtype and shape is checked. */
export function llamaParams(file: string, tensors: SafetensorsTensorMap, config: ModelConfig): ParamMap {
  const has = tensors instanceof Map ? (n: string) => tensors.has(n) : (n: string) => n in tensors;
  const { dModel: d, dMlp, vocabSize, nHeads, nKvHeads, dHead } = config;
  const read = (name: string, shape: number[]) => readWeight(file, tensors, name, shape);
  // nn.Linear stores [out, in]; the components compute x W with W [in, out].
  const linearT = (name: string, out: number, inn: number) => read(`${name}.weight`, [out, inn]).transpose();
  const biased = (ours: string) =>
    ours === 'attn.W_O' ? (config.attnOutBias ?? config.attnBias) : ours.startsWith('attn.') ? config.attnBias : config.mlpBias;
  return tf.tidy(() => {
    const embed = read('model.embed_tokens.weight', [vocabSize, d]);
    const params: ParamMap = {
      'embed.W_E': embed,
      'ln_final.w': read('model.norm.weight', [d]),
    };
    if (config.tiedEmbeddings !== true) {
      params['unembed.W_U'] = has('lm_head.weight') ? linearT('lm_head', vocabSize, d) : embed.transpose();
    }
    for (let l = 0; l < config.nLayers; l++) {
      const m = `model.layers.${l}.`;
      const b = `blocks.${l}.`;
      const projections: [string, string, number, number][] = [
        ['attn.W_Q', 'self_attn.q_proj', nHeads * dHead, d],
        ['attn.W_K', 'self_attn.k_proj', nKvHeads * dHead, d],
        ['attn.W_V', 'self_attn.v_proj', nKvHeads * dHead, d],
        ['attn.W_O', 'self_attn.o_proj', d, nHeads * dHead],
        ['mlp.W_gate', 'mlp.gate_proj', dMlp, d],
        ['mlp.W_in', 'mlp.up_proj', dMlp, d],
        ['mlp.W_out', 'mlp.down_proj', d, dMlp],
      ];
      for (const [ours, theirs, out, inn] of projections) {
        params[b + ours] = linearT(m + theirs, out, inn);
        if (biased(ours)) params[b + ours.replace('.W_', '.b_')] = read(`${m}${theirs}.bias`, [out]);
      }
      params[`${b}ln1.w`] = read(`${m}input_layernorm.weight`, [d]);
      params[`${b}ln2.w`] = read(`${m}post_attention_layernorm.weight`, [d]);
    }
    return params;
  });
}
