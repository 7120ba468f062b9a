// Gradients of the training loss (tfjs autodiff through our custom ops, float32) against central
// finite differences of the independent float64 loop implementation (test/naive-gpt.ts).
import { Rng, tf } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { idsTensor, naiveLoss, randomIds, randomParams, toNaive } from '../../test/naive-gpt.js';
import type { GptConfig } from './config.js';
import { createGpt } from './init.js';
import { lmLoss } from './loss.js';

const TINY: GptConfig = { vocabSize: 7, nCtx: 6, nLayers: 2, nHeads: 2, dModel: 8, dMlp: 16, positions: 'alibi', tiedEmbeddings: false };

describe.each([
  ['alibi', TINY],
  ['sinusoidal, tied', { ...TINY, positions: 'sinusoidal', tiedEmbeddings: true }],
  ['learned, attention-only', { ...TINY, positions: 'learned', dMlp: 0 }],
] as [string, GptConfig][])('gradients of our GPT (%s)', (name, config) => {
  it('match float64 central differences (relative error < 1e-2)', () => {
    const params = randomParams(config, 11);
    const naive = toNaive(params);
    const model = createGpt(config, params);
    const ids = randomIds(config.vocabSize, 2, 5, 12);
    const targets = randomIds(config.vocabSize, 2, 5, 13);
    const rng = new Rng(14);
    const weights = targets.map((row) => row.map(() => 0.5 + rng.uniform()));
    const input = idsTensor(ids);
    const targetTensor = idsTensor(targets);
    const weightTensor = tf.tensor2d(weights.flat(), [2, 5]);
    const variables = Object.values(params) as tf.Variable[];
    const { value, grads } = tf.variableGrads(() => {
      const { logits } = model.run(input);
      return lmLoss(logits, targetTensor, weightTensor);
    }, variables);
    expect(Math.abs(value.dataSync()[0]! - naiveLoss(config, naive, ids, targets, weights))).toBeLessThan(1e-5);
    const scale = Math.max(...Object.values(grads).map((g) => tf.max(tf.abs(g)).dataSync()[0]!));
    let worst = 0;
    let checked = 0;
    for (const [param, variable] of Object.entries(params)) {
      const analytic = grads[(variable as tf.Variable).name]!.dataSync();
      const values = naive.get(param)!;
      for (let draw = 0; draw < 3; draw++) {
        const i = rng.int(values.length);
        const original = values[i]!;
        const h = 1e-5;
        values[i] = original + h;
        const up = naiveLoss(config, naive, ids, targets, weights);
        values[i] = original - h;
        const down = naiveLoss(config, naive, ids, targets, weights);
        values[i] = original;
        const numeric = (up - down) / (2 * h);
        // Relative to the entry, with a floor of 1e-2 of the largest gradient (float32 noise on tiny entries).
        const error = Math.abs(analytic[i]! - numeric) / Math.max(Math.abs(numeric), 1e-2 * scale);
        worst = Math.max(worst, error);
        checked++;
      }
    }
    console.log(`${name}: ${checked} gradient entries, worst relative error ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-2);
    tf.dispose([value, input, targetTensor, weightTensor, ...Object.values(grads)]);
    model.dispose();
  });
});
