/**
 * `hidden-knn`: the n pool items nearest the query by cosine of the model's hidden states at a
 * chosen layer, mean-pooled over each input's own tokens with the input run alone: the explicit
 * kernel regression the paper compares attention with (Han et al. 2023, §5), used to choose
 * demonstrations. The caller gives the feature rows (one per pool text, and the query's).
 */
import { OptionError, type Rng } from '@iclkr/core';
import { BaseRetriever, type Pool, type Query, type Selection, topN } from './retriever.js';
import { dotToPool } from './space.js';

/** The n pool items whose hidden states are nearest the query's by cosine, nearest first; scores are the cosines. */
export class HiddenKnnRetriever extends BaseRetriever {
  readonly name = 'hidden-knn';

  protected override prepare(pool: Pool): void {
    if (pool.features === undefined) {
      throw new OptionError(
        "hidden-knn needs the pool features: each text's mean-pooled hidden state at the chosen layer, the text run alone",
        'compute them with the model (compare-retrievers and retrieve do, with --layer L) and pass them as pool.features',
      );
    }
  }

  protected choose(query: Query, n: number, _rng: Rng): Selection {
    return topN(dotToPool(this.pool.features!, query, this.name, true), n, query.index);
  }
}
