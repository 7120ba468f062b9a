/**
 * `balanced`: as equal a number of demonstrations per class as n allows, random within each class
 * (class-balanced prompts, as in Min et al. 2022, "Rethinking the Role of Demonstrations", and
 * Zhao et al. 2021, "Calibrate Before Use", which show label balance moves ICL accuracy).
 */
import type { Rng } from '@iclkr/core';
import { BaseRetriever, type Pool, type Query, type Selection } from './retriever.js';

/**
 * How many of n to take from each class: floor(n / C) each, the remainder to randomly chosen
 * classes, and whatever a small class cannot give spread over the others in the same way.
 */
export function balancedCounts(available: readonly number[], n: number, rng: Rng): number[] {
  const counts = available.map(() => 0);
  let left = n;
  for (;;) {
    const open = available.map((a, c) => (counts[c] < a ? c : -1)).filter((c) => c >= 0);
    if (left === 0 || open.length === 0) return counts;
    const share = Math.floor(left / open.length);
    const extra = new Set(rng.shuffle(open.slice()).slice(0, left - share * open.length));
    for (const c of open) {
      const take = Math.min(share + (extra.has(c) ? 1 : 0), available[c] - counts[c]);
      counts[c] += take;
      left -= take;
    }
  }
}

/** Class-balanced random demonstrations in a shuffled order (so classes are interleaved); every score is 0. */
export class BalancedRetriever extends BaseRetriever {
  readonly name = 'balanced';
  private byClass: number[][] = [];

  protected override prepare(pool: Pool): void {
    this.byClass = Array.from({ length: pool.numClasses }, () => []);
    for (let i = 0; i < pool.texts.length; i++) this.byClass[pool.labels[i]].push(i);
  }

  protected choose(query: Query, n: number, rng: Rng): Selection {
    const members = this.byClass.map((items) => items.filter((i) => i !== query.index));
    const counts = balancedCounts(
      members.map((m) => m.length),
      n,
      rng,
    );
    const indices = rng.shuffle(members.flatMap((items, c) => rng.shuffle(items.slice()).slice(0, counts[c])));
    return { indices, scores: indices.map(() => 0) };
  }
}
