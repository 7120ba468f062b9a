import { OptionError, type Rng, tf } from '@iclkr/core';
import { cholesky, choleskySolve } from '@iclkr/kernels';
import { beliefOperators, dynamicsBlocks } from './belief.js';
import { sampleSegment } from './sample.js';
import type { World } from './world.js';

/** Settings of the theorem's kernel. */
export interface TheoremKernelOptions {
  /** Example length k of the inputs the kernel compares. */
  readonly inputLength: number;
  /** Samples of x from the pre-training distribution used to estimate Sigma (default THEOREM_KERNEL_DEFAULTS.samples). */
  readonly samples?: number;
  /** Ridge lambda relative to Sigma's mean eigenvalue, trace(Sigma) / dim (default THEOREM_KERNEL_DEFAULTS.ridge). */
  readonly ridge?: number;
  /** Told after each step of the fit (the sampled operators, each block of their Gram product, the factorisation). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Default Sigma sample count and relative ridge of the theorem's kernel. */
export const THEOREM_KERNEL_DEFAULTS = { samples: 2000, ridge: 0.1 } as const;

/** Largest vec(T_x) dimension the kernel accepts (blocks x d^2); beyond it use a belief-vector kernel. */
export const MAX_OPERATOR_DIMENSION = 40_000;

/** Draws `count` inputs x of length k from tasks drawn by weight (pre-training: by prior). */
export function sampleInputs(world: World, count: number, k: number, rng: Rng, weights?: readonly number[]): number[][] {
  const w = weights ?? world.tasks.map((t) => t.prior);
  return Array.from({ length: count }, () => sampleSegment(world, rng.categorical(w), k, rng).x);
}

/**
 * The theorem's kernel K(x, x') = vec(T_x)^T (Sigma + lambda I)^-1 vec(T_x') (SPEC §2), with
 * Sigma = (1/N) sum_j vec(T_{x_j}) vec(T_{x_j})^T over N pre-training samples. The d^2 x d^2 system
 * is never formed: by Woodbury, (Sigma + lambda I)^-1 = (I - V^T (N lambda I + V V^T)^-1 V) / lambda
 * with V the N sampled operators, so fitting costs one N x N Gram product (N^2 d^2) and a float64
 * Cholesky factorisation (N^3 / 3), and each query one N-sized solve. Call dispose() when done.
 */
export class TheoremKernel {
  readonly dimension: number;
  readonly lambda: number;
  readonly samples: number;
  /** The ridge relative to Sigma's mean eigenvalue (lambda = ridge x trace / dimension). */
  readonly ridge: number;
  /** sup ||T_x||_F over the sampled inputs: the bound's eta. */
  readonly eta: number;
  private readonly world: World;
  private readonly k: number;
  private readonly v: tf.Tensor2D;
  /** V^T, kept because tfjs-wasm multiplies by a transposed operand about 20x slower than by a plain one. */
  private readonly vt: tf.Tensor2D;
  private readonly factor: Float64Array;
  /** trace(Sigma), an upper bound on its largest eigenvalue. */
  private readonly sigmaTrace: number;
  private sigmaNormSquared: number | undefined;

  constructor(world: World, options: TheoremKernelOptions, rng: Rng) {
    const blocks = dynamicsBlocks(world).length;
    this.dimension = blocks * world.d * world.d;
    if (this.dimension > MAX_OPERATOR_DIMENSION) {
      throw new OptionError(
        `the theorem's kernel needs vec(T_x) of dimension ${this.dimension} ` +
          `(${blocks} dynamics blocks x ${world.d}^2 states), above ${MAX_OPERATOR_DIMENSION}`,
        'use --kernel belief, cosine or attention for this world',
      );
    }
    const samples = options.samples ?? THEOREM_KERNEL_DEFAULTS.samples;
    const ridge = options.ridge ?? THEOREM_KERNEL_DEFAULTS.ridge;
    if (!Number.isInteger(samples) || samples < 2)
      throw new OptionError(`Sigma samples ${samples} is not an integer >= 2`, 'pass at least 2 samples');
    if (!(ridge > 0)) throw new OptionError(`ridge ${ridge} is not positive`, 'pass a ridge > 0');
    this.world = world;
    this.k = options.inputLength;
    this.samples = samples;
    this.ridge = ridge;
    // Three steps (the operators, their Gram product, its factorisation), each a few seconds in the largest worlds.
    let done = 0;
    const step = () => options.onProgress?.(++done, 3);
    this.v = beliefOperators(world, sampleInputs(world, samples, this.k, rng));
    this.vt = tf.transpose(this.v);
    step();
    const gram = tf.matMul(this.v, this.vt);
    const g = Float64Array.from(gram.dataSync());
    gram.dispose();
    step();
    let trace = 0;
    let eta = 0;
    for (let i = 0; i < samples; i++) {
      trace += g[i * samples + i];
      eta = Math.max(eta, Math.sqrt(g[i * samples + i]));
    }
    this.eta = eta;
    this.sigmaTrace = trace / samples;
    this.lambda = (ridge * trace) / samples / this.dimension;
    for (let i = 0; i < samples; i++) g[i * samples + i] += samples * this.lambda;
    this.factor = cholesky(g, samples);
    step();
  }

