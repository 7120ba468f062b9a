/**
 * Which demonstrations get attention (SPEC §3.3): per head, the correlation between a_i and the
 * model's own similarity sim(x_test, x_i) = P(o | x_test)^T P(o | x_i), accumulated over prompts.
 */

import { OptionError, ShapeError } from '@iclkr/core';
import { pearson, spearman } from '@iclkr/kernels';
import { demonstrationWeights, type VoteVariant } from './attention-vote.js';
import { checkRows, type LayerHeadRows } from './pattern.js';
import type { PromptSpans } from './spans.js';

/** sim(x_test, x_i) = P(o | x_test)^T P(o | x_i) for each demonstration, from next-token distributions of each text alone. */
export function outputSimilarity(query: ArrayLike<number>, demonstrations: readonly ArrayLike<number>[]): Float64Array {
  return Float64Array.from(demonstrations, (p, i) => {
    if (p.length !== query.length) {
      throw new ShapeError(
        `distribution of demonstration ${i + 1} has ${p.length} values, the query's ${query.length}`,
        'give distributions over the same outputs',
      );
    }
    let s = 0;
    for (let o = 0; o < p.length; o++) s += query[o] * p[o];
    return s;
  });
}

/** One head's correlations between a_i and the similarity; null where no prompt defines them. */
export interface HeadCorrelation {
  readonly layer: number;
  readonly head: number;
  /** `kernelCorrelation`: Pearson per prompt, averaged over the prompts where both vectors vary. */
  readonly pearson: number | null;
  /** Spearman per prompt, averaged likewise. */
  readonly spearman: number | null;
  /** Pearson over all (a_i, sim_i) pairs of all prompts pooled. */
  readonly pooledPearson: number | null;
  /** Spearman over all pairs pooled. */
  readonly pooledSpearman: number | null;
  /** Prompts whose per-prompt Pearson is defined (neither vector constant). */
  readonly prompts: number;
}

const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);

/** Pearson from the sums [n, a, s, a^2, s^2, a s]; null below 2 pairs or with a constant side. */
function momentPearson([n, a, s, aa, ss, as]: Float64Array): number | null {
  if (n < 2) return null;
  const cov = as - (a * s) / n;
  const va = aa - (a * a) / n;
  const vs = ss - (s * s) / n;
  return va > 0 && vs > 0 ? finiteOrNull(cov / Math.sqrt(va * vs)) : null;
}

/**
 * Streaming per-head correlation of a_i (`span` variant by default) with the similarity. The
 * headline `kernelCorrelation` is the per-prompt Pearson mean (`pearson`); the pooled Pearson
 * streams from sums, while the pooled Spearman keeps every a_i (one number per demonstration and
 * head) until `result`, unless `pooledSpearman: false` (then memory does not grow with prompts).
 */
export class KernelCorrelation {
  readonly variant: VoteVariant;
  private shape?: [number, number];
  private sums?: { pearson: Float64Array; spearman: Float64Array; count: Float64Array; spearmanCount: Float64Array };
  private weights: number[][] = [];
  private readonly similarity: number[] = [];
  /** Per head: pairs, sums of a, s, a^2, s^2, a s over every pair of every prompt. */
  private moments?: Float64Array[];
  private readonly keepPairs: boolean;

  constructor(options: { variant?: VoteVariant; pooledSpearman?: boolean } = {}) {
    this.variant = options.variant ?? 'span';
    this.keepPairs = options.pooledSpearman ?? true;
  }

  /** Adds one prompt: final-position rows by [layer][head], spans and sim(x_test, x_i) per demonstration. */
  add(rows: LayerHeadRows, spans: PromptSpans, similarity: ArrayLike<number>): this {
    const [layers, heads] = checkRows(rows, spans.length, this.shape);
    if (similarity.length !== spans.y.length) {
      throw new ShapeError(
        `${similarity.length} similarities for ${spans.y.length} demonstrations`,
        'give one similarity per demonstration',
      );
    }
    for (let i = 0; i < similarity.length; i++) {
      if (!Number.isFinite(similarity[i]))
        throw new OptionError(`similarity of demonstration ${i + 1} is ${similarity[i]}`, 'give finite similarities');
    }
    if (!this.shape) {
      this.shape = [layers, heads];
      const zeros = () => new Float64Array(layers * heads);
      this.sums = { pearson: zeros(), spearman: zeros(), count: zeros(), spearmanCount: zeros() };
      this.weights = Array.from({ length: layers * heads }, () => []);
      this.moments = Array.from({ length: layers * heads }, () => new Float64Array(6));
    }
    const sums = this.sums!;
    for (let l = 0; l < layers; l++) {
      for (let h = 0; h < heads; h++) {
        const j = l * heads + h;
        const a = demonstrationWeights(rows[l][h], spans, this.variant);
        if (this.keepPairs) for (const v of a) this.weights[j].push(v);
        const m = this.moments![j];
        a.forEach((v, i) => {
          const sv = similarity[i];
          m[0]++;
          m[1] += v;
          m[2] += sv;
          m[3] += v * v;
          m[4] += sv * sv;
          m[5] += v * sv;
        });
        if (a.length < 2) continue;
        const r = pearson(a, similarity);
        if (Number.isFinite(r)) {
          sums.pearson[j] += r;
          sums.count[j]++;
        }
        const rho = spearman(a, similarity);
        if (Number.isFinite(rho)) {
          sums.spearman[j] += rho;
          sums.spearmanCount[j]++;
        }
      }
    }
    if (this.keepPairs) for (let i = 0; i < similarity.length; i++) this.similarity.push(similarity[i]);
    return this;
  }

  /** Correlations per head, in layer-then-head order. */
  result(): HeadCorrelation[] {
    if (!this.shape) throw new OptionError('kernel correlation has no prompts', 'add at least one prompt before result()');
    const [layers, heads] = this.shape;
    const sums = this.sums!;

    const out: HeadCorrelation[] = [];
    for (let l = 0; l < layers; l++) {
      for (let h = 0; h < heads; h++) {
        const j = l * heads + h;
        out.push({
          layer: l,
          head: h,
          pearson: sums.count[j] > 0 ? sums.pearson[j] / sums.count[j] : null,
          spearman: sums.spearmanCount[j] > 0 ? sums.spearman[j] / sums.spearmanCount[j] : null,
          pooledPearson: momentPearson(this.moments![j]),
          pooledSpearman: this.similarity.length >= 2 ? finiteOrNull(spearman(this.weights[j], this.similarity)) : null,
          prompts: sums.count[j],
        });
      }
    }
    return out;
  }
}
