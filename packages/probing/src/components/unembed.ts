/**
 * Unembedding: residual [batch, pos, d_model] to logits [batch, pos, vocab] by `unembed.W_U`, or,
 * in a tied model, by `embed.W_E` transposed (so that training updates one matrix).
 */

import { tf } from '@iclkr/core';
import { gemm, gemmRuns } from '../matmul-kernel.js';
import { customOp, transpose2d } from '../ops.js';
import { linear, type ParamReader } from '../params.js';
import { defineWasmKernel, runWasmKernel, wasmKernelsRun } from '../wasm-kernels.js';

/**
 * A fixed unembedding multiplies with the vocabulary on the left: logits^T = W_E x^T. XNNPACK's
 * product (tfjs-wasm) packs its right operand and streams it once per 4-row strip of the left
 * one, so x W_U read GPT-2's 154 MB W_U from memory 128 times in a 512-token pass (18 GFLOP/s,
 * against 34-37 for W_E x^T, whose packed x^T stays in cache). The same products are summed in
 * the same order (bit-identical logits), and neither W_U nor XNNPACK's packed copy of it is kept.
 * Our gemm (matmul-kernel.ts) takes the same side: x W_U would pack all of W_U per pass, W_E x_c^T
 * packs a piece of x. Weights that fit in cache (below VOCAB_ON_LEFT values) keep the plain product.
 */
const VOCAB_ON_LEFT = 2 ** 20;
/** Rows are padded to a multiple of this, so that the logits' transpose takes transpose2d's block path. */
const ROW_MULTIPLE = 16;
/**
 * Positions per product where the wasm kernels run: each W x_c^T [vocab, 256] (51 MB for GPT-2) is
 * written transposed into the logits in place, so the pass holds the logits and one piece, not
 * two copies of the logits (412 MB at 1,024 positions).
 */
const CHUNK_ROWS = 256;

defineWasmKernel('IclkrTransposeInto', (call, { piece, out }, { row0, rows }: { row0: number; rows: number }) => {
  const [vocab, n] = piece!.shape as [number, number];
  // The first piece makes the logits [rows, vocab]; later ones write into them.
  const logits = out ?? call.output([rows, vocab]);
  call.exports.transpose_into!(call.at(piece!), call.at(logits) + 4 * row0 * vocab, vocab, n, 4 * vocab);
  return call.done([out === undefined ? logits : call.alias(out)]);
});

/** Logits = x W_U; a tied unembedding computes with W_E^T. */
export class Unembed {
  private readonly weight: tf.Tensor;
  private transposed: { of: object; W_U: tf.Tensor } | undefined;
  private vocabRows: { of: object; W: tf.Tensor2D } | undefined;

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
   * Logits for every position. A tied embedding that can train (a tf.Variable), or a small one, is
   * transposed inside the pass, so gradients reach W_E; a large fixed weight (a loaded checkpoint)
   * computes (W_E x^T)^T (see VOCAB_ON_LEFT), with W_E, or an untied W_U^T made once: in pieces of
   * CHUNK_ROWS positions where the wasm kernels run, else through transpose2d's blocks.
   */
  forward(x: tf.Tensor): tf.Tensor {
    if (this.weight instanceof tf.Variable || this.weight.size < VOCAB_ON_LEFT) {
      return linear(x, this.tied ? transpose2d(this.weight) : this.weight);
    }
    const d = x.shape[x.shape.length - 1]!;
    const rows = x.size / d;
    const w = this.vocabByRows();
    if (wasmKernelsRun()) return logitsInPieces(x.reshape([rows, d]) as tf.Tensor2D, w).reshape([...x.shape.slice(0, -1), w.shape[0]]);
    const padded = Math.ceil(rows / ROW_MULTIPLE) * ROW_MULTIPLE;
    let flat = x.reshape([rows, d]);
    if (padded !== rows)
      flat = tf.pad(flat, [
        [0, padded - rows],
        [0, 0],
      ]);
    const vocab = w.shape[0];
    // (W x^T)^T in transpose2d's two block steps, each input freed once used: the pass holds two
    // copies of the logits at most, not three.
    const product = tf.matMul(w, transpose2d(flat));
    const grouped = product.reshape([vocab, padded / ROW_MULTIPLE, ROW_MULTIPLE]);
    const blocks = tf.transpose(grouped, [1, 0, 2]);
    tf.dispose([product, grouped]);
    const transposed = tf.transpose(blocks, [0, 2, 1]);
    tf.dispose(blocks);
    const logits = transposed.reshape([padded, vocab]);
    return (padded === rows ? logits : logits.slice([0, 0], [rows, vocab])).reshape([...x.shape.slice(0, -1), vocab]);
  }

  /** The unembedding as [vocab, d_model]: W_E itself when tied, else W_U^T (made once per weight). */
  private vocabByRows(): tf.Tensor2D {
    if (this.tied) return this.weight as tf.Tensor2D;
    if (this.vocabRows?.of !== this.weight.dataId) {
      this.vocabRows?.W.dispose();
      this.vocabRows = { of: this.weight.dataId, W: tf.keep(tf.tidy(() => transpose2d(this.weight))) };
    }
    return this.vocabRows.W;
  }

  /** Frees the cached W_E^T of a tied model and W_U^T of an untied one (the parameters belong to the model). */
  dispose(): void {
    this.transposed?.W_U.dispose();
    this.transposed = undefined;
    this.vocabRows?.W.dispose();
    this.vocabRows = undefined;
  }
}

/**
 * (W x^T)^T for W [vocab, d] and x [rows, d], CHUNK_ROWS positions per product (the wasm kernels'
 * gemm, x^T packed from x; a piece of fewer than 8 positions by tfjs's); the gradient reaches x (dy W).
 */
function logitsInPieces(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return customOp<tf.Tensor2D>(([flat]) => {
    const rows = flat!.shape[0]!;
    let logits: tf.Tensor | undefined;
    for (let row0 = 0; row0 < rows; row0 += CHUNK_ROWS) {
      const piece = tf.tidy(() => {
        const part = flat!.slice([row0, 0], [Math.min(CHUNK_ROWS, rows - row0), -1]);
        return gemmRuns(part.shape[0]!) ? gemm(w, part, { transposeB: true }) : tf.matMul(w, tf.transpose(part));
      });
      const next = runWasmKernel('IclkrTransposeInto', logits === undefined ? { piece } : { piece, out: logits }, { row0, rows })[0]!;
      tf.dispose([piece, ...(logits === undefined ? [] : [logits])]);
      logits = next;
    }
    return { value: logits as tf.Tensor2D, gradFunc: (dy) => [gemmRuns(w.shape[1]) ? gemm(dy, w) : tf.matMul(dy, w)] };
  })(x);
}
