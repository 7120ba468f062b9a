/** Demonstration choice for text queries: n examples of a pool per query, as `iclkr retrieve` prints them. */
import { Rng, type TextDataset } from '@iclkr/core';
import { DemonstrationChooser, type RetrievalSettings, selectionRecord, type TextModel } from './demonstrations.js';
import type { ExperimentIo } from './io.js';

/** What to retrieve: the pool and the queries, the strategy, n, the seed, queries per batch and the model a strategy may need. */
export interface RetrieveSettings {
  readonly demos: TextDataset;
  /** The query texts, in order. */
  readonly queries: readonly string[];
  readonly retrieval: RetrievalSettings;
  readonly shots: number;
  readonly seed: number;
  readonly batch: number;
  readonly model?: TextModel;
}

/**
 * One JSON line per query (`{"query", "indices", "scores", "labels"}`, indices into `demos` in
 * prompt order); progress stage `retrieve`.
 */
export function runRetrieve(settings: RetrieveSettings, io: ExperimentIo): string[] {
  const { demos, queries, batch } = settings;
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
      .forEach((chosen, b) => lines.push(selectionRecord({ query: start + b }, chosen, demos)));
    io.progress(lines.length, queries.length, 'retrieve');
  }
  return lines;
}
