/**
 * Training batches for pre-training: token windows of T + 1 tokens, drawn fresh from a world's
 * documents or from a corpus folder, as inputs (first T), next-token targets (last T) and loss
 * weights (label targets weighted by `labelWeight`).
 */
import { DataError, type Rng } from '@iclkr/core';
import type { TrainBatch } from '@iclkr/probing';
import { documents, type World } from '@iclkr/theory';
import type { Corpus } from '@iclkr/theory/node';

/** Shape and weighting of the batches. */
export interface BatchOptions {
  /** Windows per batch. */
  readonly batch: number;
  /** Tokens per window the model sees (its context); each window is length + 1 tokens. */
  readonly length: number;
  /** Loss weight of positions whose target is a label token (1: plain language modelling). */
  readonly labelWeight: number;
}

/** An endless supply of training batches. */
export type BatchSource = () => Promise<TrainBatch>;

/** Fills a batch from `windows` (each length + 1 tokens), weighting label targets. */
function toBatch(windows: readonly ArrayLike<number>[], options: BatchOptions, labels: ReadonlySet<number>): TrainBatch {
  const { batch, length, labelWeight } = options;
  const inputs = new Int32Array(batch * length);
  const targets = new Int32Array(batch * length);
  const weights = new Float32Array(batch * length);
  windows.forEach((w, b) => {
    for (let t = 0; t < length; t++) {
      const target = w[t + 1];
      inputs[b * length + t] = w[t];
      targets[b * length + t] = target;
      weights[b * length + t] = labels.has(target) ? labelWeight : 1;
    }
  });
  return { inputs, targets, weights, batch, length };
}

/** Batches of fresh documents sampled from `world` (a task per document from the prior). */
export function worldBatches(world: World, options: BatchOptions, rng: Rng): BatchSource {
  const labels = new Set(world.spec.labels ?? []);
  return async () => {
    const windows = [...documents(world, { docs: options.batch, length: options.length + 1 }, rng)].map((d) => d.tokens);
    return toBatch(windows, options, labels);
  };
}

/** Batches of random windows of random documents of a corpus written by `iclkr generate`. */
export function corpusBatches(corpus: Corpus, options: BatchOptions, rng: Rng): BatchSource {
  const { docs, docLength } = corpus.description;
  if (docLength < options.length + 1) {
    throw new DataError(
      corpus.dir,
      undefined,
      `documents have ${docLength} tokens, fewer than the context ${options.length} + 1`,
      'generate a corpus with a longer --doc-length or pass a smaller --context',
    );
  }
  const labels = new Set(corpus.world.spec.labels ?? []);
  return async () => {
    const windows: (Uint16Array | Uint32Array)[] = [];
    for (let b = 0; b < options.batch; b++) {
      const doc = await corpus.document(rng.int(docs));
      const start = rng.int(docLength - options.length);
      windows.push(doc.subarray(start, start + options.length + 1));
    }
    return toBatch(windows, options, labels);
  };
}
