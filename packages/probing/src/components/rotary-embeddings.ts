/**
 * Rotary position embedding in Hugging Face's rotate-half layout: within the first `rotaryDim`
 * dimensions of each head vector (all of them unless partial, as in GPT-NeoX), the first and
 * second halves are the pairs that rotate, by angle pos * invFreq[i]; the other dimensions pass
 * through. The inverse frequencies follow transformers' modeling_rope_utils for the default RoPE
 * and its `linear`, `dynamic` (NTK), `llama3` and `yarn` scalings, rounded to float32 after each
 * step as torch computes them, so that the angles match the reference's.
 */

import { ShapeError, tf } from '@iclkr/core';
import type { RopeScaling } from '../config.js';

const f32 = Math.fround;

/** Inverse frequencies [rotaryDim / 2] and the factor cos and sin are multiplied by (YaRN's attention scaling; 1 otherwise). */
export interface RopeFrequencies {
  invFreq: Float32Array;
  attentionScaling: number;
}

/** base^(2i/dim) for i < dim/2, as torch's float32 `base ** (arange(0, dim, 2) / dim)`. */
function powers(dim: number, base: number): Float32Array {
  const out = new Float32Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) out[i] = f32(f32(base) ** f32((2 * i) / dim));
  return out;
}

/** 1 / base^(2i/dim): the unscaled frequencies. */
function defaultInvFreq(dim: number, base: number): Float32Array {
  return powers(dim, base).map((p) => f32(1 / p));
}

/** Llama 3.1: wavelengths above original/lowFreqFactor are divided by `factor`, those between the two bounds interpolated. */
function llama3InvFreq(dim: number, base: number, s: Extract<RopeScaling, { type: 'llama3' }>): Float32Array {
  const inv = defaultInvFreq(dim, base);
  const old = s.originalMaxPositions;
  const lowFreqWavelen = f32(old / s.lowFreqFactor);
  const highFreqWavelen = f32(old / s.highFreqFactor);
  const factor = f32(s.factor);
  return inv.map((freq) => {
    const wavelen = f32(f32(2 * Math.PI) / freq);
    const scaled = wavelen > lowFreqWavelen ? f32(freq / factor) : freq;
    const smooth = f32(f32(f32(f32(old) / wavelen) - f32(s.lowFreqFactor)) / f32(s.highFreqFactor - s.lowFreqFactor));
    const smoothed = f32(f32(f32(f32(1 - smooth) * scaled) / factor) + f32(smooth * scaled));
    const medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
    return medium ? smoothed : scaled;
  });
}

/** YaRN's attention factor 0.1 m ln(scale) + 1 (1 for scale <= 1). */
function yarnMscale(scale: number, m = 1): number {
  return scale <= 1 ? 1 : 0.1 * m * Math.log(scale) + 1;
}

/** YaRN (Peng et al.): frequencies blended between interpolated (divided by factor) and extrapolated by a linear ramp over dimensions. */
function yarnFrequencies(dim: number, base: number, s: Extract<RopeScaling, { type: 'yarn' }>): RopeFrequencies {
  const { factor } = s;
  // transformers reads these with `or`: a 0 means the default.
  const betaFast = s.betaFast || 32;
  const betaSlow = s.betaSlow || 1;
  let attentionScaling = s.attentionFactor;
  if (attentionScaling === undefined) {
    attentionScaling = s.mscale && s.mscaleAllDim ? yarnMscale(factor, s.mscale) / yarnMscale(factor, s.mscaleAllDim) : yarnMscale(factor);
  }
  // The dimension whose wavelength turns `rotations` times over the original context.
  const correctionDim = (rotations: number) => (dim * Math.log(s.originalMaxPositions / (rotations * 2 * Math.PI))) / (2 * Math.log(base));
  let low = correctionDim(betaFast);
  let high = correctionDim(betaSlow);
  if (s.truncate !== false) {
    low = Math.floor(low);
    high = Math.ceil(high);
  }
  low = Math.max(low, 0);
  high = Math.min(high, dim - 1);
  if (low === high) high += 0.001;
  const pos = powers(dim, base);
  const inv = new Float32Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) {
    const extrapolation = f32(1 / pos[i]!);
    const interpolation = f32(1 / f32(f32(factor) * pos[i]!));
    const ramp = Math.min(1, Math.max(0, f32(f32(i - f32(low)) / f32(high - low))));
    const extrapolationFactor = f32(1 - ramp);
    inv[i] = f32(f32(interpolation * f32(1 - extrapolationFactor)) + f32(extrapolation * extrapolationFactor));
  }
  return { invFreq: inv, attentionScaling };
}

/**
 * Dynamic NTK: for a sequence of `seqLen` > originalMaxPositions the base becomes
 * base ((factor seqLen / original) - (factor - 1))^(dim / (dim - 2)); shorter ones keep it.
 */
function dynamicBase(dim: number, base: number, s: Extract<RopeScaling, { type: 'dynamic' }>, seqLen: number | undefined): number {
  if (seqLen === undefined || seqLen <= s.originalMaxPositions) return base;
  // transformers computes this from the sequence length as a float32 tensor.
  const ratio = f32(f32(f32(f32(s.factor) * f32(seqLen)) / f32(s.originalMaxPositions)) - f32(s.factor - 1));
  return f32(f32(base) * f32(ratio ** f32(dim / (dim - 2))));
}

/**
 * The inverse frequencies of `rotaryDim` rotary dimensions with base `theta` and optional
 * `scaling`, and the cos/sin scale; `seqLen` (dynamic scaling only) is the sequence length.
 */
