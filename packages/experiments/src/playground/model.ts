/**
 * The web app's model playground, computed here so the page only shows it (its worker calls these): a prompt's tokens and spans, the
 * model's label distribution and every head's final attention row in one forward pass, exact
 * Bayes, each head's vote, influence (flip or drop a demonstration) and agreement over a batch.
 */
import { Rng, tf } from '@iclkr/core';
import { attentionVote, demonstrationWeights, type HookedModel, tokenPromptSpans } from '@iclkr/probing';
import { bayesPredictive, promptTokens, samplePrompt, type World } from '@iclkr/theory';

/** One demonstration: its input tokens x_i and its label token y_i. */
export interface Demonstration {
  readonly x: readonly number[];
  readonly y: number;
}

/** A prompt of the model's world: demonstrations and the query x_test (with its gold label where sampled). */
export interface PlaygroundPrompt {
  readonly demos: readonly Demonstration[];
  readonly query: readonly number[];
  readonly gold: number | null;
}

/** What the model and exact Bayes say on a prompt, and every head's reading of it. */
export interface PromptReading {
  readonly ids: readonly number[];
  /** The model's next-token distribution over the label tokens (renormalised), in label order. */
  readonly model: readonly number[];
  /** The exact Bayesian predictive over the label tokens (null where the prompt has probability 0 under the world). */
  readonly bayes: readonly number[] | null;
  /** Per [layer][head]: the final position's attention row, a_i per demonstration (max over [x_i, y_i]) and the vote's argmax label index. */
  readonly heads: readonly (readonly { readonly row: readonly number[]; readonly weights: readonly number[]; readonly vote: number }[])[];
}

/** For one head: per demonstration, a_i beside the change in the model's probability of its predicted label when y_i is flipped or i dropped. */
export interface Influence {
  readonly layer: number;
  readonly head: number;
  readonly label: number;
  readonly rows: readonly { readonly weight: number; readonly flip: number; readonly drop: number }[];
}

/** The hook names of every layer's attention pattern. */
const patterns = (layers: number) => Array.from({ length: layers }, (_, l) => `blocks.${l}.attn.hook_pattern`);

/** A sampled prompt of `task` (a random in-distribution one when null) with n demonstrations. */
export function samplePlaygroundPrompt(world: World, task: number | null, n: number, seed: number): PlaygroundPrompt {
  const rng = new Rng(seed);
  const pool = world.tasks.map((t, i) => ({ i, prior: t.prior })).filter((t) => t.prior > 0);
  const index = task ?? pool[rng.categorical(pool.map((t) => t.prior))].i;
  const k = world.spec.inputLength ?? 1;
  const p = samplePrompt(world, index, n, k, rng);
  return { demos: p.demos.map(([x, y]) => ({ x: [...x], y })), query: [...p.query], gold: p.queryLabel };
}

/** The prompt's token ids: x_1 y_1 delim ... x_n y_n delim x_test. */
export function promptIds(prompt: PlaygroundPrompt, world: World): number[] {
  return promptTokens({ demos: prompt.demos.map((d) => [[...d.x], d.y]), query: [...prompt.query] }, world.delimiter);
}

/** One forward pass: the label distribution and every head's final row, for each prompt of equal length. */
function forward(model: HookedModel, batch: readonly (readonly number[])[], labels: readonly number[]) {
  const { nLayers, nHeads } = model.config;
  const t = batch[0].length;
  const ids = tf.tensor2d(batch.flat(), [batch.length, t], 'int32');
  const { logits, cache } = model.run(ids, { cache: patterns(nLayers) });
  try {
    const probs = tf.tidy(() => tf.softmax(tf.gather(logits.slice([0, t - 1, 0], [batch.length, 1, -1]).squeeze([1]), labels, 1)));
    const dist = probs.dataSync() as Float32Array;
    probs.dispose();
    const rows = patterns(nLayers).map((name) => cache.get(name)!.dataSync() as Float32Array);
    return batch.map((_, b) => ({
      model: Array.from(dist.subarray(b * labels.length, (b + 1) * labels.length)),
      rows: rows.map((flat) =>
        Array.from({ length: nHeads }, (_, h) =>
          Array.from(flat.subarray(((b * nHeads + h) * t + t - 1) * t, ((b * nHeads + h) * t + t) * t)),
        ),
      ),
    }));
  } finally {
    tf.dispose([ids, logits, ...cache.values()]);
  }
}

