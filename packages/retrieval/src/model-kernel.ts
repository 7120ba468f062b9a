/**
 * `model-kernel`: the model's own similarity, sim(x, x') = P(o | x)^T P(o | x') (Han et al. 2023,
 * "Explaining Emergent In-Context Learning as Kernel Regression", §5: the kernel the model's
 * attention computes). The caller gives the feature rows: each text's next-token distribution
 * when run alone through the model.
 */
import { OptionError, type Rng } from '@iclkr/core';
import { BaseRetriever, type Pool, type Query, type Selection, topN } from './retriever.js';
import { dotToPool } from './space.js';

/** The n pool items with the largest inner product of next-token distributions with the query's; scores are those products. */
export class ModelKernelRetriever extends BaseRetriever {
  readonly name = 'model-kernel';

  protected override prepare(pool: Pool): void {
    if (pool.features === undefined) {
      throw new OptionError(
        'model-kernel needs the pool features P(o | x): the next-token distribution of each text run alone',
        'compute them with the model (e.g. nextTokenDistributions from @iclkr/probing, ' +
          'or iclkr probe --retrieval model-kernel) and pass them as pool.features',
      );
    }
  }

  protected choose(query: Query, n: number, _rng: Rng): Selection {
    return topN(dotToPool(this.pool.features!, query, this.name), n, query.index);
  }
}
