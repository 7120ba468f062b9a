/**
 * Two-layer MLP: W_out(act(W_in x + b_in)) + b_out, act gelu_new (GPT-2, the default) or the
 * exact erf gelu (GPT-NeoX); hooks `hook_pre` and `hook_post`.
 */

import type { tf } from '@iclkr/core';
import type { HookPoints } from '../hooks.js';
import { gelu, geluExact } from '../ops.js';
import { linear, type ParamReader } from '../params.js';

/** gelu_new, the tanh approximation GPT-2 uses: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (see ops.gelu). */
export function geluNew(x: tf.Tensor): tf.Tensor {
  return gelu(x);
}

/** Two-layer MLP with parameters W_in [d_model, d_mlp], W_out [d_mlp, d_model] and optional biases. */
export class MLP {
  readonly W_in: tf.Tensor;
  readonly W_out: tf.Tensor;
  readonly b_in: tf.Tensor | undefined;
  readonly b_out: tf.Tensor | undefined;

  constructor(
    params: ParamReader,
    readonly name: string,
    dModel: number,
    dMlp: number,
    bias: boolean,
    /** `gelu_new` (tanh approximation) or `gelu` (exact, erf). */
    readonly activation: 'gelu_new' | 'gelu' = 'gelu_new',
  ) {
    this.W_in = params.take(`${name}.W_in`, [dModel, dMlp]);
    this.W_out = params.take(`${name}.W_out`, [dMlp, dModel]);
    this.b_in = params.maybe(bias, `${name}.b_in`, [dMlp]);
    this.b_out = params.maybe(bias, `${name}.b_out`, [dModel]);
  }

  /** Maps x [batch, pos, d_model] to [batch, pos, d_model]. */
  forward(x: tf.Tensor, hooks: HookPoints): tf.Tensor {
    const pre = hooks.fire(`${this.name}.hook_pre`, linear(x, this.W_in, this.b_in));
    const post = hooks.fire(`${this.name}.hook_post`, this.activation === 'gelu' ? geluExact(pre) : geluNew(pre));
    return linear(post, this.W_out, this.b_out);
  }
}
