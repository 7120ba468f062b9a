/**
 * `zero`: no demonstrations at all, the zero-shot baseline every retrieval comparison starts from
 * (OpenICL's ZeroRetriever, Wu et al. 2023). Whatever n is asked for, the selection is empty.
 */
import type { Rng } from '@iclkr/core';
import { BaseRetriever, checkQuery, type Query, type Selection } from './retriever.js';

/** Chooses nothing: the prompt is the query alone, for every n. */
export class ZeroRetriever extends BaseRetriever {
  readonly name = 'zero';

  override select(query: Query, n: number, _rng: Rng): Selection {
    checkQuery(this.pool, query);
    if (!Number.isInteger(n) || n < 0) return super.select(query, n, _rng);
    return { indices: [], scores: [] };
  }

  protected choose(): Selection {
    return { indices: [], scores: [] };
  }
}
