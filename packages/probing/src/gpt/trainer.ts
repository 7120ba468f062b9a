/**
 * Training our GPT: AdamW with global gradient-norm clipping, linear warm-up and cosine decay. The
 * forward pass is the model's own `run` (one implementation for training and analysis); the
 * optimiser works on plain Float32Arrays, so its state is serialisable as it stands.
 */

import { IclkrError, OptionError, ShapeError, tf } from '@iclkr/core';
import type { HookedModel } from '../hooked-model.js';
import type { ParamMap } from '../params.js';
import { adamwUpdate, sumOfSquares } from './adamw.js';
import { lmLoss } from './loss.js';

/** One training batch: `batch` windows of `length` tokens, row-major, with next-token targets and loss weights. */
export interface TrainBatch {
  inputs: Int32Array;
  targets: Int32Array;
  weights: Float32Array;
  batch: number;
  length: number;
}

/** The learning-rate schedule: linear warm-up to `lr`, then cosine decay to `minLr` at `steps`. */
export interface LrSchedule {
  /** Peak learning rate. */
  lr: number;
  /** Warm-up steps (0: none). */
  warmup: number;
  /** Total steps of the run (the cosine reaches minLr there). */
  steps: number;
  /** Final learning rate (default 0.1 lr). */
  minLr?: number;
}

/** Optimiser settings; every field but the schedule has a default. */
export interface TrainerOptions extends LrSchedule {
  /** Decoupled weight decay of the 2-D projection weights (default 0.01). */
  weightDecay?: number;
  /** Adam's first-moment decay (default 0.9). */
  beta1?: number;
  /** Adam's second-moment decay (default 0.98). */
  beta2?: number;
  /** Adam's denominator epsilon (default 1e-8). */
  eps?: number;
  /** Global gradient-norm clipping threshold (default 1; Infinity: none). */
  clip?: number;
}

/** Steps taken and Adam's moments by parameter name: everything needed to resume. */
export interface TrainingState {
  step: number;
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
}

/** What one optimiser step reports: the batch loss before the update, the learning rate used, the gradient norm before clipping. */
export interface StepResult {
  loss: number;
  lr: number;
  gradNorm: number;
}

/** The learning rate of step `step` (0-based): (step + 1) / warmup of the peak during warm-up, then cosine decay to minLr. */
export function learningRate(step: number, schedule: LrSchedule): number {
  const { lr, warmup, steps } = schedule;
  const minLr = schedule.minLr ?? 0.1 * lr;
  if (step < warmup) return (lr * (step + 1)) / warmup;
  const progress = steps > warmup ? Math.min(1, (step - warmup) / (steps - warmup)) : 1;
  return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * progress));
}

/**
 * Whether a parameter is weight-decayed: the 2-D projection weights (W_Q, W_K, W_V, W_O, W_in,
 * W_out, W_U). Biases, LayerNorm parameters and the embeddings (a tied W_E included) are not, as in
 * GPT-2/minGPT practice: decaying them pulls rarely seen tokens' rows and the norms' gains to 0.
 */
export function isDecayed(name: string): boolean {
  return /\.W_(Q|K|V|O|in|out|U)$/.test(name);
}

function option(name: string, value: number, ok: boolean, want: string): number {
  if (!ok) throw new OptionError(`trainer: ${name} must be ${want}, got ${value}`, `pass a valid ${name}`);
  return value;
}

/** AdamW on a model's parameters (tf.Variables, updated in place); owns the optimiser state. */
export class GptTrainer {
  /** The options with defaults filled in. */
  readonly options: Required<TrainerOptions>;
  private readonly names: string[];
  private readonly variables: tf.Variable[];
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private taken = 0;

