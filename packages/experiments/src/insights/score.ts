/**
 * One forward pass per batch of laid-out prompts: the model's next-token distribution over each
 * prompt's own label tokens and, when asked, every head's attention row from the final position
 * (what the attention vote reads), streamed to the caller prompt by prompt.
 */
import { OptionError, tf } from '@iclkr/core';
import { attentionVote, demonstrationWeights, type HookedModel, type LayerHeadRows, type PromptSpans, VOTE_VARIANTS } from '@iclkr/probing';

/** A prompt as the model reads it: tokens, spans, demonstration labels in prompt order, gold, and the tokens its labels start with. */
export interface LaidOutPrompt {
  readonly tokens: readonly number[];
  readonly spans: PromptSpans;
  /** Class of each demonstration, in prompt order. */
  readonly labels: readonly number[];
  readonly gold: number;
  /** The token each class is read as (the model's prediction is its next-token distribution over these, renormalised). */
  readonly labelTokens: readonly number[];
}

/** What one pass gives for a prompt: the label distribution (by class) and, when asked, the final position's attention rows. */
export interface PromptScore {
  readonly distribution: Float64Array;
  /** [layer][head] rows over the prompt's positions; views valid only inside the callback. */
  readonly rows?: LayerHeadRows;
}

/** Floats one pass may hold in logits, cached patterns and intermediates (64 MB). */
const PASS_FLOATS = 16_000_000;

/** The label distribution from full-vocabulary logits: a softmax over `tokens` in float64. */
function labelDistribution(logits: Float32Array, offset: number, tokens: readonly number[]): Float64Array {
  const values = tokens.map((t) => logits[offset + t]);
  const top = Math.max(...values);
  const exp = values.map((v) => Math.exp(v - top));
  const total = exp.reduce((s, v) => s + v, 0);
  return Float64Array.from(exp, (v) => v / total);
}

/**
 * Runs `prompts` through `model` in length-sorted, right-padded batches of at most `batch` (and
 * within PASS_FLOATS) and calls `onScored(index, score)` for each; `onBatch(count)` after each pass of `count` prompts.
 */
export function scorePrompts(
  model: HookedModel,
  prompts: readonly LaidOutPrompt[],
  options: { readonly attention: boolean; readonly batch: number; readonly onBatch?: (count: number) => void },
  onScored: (index: number, score: PromptScore) => void,
): void {
  const { nLayers, nHeads, nCtx, vocabSize, dModel } = model.config;
  prompts.forEach((p) => {
    if (p.tokens.length > nCtx)
      throw new OptionError(
        `a prompt has ${p.tokens.length} tokens, more than the model's context of ${nCtx}`,
        'use fewer or shorter demonstrations (--shots)',
      );
    const bad = p.labelTokens.find((t) => !Number.isInteger(t) || t < 0 || t >= vocabSize);
    if (bad !== undefined)
      throw new OptionError(
        `label token ${bad} is outside the model's vocabulary [0, ${vocabSize})`,
        'give label words the model can predict',
      );
  });
  const names = options.attention ? Array.from({ length: nLayers }, (_, l) => `blocks.${l}.attn.hook_pattern`) : [];
  const order = prompts.map((_, i) => i).sort((a, b) => prompts[a].tokens.length - prompts[b].tokens.length);
  const floats = (count: number, longest: number) =>
    count * (vocabSize + longest * (4 * dModel + nHeads * longest) + (options.attention ? nLayers * nHeads * longest * longest : 0));
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && end - start < options.batch && floats(end + 1 - start, prompts[order[end]].tokens.length) <= PASS_FLOATS)
      end++;
    const chunk = order.slice(start, end);
    start = end;
    const length = prompts[chunk[chunk.length - 1]].tokens.length;
    const ids = new Int32Array(chunk.length * length);
    chunk.forEach((p, row) => ids.set(prompts[p].tokens, row * length));
    const last = chunk.map((p) => prompts[p].tokens.length - 1);
    const input = tf.tensor2d(ids, [chunk.length, length], 'int32');
    const { logits, cache } = model.run(input, { cache: names, logitPositions: last });
    input.dispose();
    let values: Float32Array;
    let rows: Float32Array[] = [];
    try {
      // Our models honour logitPositions ([B, 1, V]); a model that returns every position is cut here.
      const final = tf.tidy(() =>
        logits.shape[1] === 1
          ? logits.reshape([chunk.length, vocabSize])
          : tf.concat(
              last.map((pos, b) => logits.slice([b, pos, 0], [1, 1, vocabSize]).reshape([1, vocabSize])),
              0,
            ),
      );
      values = final.dataSync() as Float32Array;
      final.dispose();
      rows = names.map((name) => {
        const pattern = cache.get(name);
        if (pattern === undefined)
          throw new OptionError(
            'the model does not report attention patterns (hook_pattern)',
            'use a model whose attention fires hook_pattern',
          );
        const at = tf.tidy(() =>
          tf.concat(
            last.map((pos, b) => pattern.slice([b, 0, pos, 0], [1, nHeads, 1, length])),
            0,
          ),
        );
        const data = at.dataSync() as Float32Array;
        at.dispose();
        return data;
      });
    } finally {
      tf.dispose([logits, ...cache.values()]);
    }
    chunk.forEach((p, b) => {
      const prompt = prompts[p];
      const distribution = labelDistribution(values, b * vocabSize, prompt.labelTokens);
      const byLayer = options.attention
        ? rows.map((data) =>
            Array.from({ length: nHeads }, (_, h) =>
              data.subarray((b * nHeads + h) * length, (b * nHeads + h) * length + prompt.tokens.length),
            ),
          )
        : undefined;
      onScored(p, { distribution, rows: byLayer });
    });
    options.onBatch?.(chunk.length);
  }
}

/**
 * Every head's attention vote on one prompt in each reading of a_i (VOTE_VARIANTS order): its
 * prediction and the gold label's share of its normalised vote, [variant][layer * heads + head].
 */
export function headVotes(
  rows: LayerHeadRows,
  prompt: Pick<LaidOutPrompt, 'spans' | 'labels' | 'gold'>,
  classes: number,
): { prediction: Int32Array[]; goldShare: Float64Array[] } {
  const heads = rows[0]?.length ?? 0;
  const prediction = VOTE_VARIANTS.map(() => new Int32Array(rows.length * heads));
  const goldShare = VOTE_VARIANTS.map(() => new Float64Array(rows.length * heads));
  VOTE_VARIANTS.forEach((variant, v) =>
    rows.forEach((byHead, l) =>
      byHead.forEach((row, h) => {
        const vote = attentionVote(demonstrationWeights(row, prompt.spans, variant), prompt.labels, classes);
        prediction[v][l * heads + h] = vote.prediction;
        goldShare[v][l * heads + h] = vote.distribution[prompt.gold];
      }),
    ),
  );
  return { prediction, goldShare };
}
