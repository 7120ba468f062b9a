/** Learned positional embedding (GPT-2): row p of `pos_embed.W_pos`; hook `hook_pos_embed`. */

import type { tf } from '@iclkr/core';
import type { HookPoints } from '../hooks.js';
import type { ParamReader } from '../params.js';

/** Adds nothing itself: returns the position vectors [1, pos, d_model] for the caller to add. */
export class PosEmbed {
  readonly W_pos: tf.Tensor;

  constructor(params: ParamReader, nCtx: number, dModel: number) {
    this.W_pos = params.take('pos_embed.W_pos', [nCtx, dModel]);
  }

  /** Position vectors for positions 0..nPos-1, shaped to broadcast over the batch. */
  forward(nPos: number, hooks: HookPoints): tf.Tensor {
    const dModel = this.W_pos.shape[1]!;
    return hooks.fire('hook_pos_embed', this.W_pos.slice([0, 0], [nPos, dModel]).expandDims(0));
  }
}
