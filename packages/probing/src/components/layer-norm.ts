/** LayerNorm with weight and bias; hooks `hook_scale` and `hook_normalized` (after weight and bias). */

import { tf } from '@iclkr/core';
import type { HookPoints } from '../hooks.js';
import type { ParamReader } from '../params.js';

/** (x - mean) / sqrt(var + eps) * w + b over the last axis. */
export class LayerNorm {
  readonly w: tf.Tensor;
  readonly b: tf.Tensor;

  constructor(
    params: ParamReader,
    readonly name: string,
    dModel: number,
    readonly eps: number,
  ) {
    this.w = params.take(`${name}.w`, [dModel]);
    this.b = params.take(`${name}.b`, [dModel]);
  }

  /** Normalises x [..., d_model]. */
  forward(x: tf.Tensor, hooks: HookPoints): tf.Tensor {
    const centred = tf.sub(x, tf.mean(x, -1, true));
    const scale = hooks.fire(`${this.name}.hook_scale`, tf.sqrt(tf.add(tf.mean(tf.square(centred), -1, true), this.eps)));
    const normalized = tf.add(tf.mul(tf.div(centred, scale), this.w), this.b);
    return hooks.fire(`${this.name}.hook_normalized`, normalized);
  }
}
