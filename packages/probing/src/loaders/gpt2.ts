/**
 * GPT-2 (Hugging Face `gpt2`): Conv1D weights stored [in, out] (our layout), fused c_attn split
 * into W_Q/W_K/W_V, keys with or without the `transformer.` prefix, `attn.bias` and
 * `attn.masked_bias` buffers ignored, unembedding tied to wte (no W_E^T is stored: the
 * unembedding multiplies by blocks of it).
 */

import { type SafetensorsTensorMap, tf } from '@iclkr/core';
import type { ModelConfig } from '../config.js';
import type { ParamMap } from '../params.js';
import { configInt, configNumber, configOneOf, type HfConfig, readWeight } from './checkpoint.js';

/** The model configuration of a GPT-2 `config.json`. */
export function gpt2Config(config: HfConfig): ModelConfig {
  configOneOf(config, 'activation_function', ['gelu_new']);
  const dModel = configInt(config, 'n_embd');
  const nHeads = configInt(config, 'n_head');
  return {
    nLayers: configInt(config, 'n_layer'),
    dModel,
    nHeads,
    nKvHeads: nHeads,
    dHead: dModel / nHeads,
    dMlp: configInt(config, 'n_inner', 4 * dModel),
    vocabSize: configInt(config, 'vocab_size'),
    nCtx: configInt(config, 'n_positions'),
    normalization: 'layernorm',
    normEps: configNumber(config, 'layer_norm_epsilon', 1e-5),
    positions: 'learned',
    ropeTheta: 0,
    mlp: 'gelu',
    attnBias: true,
    mlpBias: true,
    tiedEmbeddings: true,
  };
}

/** Maps GPT-2 checkpoint tensors to model parameters; every tensor's dtype and shape is checked. */
export function gpt2Params(file: string, tensors: SafetensorsTensorMap, config: ModelConfig): ParamMap {
  const has = tensors instanceof Map ? (n: string) => tensors.has(n) : (n: string) => n in tensors;
  const prefix = has('transformer.wte.weight') ? 'transformer.' : '';
  const { dModel: d, dMlp, vocabSize, nCtx } = config;
  const read = (name: string, shape: number[]) => readWeight(file, tensors, prefix + name, shape);
  return tf.tidy(() => {
    const wte = read('wte.weight', [vocabSize, d]);
    const params: ParamMap = {
      'embed.W_E': wte,
      'pos_embed.W_pos': read('wpe.weight', [nCtx, d]),
      'ln_final.w': read('ln_f.weight', [d]),
      'ln_final.b': read('ln_f.bias', [d]),
    };
    for (let l = 0; l < config.nLayers; l++) {
      const h = `h.${l}.`;
      const b = `blocks.${l}.`;
      const [wq, wk, wv] = tf.split(read(`${h}attn.c_attn.weight`, [d, 3 * d]), 3, 1);
      const [bq, bk, bv] = tf.split(read(`${h}attn.c_attn.bias`, [3 * d]), 3, 0);
      Object.assign(params, {
        [`${b}ln1.w`]: read(`${h}ln_1.weight`, [d]),
        [`${b}ln1.b`]: read(`${h}ln_1.bias`, [d]),
        [`${b}attn.W_Q`]: wq,
        [`${b}attn.W_K`]: wk,
        [`${b}attn.W_V`]: wv,
        [`${b}attn.b_Q`]: bq,
        [`${b}attn.b_K`]: bk,
        [`${b}attn.b_V`]: bv,
        [`${b}attn.W_O`]: read(`${h}attn.c_proj.weight`, [d, d]),
        [`${b}attn.b_O`]: read(`${h}attn.c_proj.bias`, [d]),
        [`${b}ln2.w`]: read(`${h}ln_2.weight`, [d]),
        [`${b}ln2.b`]: read(`${h}ln_2.bias`, [d]),
        [`${b}mlp.W_in`]: read(`${h}mlp.c_fc.weight`, [d, dMlp]),
        [`${b}mlp.b_in`]: read(`${h}mlp.c_fc.bias`, [dMlp]),
        [`${b}mlp.W_out`]: read(`${h}mlp.c_proj.weight`, [dMlp, d]),
        [`${b}mlp.b_out`]: read(`${h}mlp.c_proj.bias`, [d]),
      });
    }
    return params;
  });
}