/** Everything the page shows of one prompt. */
export function readPrompt(model: HookedModel, world: World, prompt: PlaygroundPrompt, labels: readonly number[]): PromptReading {
  const ids = promptIds(prompt, world);
  const [{ model: dist, rows }] = forward(model, [ids], labels);
  const spans = tokenPromptSpans(prompt.demos.length, prompt.query.length);
  const labelIds = prompt.demos.map((d) => labels.indexOf(d.y));
  let bayes: number[] | null = null;
  try {
    const [exact] = bayesPredictive(world, [{ demos: prompt.demos.map((d) => [[...d.x], d.y]), query: [...prompt.query] }]);
    const restricted = labels.map((y) => exact.predictive[y]);
    const total = restricted.reduce((a, b) => a + b, 0);
    bayes = total > 0 ? restricted.map((v) => v / total) : null;
  } catch {
    bayes = null;
  }
  return {
    ids,
    model: dist,
    bayes,
    heads: rows.map((byHead) =>
      byHead.map((row) => {
        const weights = Array.from(demonstrationWeights(row, spans, 'span'));
        return { row, weights, vote: prompt.demos.length === 0 ? 0 : attentionVote(weights, labelIds, labels.length).prediction };
      }),
    ),
  };
}

/** The model's probability of label `c` on a prompt. */
function probability(model: HookedModel, world: World, prompt: PlaygroundPrompt, labels: readonly number[], c: number): number {
  return forward(model, [promptIds(prompt, world)], labels)[0].model[c];
}

/**
 * For each demonstration: the change in the model's probability of its predicted label when y_i is
 * flipped to the next label, and when demonstration i is dropped, beside the head's a_i.
 */
export function influence(
  model: HookedModel,
  world: World,
  prompt: PlaygroundPrompt,
  labels: readonly number[],
  layer: number,
  head: number,
) {
  const reading = readPrompt(model, world, prompt, labels);
  const label = reading.model.indexOf(Math.max(...reading.model));
  const base = reading.model[label];
  return {
    layer,
    head,
    label,
    rows: prompt.demos.map((d, i) => {
      const flipped = labels[(labels.indexOf(d.y) + 1) % labels.length];
      const flip = { ...prompt, demos: prompt.demos.map((e, j) => (j === i ? { ...e, y: flipped } : e)) };
      const drop = { ...prompt, demos: prompt.demos.filter((_, j) => j !== i) };
      return {
        weight: reading.heads[layer][head].weights[i],
        flip: probability(model, world, flip, labels, label) - base,
        drop: probability(model, world, drop, labels, label) - base,
      };
    }),
  };
}

/** Per [layer][head]: the share of `count` sampled prompts with n demonstrations where the head's vote is the model's prediction. */
export function headAgreement(
  model: HookedModel,
  world: World,
  labels: readonly number[],
  n: number,
  count: number,
  seed: number,
): number[][] {
  const { nLayers, nHeads } = model.config;
  const prompts = Array.from({ length: count }, (_, i) => samplePlaygroundPrompt(world, null, n, seed * 100_003 + i));
  const agree = Array.from({ length: nLayers }, () => new Array<number>(nHeads).fill(0));
  for (const prompt of prompts) {
    const r = readPrompt(model, world, prompt, labels);
    const predicted = r.model.indexOf(Math.max(...r.model));
    r.heads.forEach((byHead, l) =>
      byHead.forEach((h, hh) => {
        if (h.vote === predicted) agree[l][hh] += 1 / count;
      }),
    );
  }
  return agree;
}
