/**
 * `random`: n demonstrations drawn uniformly without replacement (seeded), the baseline every
 * retrieval paper compares against (Brown et al. 2020, "Language Models are Few-Shot Learners";
 * OpenICL's RandomRetriever, Wu et al. 2023).
 */
import type { Rng } from '@iclkr/core';
import { BaseRetriever, type Query, type Selection } from './retriever.js';

/** Uniform random demonstrations; every score is 0 (no similarity is computed). */
export class RandomRetriever extends BaseRetriever {
  readonly name = 'random';

  protected choose(query: Query, n: number, rng: Rng): Selection {
    // A full Fisher–Yates shuffle of the pool, then its first n: the draw `iclkr probe` has always
    // made, so that its default prompts stay the same for a given seed.
    const indices = rng
      .shuffle(Array.from({ length: this.pool.texts.length }, (_, i) => i))
      .filter((i) => i !== query.index)
      .slice(0, n);
    return { indices, scores: indices.map(() => 0) };
  }
}
