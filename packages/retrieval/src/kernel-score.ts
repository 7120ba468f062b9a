/**
 * `true-kernel` and `belief`: demonstrations ranked by a kernel the caller computes, K(x_test, x_i)
 * for every pool item. In a task world these are the world's own kernels (the theorem's
 * vec(T_x)^T Sigma^-1 vec(T_x') and the belief-state inner product, Han et al. 2023, §4): the
 * retrieval the theory calls best. The package stays world-free: the kernel comes as a function.
 */
import { DataError, OptionError, type Rng } from '@iclkr/core';
import { BaseRetriever, type Query, type Selection, topN } from './retriever.js';

/** A kernel against the fitted pool: one value K(query, x_i) per pool item, in pool order. */
export type PoolKernel = (query: Query) => ArrayLike<number>;

/** The option of the kernel-scored strategies: the kernel itself. */
export interface KernelScoreOptions {
  readonly kernel?: PoolKernel;
}

/** The n pool items with the largest caller-given kernel value, best first; scores are the kernel values. */
export class KernelScoreRetriever extends BaseRetriever<KernelScoreOptions> {
  constructor(
    readonly name: string,
    options: KernelScoreOptions,
    private readonly what: string,
  ) {
    super(options);
  }

  protected override prepare(): void {
    if (this.options.kernel === undefined) {
      throw new OptionError(
        `${this.name} needs ${this.what}: a function giving K(x_test, x_i) for every pool item`,
        'choose it in a task world (compare-retrievers builds it from the world), or pass options.kernel',
      );
    }
  }

  protected choose(query: Query, n: number, _rng: Rng): Selection {
    const scores = this.options.kernel!(query);
    const size = this.pool.texts.length;
    if (scores.length !== size)
      throw new DataError(`${this.name} kernel`, undefined, `gave ${scores.length} values for a pool of ${size}`, 'give one per pool item');
    for (let i = 0; i < size; i++) {
      if (!Number.isFinite(scores[i]))
        throw new DataError(`${this.name} kernel`, undefined, `gave ${scores[i]} for pool item ${i}`, 'give finite kernel values');
    }
    return topN(scores, n, query.index);
  }
}
