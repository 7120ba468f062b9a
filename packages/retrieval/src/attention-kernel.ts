/**
 * `attention-kernel`: the model's own kernel read from one attention head (Han et al. 2023: a head
 * whose softmax weights are the kernel regression's). The score of pool item i is the head's
 * pre-softmax query-key product q . k_i / sqrt(d_head), positional bias excluded, of the query's
 * final position against item i's label (or delimiter) position. The caller gives the features:
 * each pool item's key k_i (the example run alone as `x y delim`) as a pool row, and the query's q
 * (x_test run alone), already scaled by 1 / sqrt(d_head), as the query features; the score is their
 * inner product, exactly what the head adds the positional bias to before its softmax.
 */
import { OptionError, type Rng } from '@iclkr/core';
import { BaseRetriever, type Pool, type Query, type Selection, topN } from './retriever.js';
import { dotToPool } from './space.js';

/** The n pool items with the largest query-key score under one head, best first; scores are q . k_i / sqrt(d_head). */
export class AttentionKernelRetriever extends BaseRetriever {
  readonly name = 'attention-kernel';

  protected override prepare(pool: Pool): void {
    if (pool.features === undefined) {
      throw new OptionError(
        "attention-kernel needs the pool features: each example's key vector at its label or delimiter position for the chosen head",
        'compute them with the model (compare-retrievers and retrieve do, with --head L.H) and pass them as pool.features, ' +
          'the query vector scaled by 1/sqrt(d_head) as query.features',
      );
    }
  }

  protected choose(query: Query, n: number, _rng: Rng): Selection {
    return topN(dotToPool(this.pool.features!, query, this.name), n, query.index);
  }
}
