/**
 * Position embeddings added to the token embedding; hook `hook_pos_embed`. Learned (GPT-2): row p
 * of `pos_embed.W_pos`. Sinusoidal (Vaswani et al.): a fixed table, no parameters.
 */

import { tf } from '@iclkr/core';
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

/** The sinusoidal table [nCtx, d]: entry (p, j) is sin (j even) or cos (j odd) of p / 10000^(2 floor(j/2) / d). */
export function sinusoidalTable(nCtx: number, dModel: number): Float32Array {
  const table = new Float32Array(nCtx * dModel);
  for (let p = 0; p < nCtx; p++) {
    for (let j = 0; j < dModel; j++) {
      const angle = p / 10000 ** ((2 * Math.floor(j / 2)) / dModel);
      table[p * dModel + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return table;
}

/** Fixed sin/cos position vectors; owns its table until `dispose()`. */
export class SinusoidalPosEmbed {
  readonly table: tf.Tensor2D;

  constructor(nCtx: number, dModel: number) {
    this.table = tf.tensor2d(sinusoidalTable(nCtx, dModel), [nCtx, dModel]);
  }

  /** Position vectors for positions 0..nPos-1, shaped to broadcast over the batch. */
  forward(nPos: number, hooks: HookPoints): tf.Tensor {
    const dModel = this.table.shape[1];
    return hooks.fire('hook_pos_embed', this.table.slice([0, 0], [nPos, dModel]).expandDims(0));
  }

  /** Frees the table. */
  dispose(): void {
    this.table.dispose();
  }
}
