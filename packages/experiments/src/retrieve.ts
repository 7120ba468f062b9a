/** Demonstration choice for text queries: n examples of a pool per query, as `iclkr retrieve` prints them. */
import { OptionError, Rng, type TextDataset } from '@iclkr/core';
import { textQueryIndices } from './compare-retrievers/text-side.js';
import { DemonstrationChooser, type RetrievalSettings, selectionRecord, type TextModel } from './demonstrations.js';
import type { ExperimentIo } from './io.js';

/** What to retrieve: the pool and the queries, the strategy, n, the seed, queries per batch and the model a strategy may need. */
export interface RetrieveSettings {
  readonly demos: TextDataset;
  /** The query texts, in order. */
  readonly queries: readonly string[];
  /** Each query's index in its data file, for the records (default 0, 1, 2, ...: the file order). */
  readonly queryIndices?: readonly number[];
  readonly retrieval: RetrievalSettings;
  readonly shots: number;
  readonly seed: number;
  readonly batch: number;
  readonly model?: TextModel;
}

/**
 * The queries `iclkr retrieve` scores: the first `prompts` examples of the data in file order, or
 * with `sample` the seeded draw `iclkr probe` makes (a shuffle of the file cut to `prompts`).
 */
export function retrieveQueries(data: TextDataset, prompts: number | undefined, sample: boolean, seed: number): number[] {
  const count = prompts ?? data.texts.length;
  if (count > data.texts.length)
    throw new OptionError(
      `--prompts ${count} is more than the ${data.texts.length} examples of --data`,
      `pass --prompts ${data.texts.length} or fewer`,
    );
  return sample ? textQueryIndices(data.texts.length, count, seed) : Array.from({ length: count }, (_, i) => i);
}

/**
 * One JSON line per query (`{"query", "indices", "scores", "labels", "texts"}`, indices into
 * `demos` in prompt order, `texts` the chosen demonstrations' texts); progress stage `retrieve`.
 */
export function runRetrieve(settings: RetrieveSettings, io: ExperimentIo): string[] {
  const { demos, queries, batch } = settings;
  const indices = settings.queryIndices ?? queries.map((_, i) => i);
  if (indices.length !== queries.length)
    throw new OptionError(`${indices.length} query indices for ${queries.length} queries`, 'give one index per query');
  const chooser = new DemonstrationChooser(
    demos,
    { ...settings.retrieval, seed: settings.seed, shots: settings.shots },
    settings.model,
    io,
  );
  const rng = new Rng(settings.seed);
  const lines: string[] = [];
  for (let start = 0; start < queries.length; start += batch) {
    chooser
      .choose(queries.slice(start, start + batch), rng)
      .forEach((chosen, b) => lines.push(selectionRecord({ query: indices[start + b] }, chosen, demos, { texts: true })));
    io.progress(lines.length, queries.length, 'retrieve');
  }
  return lines;
}