  /**
   * z = (Sigma + lambda I)^-1 vec(T_x) for each query, [queries, dimension]: K(x_i, x) = vec(T_{x_i}) . z.
   */
  private whiten(queries: readonly (readonly number[])[]): tf.Tensor2D {
    const vq = beliefOperators(this.world, queries);
    const proj = tf.matMul(vq, this.vt);
    const n = this.samples;
    const q = queries.length;
    const p = proj.dataSync();
    proj.dispose();
    const rhs = new Float64Array(n * q);
    for (let i = 0; i < q; i++) for (let j = 0; j < n; j++) rhs[j * q + i] = p[i * n + j];
    const a = choleskySolve(this.factor, n, rhs, q);
    const aRows = new Float32Array(q * n);
    for (let i = 0; i < q; i++) for (let j = 0; j < n; j++) aRows[i * n + j] = a[j * q + i];
    const z = tf.tidy(() => tf.div(tf.sub(vq, tf.matMul(tf.tensor2d(aRows, [q, n]), this.v)), this.lambda) as tf.Tensor2D);
    try {
      this.checkPrecision(vq, z);
    } catch (error) {
      z.dispose();
      throw error;
    } finally {
      vq.dispose();
    }
    return z;
  }

  /**
   * K(x, x) = v^T (Sigma + lambda I)^-1 v is at least |v|^2 / (trace(Sigma) + lambda); below that,
   * float32 lost the difference (v - V^T a) / lambda, as happens when lambda is tiny next to
   * Sigma's eigenvalues and the query lies in the sampled operators' span.
   */
  private checkPrecision(vq: tf.Tensor2D, z: tf.Tensor2D): void {
    const [self, norms] = tf
      .tidy(() => [tf.sum(tf.mul(vq, z), 1), tf.sum(tf.square(vq), 1)])
      .map((t) => {
        const data = t.dataSync();
        t.dispose();
        return data;
      });
    const floor = 1 / (this.sigmaTrace + this.lambda);
    self.forEach((k, i) => {
      if (!(k >= norms[i] * floor * (1 - 1e-3))) {
        throw new OptionError(
          `the theorem's kernel lost float32 precision at ridge ${this.ridge}: ` +
            `K(x, x) = ${k.toPrecision(3)}, below its floor ${(norms[i] * floor).toPrecision(3)}`,
          `raise the ridge (e.g. --ridge ${this.ridge * 10})`,
        );
      }
    });
  }

  /**
   * Kernel values between each query and its own inputs: rows[p][i] = K(inputs[p][i], queries[p]).
   * Every query's inputs must have the same count.
   */
  rows(queries: readonly (readonly number[])[], inputs: readonly (readonly (readonly number[])[])[]): Float64Array[] {
    const count = inputs[0]?.length ?? 0;
    const z = this.whiten(queries);
    const out = tf.tidy(() => {
      const vd = beliefOperators(this.world, inputs.flat());
      return tf.matMul(tf.reshape(vd, [queries.length, count, this.dimension]), tf.expandDims(z, 2));
    });
    const values = out.dataSync();
    tf.dispose([out, z]);
    return queries.map((_, p) => Float64Array.from(values.subarray(p * count, (p + 1) * count)));
  }

  /**
   * The bound's eps_theta for a task: ||Sigma_theta - Sigma||_F / ||Sigma||_F, Sigma_theta the
   * second moment of vec(T_x) under the task alone, from `samples` draws; computed from Gram
   * matrices (||A^T A / a - B^T B / b||_F^2 expands into traces of sample Gram products).
   */
  epsTheta(task: number, samples: number, rng: Rng): number {
    const weights = this.world.tasks.map((_, i) => (i === task ? 1 : 0));
    const va = beliefOperators(this.world, sampleInputs(this.world, samples, this.k, rng, weights));
    const sq = (x: tf.Tensor2D, yt: tf.Tensor2D) => tf.tidy(() => tf.sum(tf.square(tf.matMul(x, yt))).dataSync()[0]);
    const vat = tf.transpose(va);
    const aa = sq(va, vat);
    const ab = sq(va, this.vt);
    tf.dispose([va, vat]);
    this.sigmaNormSquared ??= sq(this.v, this.vt);
    const bb = this.sigmaNormSquared;
    const na = samples;
    const nb = this.samples;
    const diff = aa / (na * na) - (2 * ab) / (na * nb) + bb / (nb * nb);
    return Math.sqrt(Math.max(0, diff)) / Math.sqrt(bb / (nb * nb));
  }

  /** Releases the sampled operators. */
  dispose(): void {
    tf.dispose([this.v, this.vt]);
  }
}
