/** RMSNorm with weight (Llama); hooks `hook_scale` and `hook_normalized` (after the weight). */

import { tf } from '@iclkr/core';
import type { HookPoints } from '../hooks.js';
import type { ParamReader } from '../params.js';

/** x / sqrt(mean(x^2) + eps) * w over the last axis. */
export class RMSNorm {
  readonly w: tf.Tensor;

  constructor(
    params: ParamReader,
    readonly name: string,
    dModel: number,
    readonly eps: number,
  ) {
    this.w = params.take(`${name}.w`, [dModel]);
  }

  /** Normalises x [..., d_model]. */
  forward(x: tf.Tensor, hooks: HookPoints): tf.Tensor {
    const scale = hooks.fire(`${this.name}.hook_scale`, tf.sqrt(tf.add(tf.mean(tf.square(x), -1, true), this.eps)));
    return hooks.fire(`${this.name}.hook_normalized`, tf.mul(tf.div(x, scale), this.w));
  }
}
