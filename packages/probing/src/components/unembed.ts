/** Unembedding: residual [batch, pos, d_model] to logits [batch, pos, vocab] by `unembed.W_U`. */

import type { tf } from '@iclkr/core';
import { linear, type ParamReader } from '../params.js';

/** Logits = x W_U; a tied model's loader passes W_E transposed as W_U. */
export class Unembed {
  readonly W_U: tf.Tensor;

  constructor(params: ParamReader, dModel: number, vocabSize: number) {
    this.W_U = params.take('unembed.W_U', [dModel, vocabSize]);
  }

  /** Logits for every position. */
  forward(x: tf.Tensor): tf.Tensor {
    return linear(x, this.W_U);
  }
}