export function ropeFrequencies(rotaryDim: number, theta: number, scaling?: RopeScaling, seqLen?: number): RopeFrequencies {
  switch (scaling?.type) {
    case undefined:
      return { invFreq: defaultInvFreq(rotaryDim, theta), attentionScaling: 1 };
    case 'linear': {
      const factor = f32(scaling.factor);
      return { invFreq: defaultInvFreq(rotaryDim, theta).map((freq) => f32(freq / factor)), attentionScaling: 1 };
    }
    case 'dynamic':
      return { invFreq: defaultInvFreq(rotaryDim, dynamicBase(rotaryDim, theta, scaling, seqLen)), attentionScaling: 1 };
    case 'llama3':
      return { invFreq: llama3InvFreq(rotaryDim, theta, scaling), attentionScaling: 1 };
    case 'yarn':
      return yarnFrequencies(rotaryDim, theta, scaling);
    default:
      throw new ShapeError(
        `rotary scaling type ${JSON.stringify((scaling as { type: unknown }).type)} is not supported`,
        'use linear, dynamic, llama3 or yarn',
      );
  }
}

/** cos and sin tables [nPos, rotaryDim] (each angle twice, rotate-half layout), times the attention scaling. */
function rotaryTables({ invFreq, attentionScaling }: RopeFrequencies, nPos: number): { cos: Float32Array; sin: Float32Array } {
  const half = invFreq.length;
  const dim = 2 * half;
  const cos = new Float32Array(nPos * dim);
  const sin = new Float32Array(nPos * dim);
  const scale = f32(attentionScaling);
  for (let p = 0; p < nPos; p++) {
    for (let i = 0; i < half; i++) {
      const angle = f32(p * invFreq[i]!);
      const c = scale === 1 ? f32(Math.cos(angle)) : f32(f32(Math.cos(angle)) * scale);
      const s = scale === 1 ? f32(Math.sin(angle)) : f32(f32(Math.sin(angle)) * scale);
      cos[p * dim + i] = c;
      cos[p * dim + i + half] = c;
      sin[p * dim + i] = s;
      sin[p * dim + i + half] = s;
    }
  }
  return { cos, sin };
}

/** How the rotary embedding is configured beyond its base: rotary dimensions and scaling. */
export interface RotaryOptions {
  /** Leading dimensions of each head that rotate (even, default dHead). */
  rotaryDim?: number;
  scaling?: RopeScaling;
}

/**
 * Precomputed cos/sin tables [n_ctx, rotary_dim]; owns them until `dispose()`. With dynamic
 * scaling the tables cover the original context, and a longer sequence gets tables of its own
 * length (the last such length's values are kept).
 */
export class RotaryEmbedding {
  readonly rotaryDim: number;
  readonly scaling: RopeScaling | undefined;
  /** The frequencies of the tables (for dynamic scaling, those of sequences up to the original context). */
  readonly frequencies: RopeFrequencies;
  private readonly tableLength: number;
  private readonly cos: tf.Tensor2D;
  private readonly sin: tf.Tensor2D;
  private long: { nPos: number; cos: Float32Array; sin: Float32Array } | undefined;

  constructor(
    readonly dHead: number,
    readonly theta: number,
    nCtx: number,
    options: RotaryOptions = {},
  ) {
    this.rotaryDim = options.rotaryDim ?? dHead;
    this.scaling = options.scaling;
    this.frequencies = ropeFrequencies(this.rotaryDim, theta, this.scaling);
    this.tableLength = this.scaling?.type === 'dynamic' ? Math.min(nCtx, this.scaling.originalMaxPositions) : nCtx;
    const { cos, sin } = rotaryTables(this.frequencies, this.tableLength);
    this.cos = tf.tensor2d(cos, [this.tableLength, this.rotaryDim]);
    this.sin = tf.tensor2d(sin, [this.tableLength, this.rotaryDim]);
  }

  /** Rotates the first rotaryDim dimensions of x [batch, pos, head, d_head] by each position's angles. */
  apply(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const nPos = x.shape[1]!;
      const r = this.rotaryDim;
      const [cosTable, sinTable] = this.tables(nPos);
      const cos = cosTable.reshape([1, nPos, 1, r]);
      const sin = sinTable.reshape([1, nPos, 1, r]);
      const partial = r < this.dHead;
      const rot = partial ? tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, r]) : x;
      const [x1, x2] = tf.split(rot, [r / 2, r / 2], 3);
      const rotated = tf.add(tf.mul(rot, cos), tf.mul(tf.concat([tf.neg(x2!), x1!], 3), sin));
      return partial ? tf.concat([rotated, tf.slice(x, [0, 0, 0, r], [-1, -1, -1, this.dHead - r])], 3) : rotated;
    });
  }

  /** Frees the cos/sin tables. */
  dispose(): void {
    tf.dispose([this.cos, this.sin]);
  }

  /** cos and sin [nPos, rotaryDim] for a sequence of nPos positions. */
  private tables(nPos: number): [tf.Tensor, tf.Tensor] {
    if (nPos <= this.tableLength) {
      return [this.cos.slice([0, 0], [nPos, this.rotaryDim]), this.sin.slice([0, 0], [nPos, this.rotaryDim])];
    }
    if (this.scaling?.type !== 'dynamic') {
      throw new ShapeError(`${nPos} positions but the rotary tables hold ${this.tableLength}`, 'truncate or split the input');
    }
    if (this.long?.nPos !== nPos) {
      this.long = { nPos, ...rotaryTables(ropeFrequencies(this.rotaryDim, this.theta, this.scaling, nPos), nPos) };
    }
    return [tf.tensor2d(this.long.cos, [nPos, this.rotaryDim]), tf.tensor2d(this.long.sin, [nPos, this.rotaryDim])];
  }
}
