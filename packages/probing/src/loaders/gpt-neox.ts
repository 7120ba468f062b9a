/**
 * GPT-NeoX (Hugging Face `gpt_neox`, the Pythia models): nn.Linear weights stored [out, in]
 * (transposed to ours), the fused `attention.query_key_value` laid out per head as [heads, 3,
 * d_head] and split into W_Q/W_K/W_V, rotary positions on the first `rotary_pct` of each head,
 * LayerNorm with biases, exact (erf) gelu, parallel or sequential residual, untied `embed_out`.
 * Keys with or without the `gpt_neox.` prefix; buffers (attention.bias, masked_bias, inv_freq) are ignored.
 */

import { type SafetensorsTensorMap, tf } from '@iclkr/core';
import type { ModelConfig } from '../config.js';
import type { ParamMap } from '../params.js';
import { configBool, configInt, configNumber, configOneOf, type HfConfig, readWeight } from './checkpoint.js';
import { rotarySettings } from './rope.js';

/** The `hidden_act`s a GPT-NeoX MLP can have, as ours: `gelu` is exact, the others the tanh approximation. */
const ACTIVATIONS = { gelu: 'gelu', gelu_new: 'gelu_new', gelu_pytorch_tanh: 'gelu_new' } as const;

/** The model configuration of a GPT-NeoX `config.json`. */
export function gptNeoxConfig(config: HfConfig): ModelConfig {
  configOneOf(config, 'hidden_act', Object.keys(ACTIVATIONS));
  const act = (config.json['hidden_act'] ?? 'gelu') as keyof typeof ACTIVATIONS;
  const dModel = configInt(config, 'hidden_size');
  const nHeads = configInt(config, 'num_attention_heads');
  const dHead = dModel / nHeads;
  const rotary = rotarySettings(config, dHead, configInt(config, 'max_position_embeddings'), {
    theta: 10000,
    partialRotaryFactor: 0.25,
    thetaKeys: ['rope_theta', 'rotary_emb_base'],
    partialKeys: ['partial_rotary_factor', 'rotary_pct'],
  });
  const bias = configBool(config, 'attention_bias', true);
  return {
    nLayers: configInt(config, 'num_hidden_layers'),
    dModel,
    nHeads,
    nKvHeads: nHeads,
    dHead,
    dMlp: configInt(config, 'intermediate_size'),
    vocabSize: configInt(config, 'vocab_size'),
    nCtx: rotary.nCtx,
    normalization: 'layernorm',
    normEps: configNumber(config, 'layer_norm_eps', 1e-5),
    positions: 'rotary',
    ropeTheta: rotary.ropeTheta,
    ...(rotary.rotaryDim === dHead ? {} : { rotaryDim: rotary.rotaryDim }),
    ...(rotary.ropeScaling === undefined ? {} : { ropeScaling: rotary.ropeScaling }),
    mlp: 'gelu',
    activation: ACTIVATIONS[act],
    attnBias: bias,
    // The MLP's projections always have biases in Hugging Face's GPT-NeoX.
    mlpBias: true,
    tiedEmbeddings: configBool(config, 'tie_word_embeddings', false),
    parallelResidual: configBool(config, 'use_parallel_residual', true),
  };
}

/** Maps GPT-NeoX checkpoint tensors to model parameters; every tensor's dtype and shape is checked. */
export function gptNeoxParams(file: string, tensors: SafetensorsTensorMap, config: ModelConfig): ParamMap {
  const has = tensors instanceof Map ? (n: string) => tensors.has(n) : (n: string) => n in tensors;
  const prefix = has('gpt_neox.embed_in.weight') ? 'gpt_neox.' : '';
  const { dModel: d, dMlp, vocabSize, nHeads, dHead } = config;
  const read = (name: string, shape: number[]) => readWeight(file, tensors, name, shape);
  const linearT = (name: string, out: number, inn: number) => read(`${name}.weight`, [out, inn]).transpose();
  return tf.tidy(() => {
    const params: ParamMap = {
      'embed.W_E': read(`${prefix}embed_in.weight`, [vocabSize, d]),
      'ln_final.w': read(`${prefix}final_layer_norm.weight`, [d]),
      'ln_final.b': read(`${prefix}final_layer_norm.bias`, [d]),
    };
    if (config.tiedEmbeddings !== true) params['unembed.W_U'] = linearT('embed_out', vocabSize, d);
    for (let l = 0; l < config.nLayers; l++) {
      const m = `${prefix}layers.${l}.`;
      const b = `blocks.${l}.`;
      // Output unit (h, j, i) of query_key_value is dimension i of head h's query (j 0), key (1) or value (2).
      const qkv = read(`${m}attention.query_key_value.weight`, [3 * d, d]).reshape([nHeads, 3, dHead, d]);
      const [wq, wk, wv] = tf.split(qkv, 3, 1).map((w) => w.reshape([d, d]).transpose());
      Object.assign(params, {
        [`${b}ln1.w`]: read(`${m}input_layernorm.weight`, [d]),
        [`${b}ln1.b`]: read(`${m}input_layernorm.bias`, [d]),
        [`${b}attn.W_Q`]: wq,
        [`${b}attn.W_K`]: wk,
        [`${b}attn.W_V`]: wv,
        [`${b}attn.W_O`]: linearT(`${m}attention.dense`, d, d),
        [`${b}ln2.w`]: read(`${m}post_attention_layernorm.weight`, [d]),
        [`${b}ln2.b`]: read(`${m}post_attention_layernorm.bias`, [d]),
        [`${b}mlp.W_in`]: linearT(`${m}mlp.dense_h_to_4h`, dMlp, d),
        [`${b}mlp.b_in`]: read(`${m}mlp.dense_h_to_4h.bias`, [dMlp]),
        [`${b}mlp.W_out`]: linearT(`${m}mlp.dense_4h_to_h`, d, dMlp),
        [`${b}mlp.b_out`]: read(`${m}mlp.dense_4h_to_h.bias`, [d]),
      });
      if (config.attnBias) {
        // Split a 1-D [q | k | v] so each bias owns 1-D data: the wasm backend's fused matMul reads a
        // bias's rank from its data, so a reshaped slice of [heads, 3, d_head] is refused as rank 3.
        const qkvBias = read(`${m}attention.query_key_value.bias`, [3 * d])
          .reshape([nHeads, 3, dHead])
          .transpose([1, 0, 2])
          .reshape([3 * d]);
        const [bq, bk, bv] = tf.split(qkvBias, 3, 0);
        Object.assign(params, {
          [`${b}attn.b_Q`]: bq!,
          [`${b}attn.b_K`]: bk!,
          [`${b}attn.b_V`]: bv!,
          [`${b}attn.b_O`]: read(`${m}attention.dense.bias`, [d]),
        });
      }
    }
    return params;
  });
}