  /** `params` are the model's parameters (the map given to createGpt); they must be tf.Variables. */
  constructor(
    readonly model: HookedModel,
    params: ParamMap,
    options: TrainerOptions,
  ) {
    const finite = (x: number) => typeof x === 'number' && Number.isFinite(x);
    const lr = option('lr', options.lr, finite(options.lr) && options.lr > 0, 'a positive number');
    const minLr = options.minLr ?? 0.1 * lr;
    this.options = {
      lr,
      warmup: option('warmup', options.warmup, Number.isSafeInteger(options.warmup) && options.warmup >= 0, 'an integer >= 0'),
      steps: option('steps', options.steps, Number.isSafeInteger(options.steps) && options.steps >= 1, 'an integer >= 1'),
      minLr: option('minLr', minLr, finite(minLr) && minLr >= 0, 'a number >= 0'),
      weightDecay: option(
        'weightDecay',
        options.weightDecay ?? 0.01,
        finite(options.weightDecay ?? 0.01) && (options.weightDecay ?? 0.01) >= 0,
        'a number >= 0',
      ),
      beta1: option('beta1', options.beta1 ?? 0.9, (options.beta1 ?? 0.9) >= 0 && (options.beta1 ?? 0.9) < 1, 'in [0, 1)'),
      beta2: option('beta2', options.beta2 ?? 0.98, (options.beta2 ?? 0.98) >= 0 && (options.beta2 ?? 0.98) < 1, 'in [0, 1)'),
      eps: option('eps', options.eps ?? 1e-8, finite(options.eps ?? 1e-8) && (options.eps ?? 1e-8) > 0, 'a positive number'),
      clip: option('clip', options.clip ?? 1, (options.clip ?? 1) > 0, 'a positive number (Infinity: no clipping)'),
    };
    this.names = Object.keys(params).sort();
    this.variables = this.names.map((name) => {
      const param = params[name];
      if (!(param instanceof tf.Variable)) {
        throw new OptionError(
          `trainer: parameter "${name}" is not a tf.Variable`,
          'create the parameters with initGptParams or loadGptCheckpoint',
        );
      }
      return param;
    });
    this.m = this.variables.map((p) => new Float32Array(p.size));
    this.v = this.variables.map((p) => new Float32Array(p.size));
  }

  /** Optimiser steps taken so far (restored ones included). */
  get stepCount(): number {
    return this.taken;
  }

