/** LayerNorm with weight and bias; hooks `hook_scale` and `hook_normalized` (after weight and bias). */

import { tf } from '@iclkr/core';
import type { HookPoints } from '../hooks.js';
import { layerNorm } from '../ops.js';
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
    // The scale is computed again only when its hook is kept: the fused op does not expose it.
    const scaleHook = `${this.name}.hook_scale`;
    if (hooks.wants(scaleHook)) {
      hooks.fire(scaleHook, tf.sqrt(tf.add(tf.mean(tf.square(tf.sub(x, tf.mean(x, -1, true))), -1, true), this.eps)));
    }
    return hooks.fire(`${this.name}.hook_normalized`, layerNorm(x, this.w, this.b, this.eps));
  }
}
