/**
 * Gated MLP (SwiGLU, Llama): W_out(silu(W_gate x) * (W_in x)); hooks `hook_pre` (gate
 * pre-activation), `hook_pre_linear` (the up projection) and `hook_post`.
 */

import { tf } from '@iclkr/core';
import type { HookPoints } from '../hooks.js';
import { linear, type ParamReader } from '../params.js';

/** SwiGLU MLP with parameters W_gate and W_in [d_model, d_mlp], W_out [d_mlp, d_model], optional biases. */
export class GatedMLP {
  readonly W_gate: tf.Tensor;
  readonly W_in: tf.Tensor;
  readonly W_out: tf.Tensor;
  readonly b_gate: tf.Tensor | undefined;
  readonly b_in: tf.Tensor | undefined;
  readonly b_out: tf.Tensor | undefined;

  constructor(
    params: ParamReader,
    readonly name: string,
    dModel: number,
    dMlp: number,
    bias: boolean,
  ) {
    this.W_gate = params.take(`${name}.W_gate`, [dModel, dMlp]);
    this.W_in = params.take(`${name}.W_in`, [dModel, dMlp]);
    this.W_out = params.take(`${name}.W_out`, [dMlp, dModel]);
    this.b_gate = params.maybe(bias, `${name}.b_gate`, [dMlp]);
    this.b_in = params.maybe(bias, `${name}.b_in`, [dMlp]);
    this.b_out = params.maybe(bias, `${name}.b_out`, [dModel]);
  }

  /** Maps x [batch, pos, d_model] to [batch, pos, d_model]. */
  forward(x: tf.Tensor, hooks: HookPoints): tf.Tensor {
    const pre = hooks.fire(`${this.name}.hook_pre`, linear(x, this.W_gate, this.b_gate));
    const preLinear = hooks.fire(`${this.name}.hook_pre_linear`, linear(x, this.W_in, this.b_in));
    const post = hooks.fire(`${this.name}.hook_post`, tf.mul(tf.mul(pre, tf.sigmoid(pre)), preLinear));
    return linear(post, this.W_out, this.b_out);
  }
}
