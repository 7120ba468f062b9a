/**
 * `knn`: KATE (Liu et al. 2022, "What Makes Good In-Context Examples for GPT-3?"), the n pool items
 * nearest the query by cosine similarity of feature vectors (sentence embeddings in the paper;
 * TF-IDF vectors of the texts when no features are given). OpenICL's TopkRetriever.
 */
import type { Rng } from '@iclkr/core';
import { BaseRetriever, type Pool, type Query, type Selection, topN } from './retriever.js';
import { type CosineSpace, cosineSpace } from './space.js';

/** The n nearest pool items by cosine, nearest first; scores are the cosines. */
export class KnnRetriever extends BaseRetriever {
  readonly name = 'knn';
  private space: CosineSpace | undefined;

  protected override prepare(pool: Pool): void {
    this.space = cosineSpace(pool, this.name);
  }

  protected choose(query: Query, n: number, _rng: Rng): Selection {
    return topN(this.space!.toPool(query), n, query.index);
  }
}
