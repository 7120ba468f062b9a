/** One head of a probe report on one of its sampled prompts (the web app's head view): a_i per demonstration and the vote per label. */
import type { ProbeSample } from '@iclkr/core';
import { demonstrationWeights, type PromptSpans, spansFromSegments, type VoteVariant } from '@iclkr/probing';

/** A head's reading of a prompt: its final-position row, a_i, the summed vote per label and its argmax (ties to the lowest label). */
export interface HeadReading {
  readonly spans: PromptSpans;
  readonly row: readonly number[];
  readonly weights: Float64Array;
  readonly votes: Float64Array;
  readonly prediction: number;
}

/** Reads head (layer, head) of a sample in a variant: a_i = max attention over demonstration i's span; vote_y = sum_i a_i [y_i = y]. */
export function readHead(sample: ProbeSample, layer: number, head: number, variant: VoteVariant, numClasses: number): HeadReading {
  const spans = spansFromSegments(sample.segments, `prompt ${sample.prompt}`);
  const row = sample.attention[layer][head];
  const weights = demonstrationWeights(row, spans, variant);
  const votes = new Float64Array(numClasses);
  sample.labels.forEach((y, i) => {
    votes[y] += weights[i];
  });
  let prediction = 0;
  for (let c = 1; c < numClasses; c++) if (votes[c] > votes[prediction]) prediction = c;
  return { spans, row, weights, votes, prediction };
}
