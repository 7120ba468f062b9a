/**
 * Demonstration choice for text prompts (`iclkr probe --retrieval`, `iclkr retrieve`): the
 * seeded pool subset, the model's P(o | x) for `model-kernel` and log-likelihoods for
 * `in-distribution`, and the chooser that
 * maps the retriever's pool indices back to lines of the --demos file.
 */
import { type Matrix, OptionError, Rng, type TextDataset } from '@iclkr/core';
import { type HookedModel, nextTokenDistributions, spanLogLikelihoods, textPromptSpans, type Tokenizer } from '@iclkr/probing';
import {
  createRetriever,
  type DemonstrationOrder,
  orderDemonstrations,
  RETRIEVAL_STRATEGIES,
  type RetrievalStrategy,
  type Retriever,
  type Selection,
  type StrategyInfo,
} from '@iclkr/retrieval';
import type { ExperimentIo } from './io.js';

/** The default pool of strategies that run every pool text through the model (500 texts: ~100 MB of GPT-2 distributions). */
export const MODEL_POOL_DEFAULT = 500;

/** How demonstrations are chosen: the strategy, their prompt order and the pool subset asked for (undefined: the default). */
export interface RetrievalSettings {
  readonly strategy: RetrievalStrategy;
  readonly order: DemonstrationOrder;
  readonly pool: number | undefined;
}

/** What a strategy needs from a language model for every text (next-token distributions or log-likelihoods), if anything. */
function modelView(strategy: RetrievalStrategy): StrategyInfo['model'] {
  const info: StrategyInfo = RETRIEVAL_STRATEGIES[strategy];
  return info.model;
}

/** Whether a strategy needs a language model's view of every text. */
export function needsModel(strategy: RetrievalStrategy): boolean {
  return modelView(strategy) !== undefined;
}

/** What `model-kernel` and `in-distribution` run each text through: a model, its tokenizer and the template that places x. */
export interface TextModel {
  readonly model: HookedModel;
  readonly tokenizer: Tokenizer;
  readonly template: string;
  readonly batch: number;
}

/** Refuses (and disposes) a model whose vocabulary the tokenizer's ids do not fit. */
export function checkVocabulary(tokenizer: Tokenizer, model: HookedModel): void {
  if (tokenizer.vocabSize > model.config.vocabSize) {
    model.dispose();
    throw new OptionError(
      `the tokenizer ${tokenizer.name} has ${tokenizer.vocabSize} tokens, more than the model's vocabulary of ${model.config.vocabSize}`,
      "pass the model's own tokenizer (--tokenizer DIR)",
    );
  }
}

/** A text's tokens as they stand where the template puts x_test (the input the probe also runs alone). */
export function inputTokens(tokenizer: Tokenizer, template: string, text: string): number[] {
  const { ids, spans } = textPromptSpans(tokenizer, [], text, { template });
  return ids.slice(spans.query.start, spans.query.end);
}

/** A pass's progress callback reporting stage `label` through `io` (none without an io). */
function stageProgress(io: ExperimentIo | undefined, label: string): ((done: number, total: number) => void) | undefined {
  return io && ((done, total) => io.progress(done, total, label));
}

/**
 * Each text's mean log-probability per token where the template puts x_test, given the template's
 * text before it (a one-column matrix); the first token of a prompt has no context and is not scored.
 */
export function modelLikelihoods(m: TextModel, texts: readonly string[], io?: ExperimentIo): Matrix {
  const prompts = texts.map((text) => textPromptSpans(m.tokenizer, [], text, { template: m.template }));
  const spans = prompts.map(({ spans: { query } }, i) => {
    const start = Math.max(1, query.start);
    if (start >= query.end) {
      throw new OptionError(
        `text ${i + 1} ('${texts[i].slice(0, 40)}') is one token at the very start of the prompt, so the model cannot score it`,
        "give the template text before {x}, e.g. 'Input: {x} Output: {y}'",
      );
    }
    return { start, end: query.end };
  });
  const data = Float32Array.from(
    spanLogLikelihoods(
      m.model,
      prompts.map((p) => p.ids),
      spans,
      { batchSize: m.batch, onProgress: stageProgress(io, 'pool log-likelihoods') },
    ),
  );
  return { rows: texts.length, cols: 1, data };
}

/** P(o | x) over the whole vocabulary of each text run alone, one row per text. */
export function modelFeatures(m: TextModel, texts: readonly string[], io?: ExperimentIo, label = 'pool P(o | x)'): Matrix {
  const rows = nextTokenDistributions(
    m.model,
    texts.map((t) => inputTokens(m.tokenizer, m.template, t)),
    { batchSize: m.batch, onProgress: stageProgress(io, label) },
  );
  const cols = m.model.config.vocabSize;
  const data = new Float32Array(rows.length * cols);
  rows.forEach((row, i) => data.set(row, i * cols));
  return { rows: rows.length, cols, data };
}

