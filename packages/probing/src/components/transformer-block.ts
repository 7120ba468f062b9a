/**
 * Pre-norm transformer block: resid_pre -> ln1 -> attn -> resid_mid -> ln2 -> mlp -> resid_post.
 * Hooks `hook_resid_pre`, `hook_attn_out`, `hook_resid_mid`, `hook_mlp_out`, `hook_resid_post`;
 * its components fire theirs under `ln1`, `attn`, `ln2`, `mlp`. An attention-only block has no
 * ln2 and MLP (and no `hook_mlp_out`): resid_post = resid_mid. A parallel block (GPT-NeoX) reads
 * resid_pre in both branches, resid_post = resid_pre + attn(ln1(resid_pre)) + mlp(ln2(resid_pre)),
 * and, as in TransformerLens, has no resid_mid (`hook_resid_mid` does not fire).
 */

import { tf } from '@iclkr/core';
import type { ModelConfig } from '../config.js';
import type { HookPoints } from '../hooks.js';
import type { ParamReader } from '../params.js';
import { Attention } from './attention.js';
import { GatedMLP } from './gated-mlp.js';
import { LayerNorm } from './layer-norm.js';
import { MLP } from './mlp.js';
import { RMSNorm } from './rms-norm.js';
import type { RotaryEmbedding } from './rotary-embeddings.js';

/** The normalisation the configuration chooses, named `name`. */
export function makeNorm(params: ParamReader, name: string, config: ModelConfig): LayerNorm | RMSNorm {
  return config.normalization === 'layernorm'
    ? new LayerNorm(params, name, config.dModel, config.normEps)
    : new RMSNorm(params, name, config.dModel, config.normEps);
}

/** Block `layer` of a model, its components chosen by the configuration. */
export class TransformerBlock {
  readonly name: string;
  readonly ln1: LayerNorm | RMSNorm;
  readonly attn: Attention;
  /** Undefined in an attention-only block. */
  readonly ln2: LayerNorm | RMSNorm | undefined;
  /** Undefined in an attention-only block. */
  readonly mlp: MLP | GatedMLP | undefined;
  /** Attention and MLP both read resid_pre. */
  readonly parallel: boolean;

  constructor(params: ParamReader, layer: number, config: ModelConfig, rotary?: RotaryEmbedding) {
    const name = `blocks.${layer}`;
    this.name = name;
    this.ln1 = makeNorm(params, `${name}.ln1`, config);
    const { dModel, nHeads, nKvHeads, dHead, attnBias, dMlp, mlpBias } = config;
    const alibi = config.positions === 'alibi';
    const shape = { dModel, nHeads, nKvHeads, dHead, bias: attnBias, outBias: config.attnOutBias ?? attnBias, alibi };
    this.attn = new Attention(params, `${name}.attn`, shape, rotary);
    const withMlp = config.attnOnly !== true;
    this.ln2 = withMlp ? makeNorm(params, `${name}.ln2`, config) : undefined;
    this.mlp = !withMlp
      ? undefined
      : config.mlp === 'gelu'
        ? new MLP(params, `${name}.mlp`, dModel, dMlp, mlpBias, config.activation)
        : new GatedMLP(params, `${name}.mlp`, dModel, dMlp, mlpBias);
    this.parallel = config.parallelResidual === true;
  }

  /** Maps the residual stream [batch, pos, d_model] through attention and MLP. */
  forward(residPre: tf.Tensor, hooks: HookPoints): tf.Tensor {
    const pre = hooks.fire(`${this.name}.hook_resid_pre`, residPre);
    const attnOut = hooks.fire(`${this.name}.hook_attn_out`, this.attn.forward(this.ln1.forward(pre, hooks), hooks));
    if (this.parallel && this.ln2 !== undefined && this.mlp !== undefined) {
      const mlpOut = hooks.fire(`${this.name}.hook_mlp_out`, this.mlp.forward(this.ln2.forward(pre, hooks), hooks));
      // Hugging Face's order of the sum (mlp + attn) + resid, for the same float32 rounding.
      return hooks.fire(`${this.name}.hook_resid_post`, tf.add(tf.add(mlpOut, attnOut), pre));
    }
    const mid = hooks.fire(`${this.name}.hook_resid_mid`, tf.add(pre, attnOut));
    if (this.ln2 === undefined || this.mlp === undefined) return hooks.fire(`${this.name}.hook_resid_post`, mid);
    const mlpOut = hooks.fire(`${this.name}.hook_mlp_out`, this.mlp.forward(this.ln2.forward(mid, hooks), hooks));
    return hooks.fire(`${this.name}.hook_resid_post`, tf.add(mid, mlpOut));
  }
}
