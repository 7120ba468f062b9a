/**
 * The text side of the comparison: queries of a data set (drawn as `iclkr probe` draws them), one
 * pool of demonstrations shared by every query (the --demos file or a seeded subset of it), laid
 * out by a template with label words; the model's views of every pool text are computed once.
 */
import { type Matrix, OptionError, Rng, type TextDataset } from '@iclkr/core';
import { type HookedModel, textPromptSpans, type Tokenizer } from '@iclkr/probing';
import { demonstrationLine, inputTokens, modelLikelihoods } from '../demonstrations.js';
import type { ExperimentIo } from '../io.js';
import { checkTextData } from '../probe/text-prompts.js';
import type { ComparisonSide, PoolView, PromptCase } from './engine.js';
import { type HeadChoice, matrixOf, runAlone } from './model-views.js';
import type { KeyPosition } from './world-side.js';

/** What the text side reads and builds. */
export interface TextSideSettings {
  readonly prompts: number;
  /** Pool size: a seeded subset of --demos (the whole file when it equals its size). */
  readonly pool: number;
  readonly largestShots: number;
  readonly seed: number;
  readonly batch: number;
  readonly template: string;
  readonly labelWords: readonly string[];
  readonly labelTokens: readonly number[];
  readonly views: ReadonlySet<PoolView>;
  readonly layer: number;
  readonly head?: HeadChoice;
  readonly keyPosition: KeyPosition;
}

/** The pool's --demos indices: all of them, or a seeded subset on a stream apart from the queries' (as DemonstrationChooser draws it). */
export function textPoolIndices(size: number, wanted: number, seed: number): number[] {
  if (wanted === size) return Array.from({ length: size }, (_, i) => i);
  const rng = new Rng(seed);
  rng.fork();
  return rng.sample(size, wanted).sort((a, b) => a - b);
}

/** The query indices of `data`: a seeded shuffle cut to `prompts`, the order `iclkr probe` uses. */
export function textQueryIndices(size: number, prompts: number, seed: number): number[] {
  return new Rng(seed).shuffle(Array.from({ length: size }, (_, i) => i)).slice(0, prompts);
}

/** The text side of a comparison. */
export function textSide(
  model: HookedModel,
  tokenizer: Tokenizer,
  data: TextDataset,
  demos: TextDataset,
  _names: { readonly data: string; readonly demos: string },
  settings: TextSideSettings,
  io: ExperimentIo,
): ComparisonSide & { readonly poolIndices: readonly number[]; readonly queryIndices: readonly number[] } {
  checkTextData(data, demos);
  const size = demos.texts.length;
  if (settings.pool > size)
    throw new OptionError(`--pool ${settings.pool} is more than the ${size} examples of --demos`, `pass --pool ${size} or fewer`);
  if (settings.pool < settings.largestShots)
    throw new OptionError(
      `the pool of ${settings.pool} demonstrations is smaller than the largest --shots ${settings.largestShots}`,
      `pass --pool ${settings.largestShots} or more, or fewer --shots`,
    );
  if (settings.prompts > data.texts.length)
    throw new OptionError(
      `--prompts ${settings.prompts} is more than the ${data.texts.length} examples of --data`,
      `pass --prompts ${data.texts.length} or fewer`,
    );
  const poolIndices = textPoolIndices(size, settings.pool, settings.seed);
  const queryIndices = textQueryIndices(data.texts.length, settings.prompts, settings.seed);
  const { template, labelWords } = settings;
  const texts = poolIndices.map((i) => demos.texts[i]);
  const labels = poolIndices.map((i) => demos.labels[i]);
  const pool = { texts, labels, numClasses: data.labelNames.length };
  const queries = queryIndices.map((q) => data.texts[q]);
  const cases: PromptCase[] = queryIndices.map((q, i) => ({ poolId: 0, pool, query: queries[i], gold: data.labels[q] }));
  const progress = (label: string) => (done: number, total: number) => io.progress(done, total, label);
  const inputs = [...texts, ...queries].map((t) => inputTokens(tokenizer, template, t));
  io.log(
    `runs each of the ${texts.length} pool texts and ${queries.length} queries alone through the model ` +
      '(P(o | x) and hidden states, once); --pool N changes the pool',
  );
  const alone = runAlone(model, inputs, { distribution: true, hiddenLayer: settings.layer }, settings.batch, progress('pool texts alone'));
  const wantsKey = settings.views.has('key');
  let keys: Float32Array[] = [];
  let queryVectors: Float32Array[] = [];
  if (wantsKey) {
    const lines = texts.map((t, i) => demonstrationLine(tokenizer, template, t, labelWords[labels[i]]));
    keys = runAlone(
      model,
      lines.map((l) => l.ids),
      { head: settings.head, keyPositions: lines.map((l) => (settings.keyPosition === 'label' ? l.label : l.delimiter)) },
      settings.batch,
      progress('pool lines alone'),
    ).keys;
    const queryLines = queries.map((t) => textPromptSpans(tokenizer, [], t, { template }).ids);
    queryVectors = runAlone(model, queryLines, { head: settings.head, query: true }, settings.batch, progress('queries alone')).queries;
  }
  const likelihoods = settings.views.has('likelihood')
    ? modelLikelihoods({ model, tokenizer, template, batch: settings.batch }, texts, io)
    : undefined;
  const { vocabSize, dModel, dHead } = model.config;
  const n = texts.length;
  const views = new Map<PoolView, Matrix>();
  const cached = (view: PoolView, make: () => Matrix) => {
    const m = views.get(view) ?? make();
    views.set(view, m);
    return m;
  };
  return {
    model,
    numClasses: data.labelNames.length,
    labelTokens: settings.labelTokens,
    cases,
    batch: settings.batch,
    poolIndices,
    queryIndices,
    poolView(_poolId, view) {
      if (view === 'distribution') return cached(view, () => matrixOf(alone.distributions.slice(0, n), vocabSize));
      if (view === 'hidden') return cached(view, () => matrixOf(alone.hidden.slice(0, n), dModel));
      if (view === 'key') return cached(view, () => matrixOf(keys, dHead));
      return likelihoods!;
    },
    queryView(caseIndex, view) {
      if (view === 'distribution') return alone.distributions[n + caseIndex];
      if (view === 'hidden') return alone.hidden[n + caseIndex];
      return queryVectors[caseIndex];
    },
    prompt(caseIndex, chosen) {
      const { ids, spans } = textPromptSpans(
        tokenizer,
        chosen.map((i) => ({ x: texts[i], y: labelWords[labels[i]] })),
        queries[caseIndex],
        { template },
      );
      return { tokens: ids, spans };
    },
  };
}
