/**
 * `mdl`: OpenICL's MDLRetriever (Wu et al. 2022, "Self-adaptive In-context Learning: An Information
 * Compression Perspective for In-context Example Selection and Ordering"). A first stage takes the
 * query's `candidates` nearest pool items by cosine (features, else TF-IDF); then `sets` candidate
 * sets of n are formed — the first the n nearest in order, the others n drawn at random from the
 * candidates (seeded), in the order drawn — and the set on which the model's label distribution for
 * the query has the least entropy (the shortest code for its label) wins. The model's part comes as
 * a function, so the package stays model-free.
 */
import { DataError, OptionError, type Rng } from '@iclkr/core';
import { BaseRetriever, type Pool, type Query, type Selection, topN } from './retriever.js';
import { type CosineSpace, cosineSpace } from './space.js';

/**
 * The model's label entropy on a query with each candidate set as its demonstrations: `sets` are
 * pool indices in prompt order; one entropy (nats) per set.
 */
export type LabelEntropy = (query: Query, sets: readonly (readonly number[])[]) => ArrayLike<number>;

/** The first stage's size, how many sets are scored, and the model's scoring function. */
export interface MdlOptions {
  /** Nearest pool items the sets are drawn from (default 30, at least n). */
  readonly candidates?: number;
  /** Candidate sets scored per query (OpenICL's select_time; default 10). */
  readonly sets?: number;
  /** The model's label entropy for each candidate set (required). */
  readonly labelEntropy?: LabelEntropy;
}

/** Defaults of the MDL search. */
export const MDL_DEFAULTS = { candidates: 30, sets: 10 } as const;

/**
 * The candidate sets MDL scores for one query: the first n of `near` (the nearest first), then
 * `sets - 1` seeded draws of n from `near` without replacement in the order drawn; repeats dropped.
 */
export function mdlCandidateSets(near: readonly number[], n: number, sets: number, rng: Rng): number[][] {
  const out: number[][] = [near.slice(0, n)];
  const seen = new Set([out[0].join(',')]);
  for (let s = 1; s < sets; s++) {
    const set = rng.sample(near.length, n).map((i) => near[i]);
    const key = set.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(set);
  }
  return out;
}

/** The candidate set of least label entropy (ties to the earlier set); scores are each item's first-stage cosine. */
export class MdlRetriever extends BaseRetriever<MdlOptions> {
  readonly name = 'mdl';
  private space: CosineSpace | undefined;

  protected override prepare(pool: Pool): void {
    if (this.options.labelEntropy === undefined) {
      throw new OptionError(
        "mdl needs a model: it keeps the candidate set on which the model's label distribution for the query has the least entropy",
        'give a model (--model DIR; compare-retrievers and retrieve build the scoring from it), or pass options.labelEntropy',
      );
    }
    this.space = cosineSpace(pool, this.name);
  }

  protected choose(query: Query, n: number, rng: Rng): Selection {
    const sims = this.space!.toPool(query);
    const available = this.pool.texts.length - (query.index === undefined ? 0 : 1);
    const near = topN(sims, Math.min(available, Math.max(n, this.options.candidates ?? MDL_DEFAULTS.candidates)), query.index).indices;
    const sets = mdlCandidateSets(near, n, this.options.sets ?? MDL_DEFAULTS.sets, rng);
    const entropies = this.options.labelEntropy!(query, sets);
    if (entropies.length !== sets.length)
      throw new DataError('mdl label entropy', undefined, `gave ${entropies.length} values for ${sets.length} sets`, 'give one per set');
    let best = 0;
    for (let s = 0; s < sets.length; s++) {
      if (!Number.isFinite(entropies[s]))
        throw new DataError('mdl label entropy', undefined, `gave ${entropies[s]} for set ${s}`, 'give finite entropies');
      if (entropies[s] < entropies[best]) best = s;
    }
    return { indices: sets[best], scores: sets[best].map((i) => sims[i]) };
  }
}
