// The trainer: the schedule against its closed form, AdamW against a hand-written update, learning
// a tiny task it can only solve by attending to the previous token, no tensor leaks, state errors.
import { IclkrError, OptionError, Rng, ShapeError, tf } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { randomParams } from '../../test/naive-gpt.js';
import { nextTokenDistributions } from '../hooked-model.js';
import type { GptConfig } from './config.js';
import { createGpt, initGptParams } from './init.js';
import { GptTrainer, isDecayed, learningRate, type TrainBatch } from './trainer.js';

const TINY: GptConfig = { vocabSize: 7, nCtx: 8, nLayers: 2, nHeads: 2, dModel: 16, dMlp: 32, positions: 'alibi', tiedEmbeddings: false };

/** Sequences x_t = (x_0 + s t) mod V with a random start and stride s in {1, 2, 3}: the next token needs the previous two. */
function strideBatch(rng: Rng, batch: number, length: number, vocab: number): TrainBatch {
  const inputs = new Int32Array(batch * length);
  const targets = new Int32Array(batch * length);
  const weights = new Float32Array(batch * length);
  for (let b = 0; b < batch; b++) {
    const start = rng.int(vocab);
    const stride = 1 + rng.int(3);
    for (let t = 0; t < length; t++) {
      inputs[b * length + t] = (start + stride * t) % vocab;
      targets[b * length + t] = (start + stride * (t + 1)) % vocab;
      // The first target is a guess between three strides; the rest are determined.
      weights[b * length + t] = t === 0 ? 0 : 1;
    }
  }
  return { inputs, targets, weights, batch, length };
}

describe('learningRate', () => {
  const schedule = { lr: 1e-3, warmup: 10, steps: 110 };
  it('warms up linearly, peaks, and decays by a cosine to 0.1 lr', () => {
    expect(learningRate(0, schedule)).toBeCloseTo(1e-4, 12);
    expect(learningRate(4, schedule)).toBeCloseTo(5e-4, 12);
    expect(learningRate(10, schedule)).toBeCloseTo(1e-3, 12);
    // Halfway through the decay: the mean of peak and floor.
    expect(learningRate(60, schedule)).toBeCloseTo((1e-3 + 1e-4) / 2, 12);
    expect(learningRate(110, schedule)).toBeCloseTo(1e-4, 12);
    expect(learningRate(500, schedule)).toBeCloseTo(1e-4, 12);
    expect(learningRate(0, { lr: 1, warmup: 0, steps: 10, minLr: 0 })).toBe(1);
  });
});

