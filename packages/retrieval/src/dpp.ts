/**
 * `dpp`: relevance and diversity together (OpenICL's DPPRetriever, Wu et al. 2023, after Ye et al.
 * 2023, "Compositional Exemplars for In-context Learning"): the top candidates by relevance, then
 * greedy MAP inference of a determinantal point process (Chen, Zhang & Zhou 2018, "Fast Greedy MAP
 * Inference for Determinantal Point Process") on L = diag(r) S diag(r), with S the cosine
 * similarity among candidates and r the relevance to the query, both mapped to [0, 1] by (c + 1) / 2.
 */
import type { Rng } from '@iclkr/core';
import { BaseRetriever, type Pool, type Query, type Selection, topN } from './retriever.js';
import { type CosineSpace, cosineSpace } from './space.js';

/** How many candidates the DPP chooses among, and how strongly relevance outweighs diversity. */
export interface DppOptions {
  /** Candidates taken by relevance before the DPP (default 100, at least n). */
  readonly candidates?: number;
  /** OpenICL's scale_factor: r = exp(rel / (2 scale)); smaller favours relevance (default 0.1). */
  readonly scale?: number;
}

/**
 * Greedy MAP inference of a DPP with kernel L ([m, m] row-major, symmetric PSD): each step adds the
 * item with the largest marginal gain d_i^2 = det(L_{Y+i}) / det(L_Y), updated by Chen et al.'s
 * incremental Cholesky rows in O(m k) per step. Returns the items in order and each one's gain, so
 * that sum(log gains) = log det(L_Y). Stops early when no item adds a positive gain.
 */
export function greedyMapDpp(kernel: Float64Array, m: number, k: number): { items: number[]; gains: number[] } {
  const d2 = Float64Array.from({ length: m }, (_, i) => kernel[i * m + i]);
  const c: Float64Array[] = [];
  const items: number[] = [];
  const gains: number[] = [];
  const taken = new Uint8Array(m);
  while (items.length < k) {
    let best = -1;
    for (let i = 0; i < m; i++) if (!taken[i] && (best < 0 || d2[i] > d2[best])) best = i;
    if (best < 0 || !(d2[best] > 1e-12)) break;
    items.push(best);
    gains.push(d2[best]);
    taken[best] = 1;
    const d = Math.sqrt(d2[best]);
    const e = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      let dot = 0;
      for (const row of c) dot += row[best] * row[i];
      e[i] = (kernel[best * m + i] - dot) / d;
      d2[i] -= e[i] * e[i];
    }
    c.push(e);
  }
  return { items, gains };
}

/** OpenICL's DPP kernel: r_i = exp(((c_i + 1) / 2 - max) / (2 scale)), L = r_i ((S_ij + 1) / 2) r_j. */
export function dppKernel(relevance: ArrayLike<number>, similarity: Float64Array, scale: number): Float64Array {
  const m = relevance.length;
  const shifted = Array.from(relevance, (c) => (c + 1) / 2);
  const top = Math.max(...shifted);
  const r = shifted.map((s) => Math.exp((s - top) / (2 * scale)));
  return Float64Array.from(similarity, (s, ij) => r[Math.floor(ij / m)] * ((s + 1) / 2) * r[ij % m]);
}

/** DPP over the top candidates: items in greedy order; scores are their cosine relevance to the query. */
export class DppRetriever extends BaseRetriever<DppOptions> {
  readonly name = 'dpp';
  private space: CosineSpace | undefined;

  protected override prepare(pool: Pool): void {
    this.space = cosineSpace(pool, this.name);
  }

  protected choose(query: Query, n: number, _rng: Rng): Selection {
    const space = this.space!;
    const candidates = topN(space.toPool(query), Math.max(n, this.options.candidates ?? 100), query.index);
    const kernel = dppKernel(candidates.scores, space.among(candidates.indices), this.options.scale ?? 0.1);
    const { items } = greedyMapDpp(kernel, candidates.indices.length, n);
    // Duplicates give zero gain: if the DPP stops short, fill with the most relevant candidates left.
    for (let i = 0; items.length < n; i++) if (!items.includes(i)) items.push(i);
    return { indices: items.map((i) => candidates.indices[i]), scores: items.map((i) => candidates.scores[i]) };
  }
}
