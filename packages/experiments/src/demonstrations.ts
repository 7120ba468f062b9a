/**
 * Demonstration choice for text prompts (`iclkr probe --retrieval`, `iclkr retrieve`): the
 * seeded pool subset, the model's P(o | x) for `model-kernel` and log-likelihoods for
 * `in-distribution`, and the chooser that
 * maps the retriever's pool indices back to lines of the --demos file.
 */
import { type Matrix, OptionError, Rng, type TextDataset } from '@iclkr/core';
import { type HookedModel, nextTokenDistributions, spanLogLikelihoods, textPromptSpans, type Tokenizer } from '@iclkr/probing';
import type { LabelEntropy } from '@iclkr/retrieval';
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
import {
  checkHead,
  checkLayer,
  defaultLayer,
  entropy,
  type HeadChoice,
  matrixOf,
  promptViews,
  runAlone,
} from './compare-retrievers/model-views.js';
import type { ExperimentIo } from './io.js';
import { labelTokens } from './probe/text-prompts.js';

/** The default pool of strategies that run every pool text through the model (500 texts: ~100 MB of GPT-2 distributions). */
export const MODEL_POOL_DEFAULT = 500;

/** How demonstrations are chosen: the strategy, their prompt order and the pool subset asked for (undefined: the default). */
export interface RetrievalSettings {
  readonly strategy: RetrievalStrategy;
  readonly order: DemonstrationOrder;
  readonly pool: number | undefined;
  /** hidden-knn: the hidden-state layer (default: the middle one). */
  readonly layer?: number;
  /** attention-kernel: the head (required on text outside compare-retrievers, which chooses the probe's). */
  readonly head?: HeadChoice;
  /** attention-kernel: where each example's key is read (default the label). */
  readonly keyPosition?: 'label' | 'delimiter';
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

/**
 * What the model-based strategies run each text through: a model, its tokenizer, the template that
 * places x and, for `mdl` and `attention-kernel` (which lay out demonstrations), the label words.
 */
export interface TextModel {
  readonly model: HookedModel;
  readonly tokenizer: Tokenizer;
  readonly template: string;
  readonly batch: number;
  /** The word of each class, in class order (mdl, attention-kernel). */
  readonly labelWords?: readonly string[];
}

/** A demonstration line `x y delim` on its own (the template line and its separator), and where its label and delimiter start. */
export function demonstrationLine(
  tokenizer: Tokenizer,
  template: string,
  x: string,
  y: string,
): { ids: number[]; label: number; delimiter: number } {
  const { ids, spans } = textPromptSpans(tokenizer, [{ x, y }], 'x', { template });
  const end = Math.max(spans.y[0].end, spans.delimiters[0].end);
  const delimiter = spans.delimiters[0].end > spans.delimiters[0].start ? spans.delimiters[0].start : spans.y[0].end - 1;
  return { ids: ids.slice(0, end), label: spans.y[0].start, delimiter };
}

/** The label words a strategy that lays out demonstrations needs, or an error naming the option. */
function wordsOf(m: TextModel, strategy: string): readonly string[] {
  if (m.labelWords === undefined)
    throw new OptionError(`the ${strategy} strategy lays out demonstrations and needs the label words`, 'pass --label-words W1,W2,...');
  return m.labelWords;
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
    const labels = this.pool.map((i) => demos.labels[i]);
    const info: StrategyInfo = RETRIEVAL_STRATEGIES[strategy];
    if (info.worldKernel !== undefined)
      throw new OptionError(
        `the ${strategy} strategy ranks by a task world's kernel, which text has not`,
        'choose another strategy for text',
      );
    let features: Matrix | undefined;
    let labelEntropy: LabelEntropy | undefined;
    if (model !== undefined && info.model === 'hidden') {
      const layer = settings.layer ?? defaultLayer(model.model);
      checkLayer(layer, model.model);
      io?.log(`${strategy}: runs each of the ${texts.length} pool texts and then each query alone for layer ${layer}'s hidden states`);
      const rows = runAlone(
        model.model,
        texts.map((t) => inputTokens(model.tokenizer, model.template, t)),
        { hiddenLayer: layer },
        model.batch,
        stageProgress(io, 'pool hidden states'),
      ).hidden;
      features = matrixOf(rows, model.model.config.dModel);
    } else if (model !== undefined && info.model === 'attention') {
      const head = settings.head;
      if (head === undefined)
        throw new OptionError(
          'attention-kernel needs a head here',
          "pass --head L.H (iclkr compare-retrievers chooses the probe's best head itself; iclkr probe prints it)",
        );
      checkHead(head, model.model);
      const words = wordsOf(model, strategy);
      const lines = texts.map((t, i) => demonstrationLine(model.tokenizer, model.template, t, words[labels[i]]));
      const at = settings.keyPosition ?? 'label';
      io?.log(`${strategy}: runs each of the ${texts.length} pool demonstrations alone for head ${head.layer}.${head.head}'s keys`);
      const keys = runAlone(
        model.model,
        lines.map((l) => l.ids),
        { head, keyPositions: lines.map((l) => (at === 'label' ? l.label : l.delimiter)) },
        model.batch,
        stageProgress(io, 'pool keys'),
      ).keys;
      features = matrixOf(keys, model.model.config.dHead);
    } else if (model !== undefined && info.model === 'label-entropy') {
      const words = wordsOf(model, strategy);
      const tokens = labelTokens(model.tokenizer, model.template, words);
      labelEntropy = (query, sets) =>
        promptViews(
          model.model,
          sets.map(
            (set) =>
              textPromptSpans(
                model.tokenizer,
                set.map((i) => ({ x: texts[i], y: words[labels[i]] })),
                query.text,
                { template: model.template },
              ).ids,
          ),
          tokens,
          undefined,
          model.batch,
        ).distributions.map(entropy);
    } else if (model !== undefined && needsModel(strategy)) {
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
    this.retriever = createRetriever(strategy, { labelEntropy }).fit({ texts, labels, numClasses: demos.labelNames.length, features });
  }

  /** Demonstrations for each query text, in prompt order, as --demos indices with their scores. */
  choose(queries: readonly string[], rng: Rng): Selection[] {
    const { shots, order } = this.settings;
    const features = this.queryFeatures(queries);
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

  /** The queries' own features where the strategy ranks by the model's view of each query (run alone). */
  private queryFeatures(queries: readonly string[]): Matrix | undefined {
    const m = this.model;
    const { strategy } = this.settings;
    const info: StrategyInfo = RETRIEVAL_STRATEGIES[strategy];
    if (m === undefined || !needsModel(strategy) || info.queryIndependent || info.model === 'label-entropy') return undefined;
    if (info.model === 'hidden') {
      const layer = this.settings.layer ?? defaultLayer(m.model);
      const rows = runAlone(
        m.model,
        queries.map((t) => inputTokens(m.tokenizer, m.template, t)),
        { hiddenLayer: layer },
        m.batch,
      ).hidden;
      return matrixOf(rows, m.model.config.dModel);
    }
    if (info.model === 'attention') {
      // The query line as the prompt ends (the template up to {y}), its final position's query.
      const lines = queries.map((t) => textPromptSpans(m.tokenizer, [], t, { template: m.template }).ids);
      return matrixOf(runAlone(m.model, lines, { head: this.settings.head, query: true }, m.batch).queries, m.model.config.dHead);
    }
    return modelFeatures(m, queries);
  }
}

/**
 * One JSON line: `head`'s fields, then the chosen --demos indices, their scores (6 significant
 * digits), their labels and, with `texts`, their texts.
 */
export function selectionRecord(
  head: Readonly<Record<string, number>>,
  chosen: Selection,
  demos: TextDataset,
  options: { readonly texts?: boolean } = {},
): string {
  const scores = chosen.scores.map((x) => Number(x.toPrecision(6)));
  const labels = chosen.indices.map((i) => demos.labels[i]);
  const texts = options.texts ? { texts: chosen.indices.map((i) => demos.texts[i]) } : {};
  return `${JSON.stringify({ ...head, indices: chosen.indices, scores, labels, ...texts })}\n`;
}