  /** One AdamW step on `batch`; the parameters are left untouched when the loss or a gradient is not finite (then it throws). */
  step(batch: TrainBatch): StepResult {
    this.checkBatch(batch);
    const lr = learningRate(this.taken, this.options);
    const { value, grads } = tf.tidy(() => {
      const [ids, targets, weights] = this.tensors(batch);
      return tf.variableGrads(() => {
        const { logits, cache } = this.model.run(ids);
        tf.dispose([...cache.values()]);
        return lmLoss(logits, targets, weights);
      }, this.variables);
    });
    const gradients = this.variables.map((p) => grads[p.name]);
    try {
      const loss = value.dataSync()[0]!;
      const gradNorm = Math.sqrt(sumOfSquares(gradients));
      if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
        throw new IclkrError(
          'training',
          `step ${this.taken + 1}: the loss (${loss}) or the gradient norm (${gradNorm}) is not finite; the parameters were not updated`,
          'lower the learning rate, or check the batch for bad weights',
        );
      }
      const { beta1, beta2, eps, weightDecay, clip } = this.options;
      const t = this.taken + 1;
      const step = {
        scale: gradNorm > clip ? clip / gradNorm : 1,
        beta1,
        beta2,
        stepSize: lr / (1 - beta1 ** t),
        correction2: Math.sqrt(1 - beta2 ** t),
        eps,
      };
      this.variables.forEach((param, k) => {
        const decay = isDecayed(this.names[k]!) ? 1 - lr * weightDecay : 1;
        const update = adamwUpdate(param, gradients[k], this.m[k]!, this.v[k]!, decay, step);
        param.assign(update);
        update.dispose();
      });
      this.taken = t;
      return { loss, lr, gradNorm };
    } finally {
      tf.dispose([value, ...Object.values(grads)]);
    }
  }

  /** The weighted loss on `batch` without gradients or updates. */
  evalLoss(batch: TrainBatch): number {
    this.checkBatch(batch);
    const loss = tf.tidy(() => {
      const [ids, targets, weights] = this.tensors(batch);
      const { logits, cache } = this.model.run(ids);
      tf.dispose([...cache.values()]);
      return lmLoss(logits, targets, weights);
    });
    const value = loss.dataSync()[0]!;
    loss.dispose();
    return value;
  }

  /** A copy of the optimiser state: steps taken and Adam's moments by parameter name. */
  state(): TrainingState {
    const m: Record<string, Float32Array> = {};
    const v: Record<string, Float32Array> = {};
    this.names.forEach((name, k) => {
      m[name] = this.m[k]!.slice();
      v[name] = this.v[k]!.slice();
    });
    return { step: this.taken, m, v };
  }

  /** Resumes from a saved state; every parameter's moments must be present with its size. */
  restore(state: TrainingState): void {
    if (!Number.isSafeInteger(state.step) || state.step < 0) {
      throw new OptionError(
        `training state: step must be an integer >= 0, got ${state.step}`,
        'restore a state saved by GptTrainer.state()',
      );
    }
    const moments = this.names.map((name, k) => {
      const size = this.variables[k]!.size;
      const pair = [state.m[name], state.v[name]];
      for (const [which, array] of [
        ['m', pair[0]],
        ['v', pair[1]],
      ] as const) {
        if (!(array instanceof Float32Array) || array.length !== size) {
          throw new ShapeError(
            `training state: Adam moment ${which} of "${name}" ` +
              `${array instanceof Float32Array ? `has ${array.length} values, not ${size}` : 'is missing'}`,
            'restore the state saved with these parameters',
          );
        }
      }
      return pair as [Float32Array, Float32Array];
    });
    const extra = Object.keys(state.m).find((name) => !this.names.includes(name));
    if (extra !== undefined) {
      throw new ShapeError(
        `training state: moments of "${extra}", which is not a parameter of this model`,
        'restore the state saved with these parameters',
      );
    }
    moments.forEach(([m, v], k) => {
      this.m[k]!.set(m);
      this.v[k]!.set(v);
    });
    this.taken = state.step;
  }

  private tensors(batch: TrainBatch): [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D] {
    const shape: [number, number] = [batch.batch, batch.length];
    return [
      tf.tensor2d(batch.inputs, shape, 'int32'),
      tf.tensor2d(batch.targets, shape, 'int32'),
      tf.tensor2d(batch.weights, shape, 'float32'),
    ];
  }

  private checkBatch(batch: TrainBatch): void {
    const fix = 'build batches of `batch` windows of `length` tokens (inputs, targets, weights of batch x length)';
    if (!Number.isSafeInteger(batch.batch) || batch.batch < 1 || !Number.isSafeInteger(batch.length) || batch.length < 1) {
      throw new ShapeError(`batch: batch and length must be positive integers, got ${batch.batch} x ${batch.length}`, fix);
    }
    const n = batch.batch * batch.length;
    for (const key of ['inputs', 'targets', 'weights'] as const) {
      if (batch[key].length !== n)
        throw new ShapeError(`batch: ${key} has ${batch[key].length} values, not ${batch.batch} x ${batch.length}`, fix);
    }
    const vocab = this.model.config.vocabSize;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const target = batch.targets[i]!;
      if (target < 0 || target >= vocab) {
        throw new OptionError(`batch: target ${target} is outside the vocabulary [0, ${vocab})`, 'use targets from the model vocabulary');
      }
      const w = batch.weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w))
        throw new OptionError(`batch: weight ${w} is not a finite number >= 0`, 'give non-negative loss weights');
      total += w;
    }
    if (!(total > 0)) throw new OptionError('batch: the loss weights sum to 0', 'weight at least one target');
  }
}
