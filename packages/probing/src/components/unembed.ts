/**
 * Unembedding: residual [batch, pos, d_model] to logits [batch, pos, vocab] by `unembed.W_U`, or,
 * in a tied model, by `embed.W_E` transposed (so that training updates one matrix).
 */

import { tf } from '@iclkr/core';
import { linear, type ParamReader } from '../params.js';

/** Logits = x W_U; a tied unembedding computes with W_E^T. */
export class Unembed {
  private readonly weight: tf.Tensor;
  private transposed: { of: object; W_U: tf.Tensor } | undefined;

  constructor(
    params: ParamReader,
    dModel: number,
    vocabSize: number,
    /** Use `embed.W_E` [vocab, d_model] transposed instead of a parameter of its own. */
    readonly tied = false,
  ) {
    this.weight = tied ? params.take('embed.W_E', [vocabSize, dModel]) : params.take('unembed.W_U', [dModel, vocabSize]);
  }

  /**
   * W_U [d_model, vocab], owned by the model; in a tied model W_E^T, computed when first asked
   * for and again after the embedding changes (e.g. a training step).
   */
  get W_U(): tf.Tensor {
    if (!this.tied) return this.weight;
    if (this.transposed?.of !== this.weight.dataId) {
      this.transposed?.W_U.dispose();
      this.transposed = { of: this.weight.dataId, W_U: tf.keep(tf.transpose(this.weight)) };
    }
    return this.transposed.W_U;
  }

  /**
   * Logits for every position. A tied embedding that can train (a tf.Variable) is transposed
   * inside the pass, so gradients reach W_E; a fixed one (a loaded checkpoint) uses the cached
   * W_E^T: on wasm, transposing GPT-2's [50257, 768] takes about 0.57 s, every pass.
   */
  forward(x: tf.Tensor): tf.Tensor {
    if (!this.tied) return linear(x, this.weight);
    return linear(x, this.weight instanceof tf.Variable ? tf.transpose(this.weight) : this.W_U);
  }

  /** Frees the cached W_E^T of a tied model (the parameters belong to the model). */
  dispose(): void {
    this.transposed?.W_U.dispose();
    this.transposed = undefined;
  }
}
