/**
 * `in-distribution`: the pool texts the model finds most likely, i.e. of lowest perplexity (Gonen
 * et al. 2022, "Demystifying Prompts in Language Models via Perplexity"). The kernel view says
 * why: the bias eta^2 eps_theta grows as demonstrations leave the pre-training distribution (Han
 * et al. 2023, §6). Query-independent. The caller gives one feature per text: its mean
 * log-probability per token under the model (e.g. spanLogLikelihoods from @iclkr/probing).
 */
import { OptionError, type Rng } from '@iclkr/core';
import { BaseRetriever, type Pool, type Query, type Selection, topN } from './retriever.js';

/** The n pool items with the highest mean log-probability per token (lowest perplexity); scores are those log-probabilities. */
export class InDistributionRetriever extends BaseRetriever {
  readonly name = 'in-distribution';

  protected override prepare(pool: Pool): void {
    if (pool.features === undefined || pool.features.cols !== 1) {
      throw new OptionError(
        `in-distribution needs one feature per pool text, ` +
          `its mean log-probability per token under the model${pool.features ? ` (got ${pool.features.cols} columns)` : ''}`,
        'compute them with the model (e.g. spanLogLikelihoods from @iclkr/probing, ' +
          'or iclkr retrieve --strategy in-distribution --model DIR) and pass them as pool.features',
      );
    }
  }

  protected choose(query: Query, n: number, _rng: Rng): Selection {
    return topN(this.pool.features!.data, n, query.index);
  }
}
