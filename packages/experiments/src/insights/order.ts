/**
 * The order experiment (SPEC §4, "order sensitivity is a known gap of the kernel view"): each
 * prompt run with its demonstrations in several orders. Kernel regression ignores order, so it
 * predicts that neither the model's prediction nor the best head's vote changes; we measure how far
 * the model is from that.
 */
import type { InsightsOrderRow } from '@iclkr/core';
import { argmax, argmaxCredit, meanInterval, wilsonProportion } from '@iclkr/kernels';
import { VOTE_VARIANTS } from '@iclkr/probing';
import type { ExperimentIo } from '../io.js';
import { type InsightsSettings, RowHeads, Stage } from './common.js';
import { demonstrationOrders, factorial, streamRng } from './noise.js';
import type { PromptSpace } from './prompts.js';
import { headVotes, type LaidOutPrompt, scorePrompts } from './score.js';

/** How the order experiment runs: at most `permutations` orders per prompt (all when n! is fewer). */
export interface OrderSettings extends InsightsSettings {
  readonly permutations: number;
}

/** What one prompt in one order gave: the model's prediction and gold probability, every head's vote and gold share. */
interface OrderScore {
  prediction: number;
  goldProbability: number;
  credit: number;
  heads: { prediction: Int32Array[]; goldShare: Float64Array[] };
}

const spreadOf = (values: readonly number[]) => Math.max(...values) - Math.min(...values);

/** The population standard deviation of `values` (over the orders run). */
function sd(values: readonly number[]): number {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
}

/** The orders each prompt of a draw runs in (seeded per prompt): min(permutations, n!), the given order first. */
export function promptOrders(n: number, keys: readonly number[], settings: Pick<OrderSettings, 'permutations' | 'seed'>): number[][][] {
  return keys.map((key) => demonstrationOrders(n, settings.permutations, streamRng(settings.seed, 0x0bde, n, key)));
}

/**
 * Per n: the share of prompts whose prediction changes across orders, the spread (max - min and
 * standard deviation) of the gold label's probability, with 95% intervals over prompts, and the
 * same for the best head's vote (the head chosen on the given orders' selection split).
 */
export function orderRows<X, L>(space: PromptSpace<X, L>, settings: OrderSettings, io: ExperimentIo): InsightsOrderRow[] {
  const rows: InsightsOrderRow[] = [];
  const counts = settings.shots.map((n) => Math.min(settings.permutations, factorial(n)));
  const total = counts.reduce((s, c) => s + c * settings.prompts, 0);
  const stage = new Stage(io, 'order', total);
  settings.shots.forEach((n) => {
    const base = space.draw(n, settings.prompts, settings.seed);
    const orders = promptOrders(
      n,
      base.map((p) => p.key),
      settings,
    );
    const laid: LaidOutPrompt[] = [];
    const owner: [number, number][] = [];
    base.forEach((p, i) =>
      orders[i].forEach((order, j) => {
        laid.push(space.layOut(p, space.natural, order));
        owner.push([i, j]);
      }),
    );
    const scores: OrderScore[][] = base.map((_, i) => new Array(orders[i].length));
    const heads = new RowHeads(space.classes, settings);
    scorePrompts(space.model, laid, { attention: true, batch: settings.batch, onBatch: stage.advance }, (index, score) => {
      const [i, j] = owner[index];
      const prompt = laid[index];
      scores[i][j] = {
        prediction: argmax(score.distribution),
        goldProbability: score.distribution[prompt.gold],
        credit: argmaxCredit(score.distribution, prompt.gold),
        heads: headVotes(score.rows!, prompt, space.classes),
      };
      if (j === 0) heads.add(prompt, score);
    });
    const head = heads.best();
    const at = head === null ? -1 : head.layer * space.model.config.nHeads + head.head;
    const v = head === null ? 0 : VOTE_VARIANTS.indexOf(head.variant);
    const changed = scores.map((s) => (s.some((x) => x.prediction !== s[0].prediction) ? 1 : 0));
    const spread = scores.map((s) => spreadOf(s.map((x) => x.goldProbability)));
    const spreadSd = scores.map((s) => sd(s.map((x) => x.goldProbability)));
    const [accuracy, accuracyCi] = wilsonProportion(scores.map((s) => s[0].credit));
    const permuted = scores.flatMap((s) => s.map((x) => x.credit));
    const [predictionChange, predictionChangeCi] = wilsonProportion(changed);
    const [spreadMean, spreadCi] = meanInterval(spread);
    const [sdMean, sdCi] = meanInterval(spreadSd);
    const headChanged =
      at < 0 ? null : scores.map((s) => (s.some((x) => x.heads.prediction[v][at] !== s[0].heads.prediction[v][at]) ? 1 : 0));
    const headSpread = at < 0 ? null : scores.map((s) => spreadOf(s.map((x) => x.heads.goldShare[v][at])));
    const headChange = headChanged === null ? null : wilsonProportion(headChanged);
    const headSpreadStats = headSpread === null ? null : meanInterval(headSpread);
    rows.push({
      n,
      prompts: base.length,
      permutations: orders[0].length,
      accuracy,
      accuracyCi,
      permutedAccuracy: permuted.reduce((s, v) => s + v, 0) / permuted.length,
      predictionChange,
      predictionChangeCi,
      spread: spreadMean,
      spreadCi,
      spreadSd: sdMean,
      spreadSdCi: sdCi,
      head,
      headVoteChange: headChange?.[0] ?? null,
      headVoteChangeCi: headChange?.[1] ?? null,
      headSpread: headSpreadStats?.[0] ?? null,
      headSpreadCi: headSpreadStats?.[1] ?? null,
    });
  });
  return rows;
}
