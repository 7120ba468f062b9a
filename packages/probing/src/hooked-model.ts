/**
 * The model interface analyses depend on (a forward pass with an activation cache, as
 * TransformerLens's HookedTransformer), and next-token distributions computed through it.
 */

import { OptionError, tf } from '@iclkr/core';
import type { ModelConfig } from './config.js';
import type { RunOptions, RunResult } from './model.js';

/** A language model whose forward pass reports activations by TransformerLens hook name. */
export interface HookedModel {
  readonly config: ModelConfig;
  /** logits [batch, pos, vocab] + cache filtered by name; the caller disposes both. */
  run(ids: tf.Tensor2D, options?: RunOptions): RunResult;
  /** dispose everything */
  dispose(): void;
}

/** Options of nextTokenDistributions. */
export interface NextTokenOptions {
  /** Token ids to keep, in this order; the distribution is renormalised over them. */
  restrict?: readonly number[];
  /** Prompts per forward pass (default 64). */
  batchSize?: number;
}

/**
 * Next-token probabilities at the last position of each prompt (float32, vocabulary order, or the
 * order of `restrict` renormalised over those ids). Prompts of equal length run together, at most
 * `batchSize` per forward pass, so no padding is needed.
 */
export function nextTokenDistributions(
  model: HookedModel,
  prompts: readonly (readonly number[])[],
  options: NextTokenOptions = {},
): Float32Array[] {
  const batchSize = options.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new OptionError(`batchSize must be a positive integer, got ${batchSize}`, 'pass a batchSize >= 1');
  }
  const { vocabSize } = model.config;
  const restrict = options.restrict;
  if (restrict !== undefined) {
    if (restrict.length === 0) throw new OptionError('restrict is empty', 'give at least one token id to restrict to');
    const bad = restrict.find((id) => !Number.isInteger(id) || id < 0 || id >= vocabSize);
    if (bad !== undefined) {
      throw new OptionError(`restrict holds token id ${bad}, outside the vocabulary [0, ${vocabSize})`, 'restrict to ids of the model vocabulary');
    }
  }
  const byLength = new Map<number, number[]>();
  prompts.forEach((prompt, i) => {
    if (prompt.length === 0) throw new OptionError(`prompt ${i} is empty`, 'give every prompt at least one token');
    const group = byLength.get(prompt.length);
    if (group === undefined) byLength.set(prompt.length, [i]);
    else group.push(i);
  });
  const out: Float32Array[] = new Array(prompts.length);
  const width = restrict?.length ?? vocabSize;
  for (const [length, members] of byLength) {
    for (let start = 0; start < members.length; start += batchSize) {
      const chunk = members.slice(start, start + batchSize);
      const ids = new Int32Array(chunk.length * length);
      chunk.forEach((p, row) => ids.set(prompts[p]!, row * length));
      const probs = tf.tidy(() => {
        const input = tf.tensor2d(ids, [chunk.length, length], 'int32');
        const { logits, cache } = model.run(input);
        tf.dispose([...cache.values()]);
        let last = logits.slice([0, length - 1, 0], [chunk.length, 1, vocabSize]).reshape([chunk.length, vocabSize]);
        if (restrict !== undefined) last = tf.gather(last, tf.tensor1d(Int32Array.from(restrict), 'int32'), 1);
        return tf.softmax(last, -1);
      });
      const values = probs.dataSync() as Float32Array;
      probs.dispose();
      chunk.forEach((p, row) => {
        out[p] = values.slice(row * width, (row + 1) * width);
      });
    }
  }
  return out;
}
