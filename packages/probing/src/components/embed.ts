/** Token embedding: ids [batch, pos] to vectors [batch, pos, d_model]; hook `hook_embed`. */

import type { tf } from '@iclkr/core';
import type { HookPoints } from '../hooks.js';
import { embeddingLookup } from '../ops.js';
import type { ParamReader } from '../params.js';

/** Looks up each token's row of `embed.W_E` [vocab, d_model]. */
export class Embed {
  readonly W_E: tf.Tensor;

  constructor(params: ParamReader, vocabSize: number, dModel: number) {
    this.W_E = params.take('embed.W_E', [vocabSize, dModel]);
  }

  /** Embeds int32 ids [batch, pos]. */
  forward(ids: tf.Tensor2D, hooks: HookPoints): tf.Tensor {
    return hooks.fire('hook_embed', embeddingLookup(this.W_E as tf.Tensor2D, ids));
  }
}
