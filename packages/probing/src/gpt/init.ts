/**
 * Our GPT's parameters: their names (TransformerLens) and shapes for a configuration, GPT-2 style
 * random initialisation from the seeded generator, and the model built from them.
 */

import { type Rng, tf } from '@iclkr/core';
import { Transformer } from '../model.js';
import type { ParamMap } from '../params.js';
import { type GptConfig, gptModelConfig } from './config.js';

/** How a parameter starts: normal(0, 0.02), normal(0, 0.02 / sqrt(2 nLayers)) (output projections), ones, zeros. */
export type GptInit = 'normal' | 'output' | 'ones' | 'zeros';

/** One parameter of a GPT: TransformerLens name, shape and initialisation. */
export interface GptParamSpec {
  name: string;
  shape: number[];
  init: GptInit;
}

/** Every parameter a configuration needs, in a fixed order (the order initialisation draws in). */
export function gptParamSpecs(config: GptConfig): GptParamSpec[] {
  const { vocabSize: v, nCtx, nLayers, dModel: d, dMlp, positions, tiedEmbeddings } = gptModelConfig(config);
  const specs: GptParamSpec[] = [{ name: 'embed.W_E', shape: [v, d], init: 'normal' }];
  if (positions === 'learned') specs.push({ name: 'pos_embed.W_pos', shape: [nCtx, d], init: 'normal' });
  const norm = (name: string) => {
    specs.push({ name: `${name}.w`, shape: [d], init: 'ones' }, { name: `${name}.b`, shape: [d], init: 'zeros' });
  };
  for (let l = 0; l < nLayers; l++) {
    const b = `blocks.${l}`;
    norm(`${b}.ln1`);
    for (const x of ['Q', 'K', 'V']) specs.push({ name: `${b}.attn.W_${x}`, shape: [d, d], init: 'normal' });
    specs.push({ name: `${b}.attn.W_O`, shape: [d, d], init: 'output' });
    for (const x of ['Q', 'K', 'V', 'O']) specs.push({ name: `${b}.attn.b_${x}`, shape: [d], init: 'zeros' });
    if (dMlp > 0) {
      norm(`${b}.ln2`);
      specs.push(
        { name: `${b}.mlp.W_in`, shape: [d, dMlp], init: 'normal' },
        { name: `${b}.mlp.b_in`, shape: [dMlp], init: 'zeros' },
        { name: `${b}.mlp.W_out`, shape: [dMlp, d], init: 'output' },
        { name: `${b}.mlp.b_out`, shape: [d], init: 'zeros' },
      );
    }
  }
  norm('ln_final');
  if (!tiedEmbeddings) specs.push({ name: 'unembed.W_U', shape: [d, v], init: 'normal' });
  return specs;
}

/** Trainable variables from float32 values by name (each array's length must match its shape). */
export function gptVariables(config: GptConfig, values: (spec: GptParamSpec) => Float32Array): ParamMap {
  const params: ParamMap = {};
  for (const spec of gptParamSpecs(config)) {
    const initial = tf.tensor(values(spec), spec.shape, 'float32');
    // The variable shares the tensor's data, so the tensor itself can go.
    params[spec.name] = tf.variable(initial, true);
    initial.dispose();
  }
  return params;
}

/**
 * GPT-2 style initial parameters as trainable tf.Variables: weights normal(0, 0.02), the output
 * projections W_O and W_out normal(0, 0.02 / sqrt(2 nLayers)), LayerNorm weights 1, biases 0.
 * Every draw comes from `rng`, in the order of gptParamSpecs.
 */
export function initGptParams(config: GptConfig, rng: Rng): ParamMap {
  const outputStd = 0.02 / Math.sqrt(2 * config.nLayers);
  return gptVariables(config, ({ shape, init }) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (init === 'ones') data.fill(1);
    else if (init !== 'zeros') {
      const std = init === 'normal' ? 0.02 : outputStd;
      for (let i = 0; i < data.length; i++) data[i] = std * rng.normal();
    }
    return data;
  });
}

/** The Transformer of a GPT configuration; it takes the parameters over (disposing the model disposes them). */
export function createGpt(config: GptConfig, params: ParamMap): Transformer {
  return new Transformer(gptModelConfig(config), params);
}
