/**
 * An independent reference for our GPT: the forward pass and the weighted loss as plain loops over
 * positions and heads in float64, written from the definitions (pre-norm blocks, LayerNorm,
 * causal softmax attention with ALiBi / sinusoidal / learned positions, gelu_new in its tanh form)
 * without any tfjs or model code, plus tiny random configurations to compare against.
 */

import { Rng, tf } from '@iclkr/core';
import { type GptConfig, type GptParamSpec, gptVariables, type ParamMap } from '../src/index.js';

/** Parameters as float64 arrays by name. */
export type NaiveParams = Map<string, Float64Array>;

/** The model's parameters copied to float64. */
export function toNaive(params: ParamMap): NaiveParams {
  return new Map(Object.entries(params).map(([name, t]) => [name, Float64Array.from(t.dataSync())]));
}

/**
 * Random parameters (tf.Variables) far from the initialisation, so every path matters: weights
 * normal(0, 0.3), biases normal(0, 0.3), LayerNorm weights 1 + normal(0, 0.3).
 */
export function randomParams(config: GptConfig, seed: number): ParamMap {
  const rng = new Rng(seed);
  return gptVariables(config, (spec: GptParamSpec) => {
    const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    const base = spec.init === 'ones' ? 1 : 0;
    for (let i = 0; i < data.length; i++) data[i] = base + 0.3 * rng.normal();
    return data;
  });
}

/** Uniform random token ids [batch][length]. */
export function randomIds(vocab: number, batch: number, length: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: batch }, () => Array.from({ length }, () => rng.int(vocab)));
}

/** ids as an int32 tensor. */
export function idsTensor(ids: number[][]): tf.Tensor2D {
  return tf.tensor2d(Int32Array.from(ids.flat()), [ids.length, ids[0]!.length], 'int32');
}

function get(p: NaiveParams, name: string): Float64Array {
  const value = p.get(name);
  if (value === undefined) throw new Error(`naive GPT: missing ${name}`);
  return value;
}

/** x W (+ b) for a row x [in], W [in, out] row-major. */
function affine(x: Float64Array, w: Float64Array, b: Float64Array | undefined, out: number): Float64Array {
  const y = new Float64Array(out);
  for (let j = 0; j < out; j++) y[j] = b === undefined ? 0 : b[j]!;
  for (let i = 0; i < x.length; i++) for (let j = 0; j < out; j++) y[j]! += x[i]! * w[i * out + j]!;
  return y;
}

function layerNorm(x: Float64Array, w: Float64Array, b: Float64Array): Float64Array {
  const d = x.length;
  const mean = x.reduce((s, v) => s + v, 0) / d;
  const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / d;
  return x.map((v, i) => ((v - mean) / Math.sqrt(variance + 1e-5)) * w[i]! + b[i]!);
}

const geluTanh = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

/** Press et al.'s slopes for a power-of-2 head count, written out: 2^(-8 (h + 1) / n). */
function slopes(n: number): number[] {
  if (2 ** Math.round(Math.log2(n)) !== n) throw new Error('naive GPT: ALiBi reference only for powers of 2');
  return Array.from({ length: n }, (_, h) => 2 ** ((-8 * (h + 1)) / n));
}

/** Logits [batch][pos] (each [vocab]) and attention patterns [layer][batch][head][q] (each [k <= q]). */
export function naiveForward(config: GptConfig, p: NaiveParams, ids: number[][]) {
  const { dModel: d, nHeads: nh, nLayers, dMlp, vocabSize: v } = config;
  const dh = d / nh;
  const patterns: number[][][][][] = Array.from({ length: nLayers }, () => []);
  const logits = ids.map((row) => {
    const T = row.length;
    let x = row.map((id, t) => {
      const e = Float64Array.from(get(p, 'embed.W_E').subarray(id * d, (id + 1) * d));
      if (config.positions === 'learned') for (let j = 0; j < d; j++) e[j]! += get(p, 'pos_embed.W_pos')[t * d + j]!;
      if (config.positions === 'sinusoidal') {
        for (let j = 0; j < d; j++) {
          const angle = t / 10000 ** ((2 * Math.floor(j / 2)) / d);
          e[j]! += j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
        }
      }
      return e;
    });
    for (let l = 0; l < nLayers; l++) {
      const n = (s: string) => get(p, `blocks.${l}.${s}`);
      const y = x.map((xt) => layerNorm(xt, n('ln1.w'), n('ln1.b')));
      const q = y.map((yt) => affine(yt, n('attn.W_Q'), n('attn.b_Q'), d));
      const k = y.map((yt) => affine(yt, n('attn.W_K'), n('attn.b_K'), d));
      const val = y.map((yt) => affine(yt, n('attn.W_V'), n('attn.b_V'), d));
      const z = Array.from({ length: T }, () => new Float64Array(d));
      const layerPatterns: number[][][] = [];
      for (let h = 0; h < nh; h++) {
        const headPatterns: number[][] = [];
        for (let i = 0; i < T; i++) {
          const scores: number[] = [];
          for (let j = 0; j <= i; j++) {
            let dot = 0;
            for (let c = 0; c < dh; c++) dot += q[i]![h * dh + c]! * k[j]![h * dh + c]!;
            scores.push(dot / Math.sqrt(dh) - (config.positions === 'alibi' ? slopes(nh)[h]! * (i - j) : 0));
          }
          const max = Math.max(...scores);
          const exps = scores.map((s) => Math.exp(s - max));
          const total = exps.reduce((a, e) => a + e, 0);
          const probs = exps.map((e) => e / total);
          headPatterns.push(probs);
          for (let j = 0; j <= i; j++) for (let c = 0; c < dh; c++) z[i]![h * dh + c]! += probs[j]! * val[j]![h * dh + c]!;
        }
        layerPatterns.push(headPatterns);
      }
      patterns[l]!.push(layerPatterns);
      x = x.map((xt, t) => {
        const attn = affine(z[t]!, n('attn.W_O'), n('attn.b_O'), d);
        return xt.map((value, j) => value + attn[j]!);
      });
      if (dMlp > 0) {
        x = x.map((xt) => {
          const pre = affine(layerNorm(xt, n('ln2.w'), n('ln2.b')), n('mlp.W_in'), n('mlp.b_in'), dMlp);
          const out = affine(pre.map(geluTanh), n('mlp.W_out'), n('mlp.b_out'), d);
          return xt.map((value, j) => value + out[j]!);
        });
      }
    }
    const unembed = config.tiedEmbeddings ? transpose(get(p, 'embed.W_E'), v, d) : get(p, 'unembed.W_U');
    return x.map((xt) => affine(layerNorm(xt, get(p, 'ln_final.w'), get(p, 'ln_final.b')), unembed, undefined, v));
  });
  return { logits, patterns };
}

function transpose(w: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c]!;
  return out;
}

/** sum(w CE) / sum(w) of the naive logits. */
export function naiveLoss(config: GptConfig, p: NaiveParams, ids: number[][], targets: number[][], weights: number[][]): number {
  const { logits } = naiveForward(config, p, ids);
  let total = 0;
  let weight = 0;
  logits.forEach((row, b) =>
    row.forEach((l, t) => {
      const max = Math.max(...l);
      const logSum = max + Math.log(l.reduce((s, x) => s + Math.exp(x - max), 0));
      total += weights[b]![t]! * (logSum - l[targets[b]![t]!]!);
      weight += weights[b]![t]!;
    }),
  );
  return total / weight;
}
