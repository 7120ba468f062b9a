/**
 * How likely a model finds token spans: the mean log-probability of each span's tokens given
 * everything before them (minus the log-perplexity). Low perplexity marks text close to the
 * pre-training distribution (Gonen et al. 2022, "Demystifying Prompts in Language Models via
 * Perplexity"), the paper's "in-distribution" demonstrations.
 */
import { OptionError, tf } from '@iclkr/core';
import { type HookedModel, LOGIT_FLOATS, lengthChunks, type PassOptions, passBatchSize, passFloats, rightPadded } from './hooked-model.js';

/** Positions [start, end) of a sequence whose tokens are scored; start >= 1, as token 0 has no context. */
export interface ScoredSpan {
  readonly start: number;
  readonly end: number;
}

/**
 * Mean over each span of log P(token_p | tokens before p), one value per sequence (float64 sums of
 * the model's float32 log-probabilities). Sequences run sorted by length, right-padded, at most
 * `batchSize` per forward pass and within LOGIT_FLOATS of logits.
 */
export function spanLogLikelihoods(
  model: HookedModel,
  sequences: readonly (readonly number[])[],
  spans: readonly ScoredSpan[],
  options: PassOptions = {},
): Float64Array {
  const batchSize = passBatchSize(options);
  if (spans.length !== sequences.length)
    throw new OptionError(`${sequences.length} sequences but ${spans.length} spans`, 'give one span per sequence');
  spans.forEach(({ start, end }, i) => {
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 1 && start < end && end <= sequences[i].length)) {
      throw new OptionError(
        `span [${start}, ${end}) of sequence ${i} (${sequences[i].length} tokens) is not inside [1, ${sequences[i].length}) and non-empty`,
        'score at least one token, after the first (which has no context)',
      );
    }
  });
  const { vocabSize } = model.config;
  const order = sequences.map((s, index) => ({ index, length: s.length })).sort((a, b) => a.length - b.length);
  const floats = (count: number, longest: number) => count * (passFloats(model.config, longest) + 2 * longest * vocabSize);
  const out = new Float64Array(sequences.length);
  let done = 0;
  for (const part of lengthChunks(order, floats, LOGIT_FLOATS, batchSize)) {
    const rows = part.map((p) => p.index);
    // (row, position - 1, token) for every scored token: the logits at p - 1 predict token p.
    const targets: number[] = [];
    for (const [r, i] of rows.entries()) {
      for (let p = spans[i].start; p < spans[i].end; p++) targets.push(r, p - 1, sequences[i][p]);
    }
    const picked = tf.tidy(() => {
      const { ids } = rightPadded(rows.map((i) => sequences[i]));
      const { logits, cache } = model.run(ids);
      tf.dispose([...cache.values()]);
      return tf.gatherND(tf.logSoftmax(logits, -1), tf.tensor2d(Int32Array.from(targets), [targets.length / 3, 3], 'int32'));
    });
    const values = picked.dataSync();
    picked.dispose();
    let k = 0;
    for (const i of rows) {
      const { start, end } = spans[i];
      let total = 0;
      for (let p = start; p < end; p++) total += values[k++];
      out[i] = total / (end - start);
    }
    done += rows.length;
    options.onProgress?.(done, sequences.length);
  }
  return out;
}