/** A generator independent of `new Rng(seed)`'s stream (2^64 draws on), so the pool subset leaves the prompts' draws alone. */
function sideRng(seed: number): Rng {
  const rng = new Rng(seed);
  rng.fork();
  return rng;
}

/**
 * Chooses demonstrations for queries with one strategy fitted on the --demos pool (or a seeded
 * subset of it), and lays them out in the asked order. Indices are lines of the --demos file.
 */
export class DemonstrationChooser {
  /** The --demos indices of the pool the retriever was fitted on (ascending). */
  readonly pool: number[];
  private readonly retriever: Retriever;

  constructor(
    demos: TextDataset,
    readonly settings: RetrievalSettings & { readonly seed: number; readonly shots: number },
    private readonly model?: TextModel,
    io?: ExperimentIo,
  ) {
    const size = demos.texts.length;
    const { strategy, shots } = settings;
    if (needsModel(strategy) && model === undefined) {
      throw new OptionError(`the ${strategy} strategy needs a language model to score the texts`, 'give a model and its tokenizer');
    }
    const wanted = settings.pool ?? (needsModel(strategy) ? Math.min(MODEL_POOL_DEFAULT, size) : size);
    if (wanted > size)
      throw new OptionError(`--pool ${wanted} is more than the ${size} examples of --demos`, `pass --pool ${size} or fewer`);
    if (wanted < shots) {
      if (wanted === size)
        throw new OptionError(
          `--demos has ${size} examples, fewer than --shots ${shots}`,
          'pass a larger demonstration pool or fewer shots',
        );
      throw new OptionError(
        `the pool of ${wanted} demonstrations is smaller than --shots ${shots}`,
        `pass --pool ${shots} or more, or fewer --shots`,
      );
    }
    this.pool =
      wanted === size
        ? demos.texts.map((_, i) => i)
        : sideRng(settings.seed)
            .sample(size, wanted)
            .sort((a, b) => a - b);
    const texts = this.pool.map((i) => demos.texts[i]);
    let features: Matrix | undefined;
    if (model !== undefined && needsModel(strategy)) {
      const tokens = texts.reduce((s, t) => s + inputTokens(model.tokenizer, model.template, t).length, 0);
      if (modelView(strategy) === 'log-likelihood') {
        io?.log(
          `${strategy}: scores each of the ${texts.length} pool texts (${tokens} tokens) ` +
            `by its mean log-probability per token under the model; --pool N changes the pool`,
        );
        features = modelLikelihoods(model, texts, io);
      } else {
        const megabytes = Math.ceil((texts.length * model.model.config.vocabSize * 4) / 2 ** 20);
        io?.log(
          `${strategy}: runs each of the ${texts.length} pool texts (${tokens} tokens) and then each query alone ` +
            `through the model for P(o | x), holding ${megabytes} MB of distributions; --pool N changes the pool`,
        );
        features = modelFeatures(model, texts, io);
      }
    }
    this.retriever = createRetriever(strategy).fit({
      texts,
      labels: this.pool.map((i) => demos.labels[i]),
      numClasses: demos.labelNames.length,
      features,
    });
  }

  /** Demonstrations for each query text, in prompt order, as --demos indices with their scores. */
  choose(queries: readonly string[], rng: Rng): Selection[] {
    const { shots, order } = this.settings;
    const { strategy } = this.settings;
    const perQuery = this.model !== undefined && needsModel(strategy) && !RETRIEVAL_STRATEGIES[strategy].queryIndependent;
    const features = perQuery ? modelFeatures(this.model!, queries) : undefined;
    return queries.map((text, q) => {
      const chosen = this.retriever.select(
        { text, features: features?.data.subarray(q * features.cols, (q + 1) * features.cols) },
        shots,
        rng,
      );
      const laid = orderDemonstrations(chosen, order, rng);
      return { indices: laid.indices.map((i) => this.pool[i]), scores: laid.scores };
    });
  }
}

/** One JSON line: `head`'s fields, then the chosen --demos indices, their scores (6 significant digits) and their labels. */
export function selectionRecord(head: Readonly<Record<string, number>>, chosen: Selection, demos: TextDataset): string {
  const scores = chosen.scores.map((x) => Number(x.toPrecision(6)));
  return `${JSON.stringify({ ...head, indices: chosen.indices, scores, labels: chosen.indices.map((i) => demos.labels[i]) })}\n`;
}