describe('GptTrainer', () => {
  it('decays only the 2-D projection weights', () => {
    expect(['blocks.0.attn.W_Q', 'blocks.1.mlp.W_out', 'unembed.W_U'].every(isDecayed)).toBe(true);
    expect(['embed.W_E', 'pos_embed.W_pos', 'blocks.0.attn.b_Q', 'blocks.0.ln1.w', 'ln_final.b'].some(isDecayed)).toBe(false);
  });

  it('makes the AdamW updates of a hand-written float64 AdamW (two steps, clipping, decoupled decay)', () => {
    const config = { ...TINY, nLayers: 1 };
    const params = randomParams(config, 1);
    const model = createGpt(config, params);
    const options = { lr: 0.01, warmup: 0, steps: 10, weightDecay: 0.1, clip: 0.5 };
    const trainer = new GptTrainer(model, params, options);
    const names = Object.keys(params);
    const m = names.map((n) => new Float64Array(params[n]!.size));
    const v = names.map((n) => new Float64Array(params[n]!.size));
    const rng = new Rng(2);
    for (let t = 1; t <= 2; t++) {
      const batch = strideBatch(rng, 4, 8, 7);
      // The gradient, computed here through tf.grads of the loss written out with plain tf ops.
      const { grads } = tf.tidy(() =>
        tf.variableGrads(() => {
          const { logits } = model.run(tf.tensor2d(batch.inputs, [4, 8], 'int32'));
          const onehot = tf.oneHot(tf.tensor1d(batch.targets, 'int32'), 7).cast('float32');
          const w = tf.tensor1d(batch.weights);
          const ce = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits.reshape([32, 7])), onehot), 1));
          return tf.div(tf.sum(tf.mul(ce, w)), tf.sum(w)) as tf.Scalar;
        }, Object.values(params) as tf.Variable[]),
      );
      const g = names.map((n) => Float64Array.from(grads[(params[n] as tf.Variable).name]!.dataSync()));
      tf.dispose(Object.values(grads));
      const old = names.map((n) => Float64Array.from(params[n]!.dataSync()));
      const norm = Math.sqrt(g.reduce((s, gi) => s + gi.reduce((a, x) => a + x * x, 0), 0));
      const result = trainer.step(batch);
      expect(result.gradNorm).toBeCloseTo(norm, 4);
      const lr = learningRate(t - 1, options);
      expect(result.lr).toBe(lr);
      const scale = Math.min(1, 0.5 / norm);
      let worst = 0;
      names.forEach((name, k) => {
        const after = params[name]!.dataSync();
        for (let i = 0; i < old[k]!.length; i++) {
          const gi = g[k]![i]! * scale;
          m[k]![i] = 0.9 * m[k]![i]! + 0.1 * gi;
          v[k]![i] = 0.98 * v[k]![i]! + 0.02 * gi * gi;
          const mhat = m[k]![i]! / (1 - 0.9 ** t);
          const vhat = v[k]![i]! / (1 - 0.98 ** t);
          const want = old[k]![i]! * (isDecayed(name) ? 1 - lr * 0.1 : 1) - (lr * mhat) / (Math.sqrt(vhat) + 1e-8);
          // Adam divides by |g|: where the exact gradient is 0 (the key bias: softmax ignores a shift of
          // all scores) two float32 computations differ only in rounding noise that it amplifies.
          if (Math.abs(g[k]![i]!) > 1e-6) worst = Math.max(worst, Math.abs(after[i]! - want));
        }
      });
      // Float32 parameters and gradients; an update moves each entry by up to lr = 1e-2.
      expect(worst).toBeLessThan(1e-5);
    }
    const state = trainer.state();
    expect(state.step).toBe(2);
    expect(Math.abs(state.v['blocks.0.attn.W_Q']![3]! - v[names.indexOf('blocks.0.attn.W_Q')]![3]!)).toBeLessThan(1e-9);
    model.dispose();
  });

  it('learns a task that needs the previous tokens (loss falls below a fifth) and leaks no tensors', () => {
    const params = initGptParams(TINY, new Rng(3));
    const model = createGpt(TINY, params);
    const trainer = new GptTrainer(model, params, { lr: 3e-3, warmup: 20, steps: 300 });
    const rng = new Rng(4);
    const validation = strideBatch(new Rng(5), 32, 8, 7);
    const initial = trainer.evalLoss(validation);
    const before = tf.memory().numTensors;
    for (let step = 0; step < 300; step++) {
      const { loss, lr, gradNorm } = trainer.step(strideBatch(rng, 16, 8, 7));
      expect(Number.isFinite(loss) && lr > 0 && gradNorm > 0).toBe(true);
      if (step % 100 === 0) expect(tf.memory().numTensors).toBe(before);
    }
    const final = trainer.evalLoss(validation);
    console.log(`stride task: validation loss ${initial.toFixed(3)} -> ${final.toFixed(3)} in 300 steps`);
    expect(initial).toBeGreaterThan(1.5);
    expect(final).toBeLessThan(initial / 5);
    expect(trainer.stepCount).toBe(300);
    const probs = nextTokenDistributions(model, [
      [0, 2, 4],
      [1, 2],
      [3, 4, 5, 6],
    ]);
    expect(probs.map((p) => p.indexOf(Math.max(...p)))).toEqual([6, 3, 0]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('refuses bad options, batches and states with typed one-line errors', () => {
    const params = initGptParams(TINY, new Rng(6));
    const model = createGpt(TINY, params);
    expect(() => new GptTrainer(model, params, { lr: -1, warmup: 0, steps: 10 })).toThrow(OptionError);
    expect(() => new GptTrainer(model, { x: tf.zeros([2]) }, { lr: 1, warmup: 0, steps: 10 })).toThrow(/not a tf.Variable/);
    const trainer = new GptTrainer(model, params, { lr: 1e-3, warmup: 0, steps: 10 });
    const good = strideBatch(new Rng(7), 2, 4, 7);
    expect(() => trainer.step({ ...good, targets: good.targets.slice(1) })).toThrow(ShapeError);
    expect(() => trainer.step({ ...good, targets: good.targets.map(() => 9) })).toThrow(/target 9 is outside the vocabulary \[0, 7\)/);
    expect(() => trainer.step({ ...good, weights: new Float32Array(8) })).toThrow(/sum to 0/);
    expect(() => trainer.step({ ...good, weights: good.weights.map(() => Number.NaN) })).toThrow(OptionError);
    const state = trainer.state();
    delete state.m['embed.W_E'];
    expect(() => trainer.restore(state)).toThrow(/moment m of "embed.W_E" is missing/);
    // A non-finite loss stops the step before any parameter moves.
    const w = params['blocks.0.attn.W_Q'] as tf.Variable;
    const saved = w.dataSync().slice();
    const broken = tf.fill(w.shape, Number.NaN);
    w.assign(broken);
    broken.dispose();
    const otherBefore = params['embed.W_E']!.dataSync().slice();
    let error: unknown;
    try {
      trainer.step(good);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(IclkrError);
    expect((error as IclkrError).code).toBe('training');
    expect(params['embed.W_E']!.dataSync()).toEqual(otherBefore);
    expect(trainer.stepCount).toBe(0);
    const restored = tf.tensor(saved, w.shape);
    w.assign(restored);
    restored.dispose();
    model.dispose();
  });
});
