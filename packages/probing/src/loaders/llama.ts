/**
 * Llama (Hugging Face `llama`): nn.Linear weights stored [out, in] (transposed to ours), RMSNorm,
 * rotary positions in the rotate-half layout, SwiGLU, grouped-query attention; `lm_head.weight`
 * is the unembedding, tied to the embedding when absent.
 */

import { type SafetensorsTensorMap, tf } from '@iclkr/core';
import type { ModelConfig } from '../config.js';
import type { ParamMap } from '../params.js';
import { configBool, configInt, configNumber, configOneOf, type HfConfig, readWeight } from './checkpoint.js';

/** The model configuration of a Llama `config.json`. */
export function llamaConfig(config: HfConfig): ModelConfig {
  configOneOf(config, 'hidden_act', ['silu']);
  configOneOf(config, 'rope_scaling', [null]);
  const dModel = configInt(config, 'hidden_size');
  const nHeads = configInt(config, 'num_attention_heads');
  return {
    nLayers: configInt(config, 'num_hidden_layers'),
    dModel,
    nHeads,
    nKvHeads: configInt(config, 'num_key_value_heads', nHeads),
    dHead: configInt(config, 'head_dim', dModel / nHeads),
    dMlp: configInt(config, 'intermediate_size'),
    vocabSize: configInt(config, 'vocab_size'),
    nCtx: configInt(config, 'max_position_embeddings'),
    normalization: 'rmsnorm',
    normEps: configNumber(config, 'rms_norm_eps', 1e-6),
    positions: 'rotary',
    ropeTheta: configNumber(config, 'rope_theta', 10000),
    mlp: 'swiglu',
    attnBias: configBool(config, 'attention_bias', false),
    mlpBias: configBool(config, 'mlp_bias', false),
  };
}

/** Maps Llama checkpoint tensors to model parameters; every tensor's dtype and shape is checked. */
export function llamaParams(file: string, tensors: SafetensorsTensorMap, config: ModelConfig): ParamMap {
  const has = tensors instanceof Map ? (n: string) => tensors.has(n) : (n: string) => n in tensors;
  const { dModel: d, dMlp, vocabSize, nHeads, nKvHeads, dHead } = config;
  const read = (name: string, shape: number[]) => readWeight(file, tensors, name, shape);
  // nn.Linear stores [out, in]; the components compute x W with W [in, out].
  const linearT = (name: string, out: number, inn: number) => read(`${name}.weight`, [out, inn]).transpose();
  return tf.tidy(() => {
    const embed = read('model.embed_tokens.weight', [vocabSize, d]);
    const params: ParamMap = {
      'embed.W_E': embed,
      'ln_final.w': read('model.norm.weight', [d]),
      'unembed.W_U': has('lm_head.weight') ? linearT('lm_head', vocabSize, d) : embed.transpose(),
    };
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
        const biased = ours.startsWith('attn.') ? config.attnBias : config.mlpBias;
        if (biased) params[b + ours.replace('.W_', '.b_')] = read(`${m}${theirs}.bias`, [out]);
      }
      params[`${b}ln1.w`] = read(`${m}input_layernorm.weight`, [d]);
      params[`${b}ln2.w`] = read(`${m}post_attention_layernorm.weight`, [d]);
    }
    return params;
  });
}
