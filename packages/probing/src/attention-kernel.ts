/**
 * Causal softmax attention in the wasm kernels (wasm-kernels.wat), forward and backward. tfjs forms
 * the same attention from ~20 kernels per layer and direction: transposes into a grouped-product
 * layout, depthwise convolutions with 16 or 128 columns, a broadcast bias, a softmax and their
 * gradients, each a pass over [batch, head, t, t] (our GPT's training step at batch 16 x 128: 40 ms
 * per layer, against 14 ms here). The kernel takes q, k and v as the projections lay them out,
 * [batch, t, head, d_head], computes each query row's scores, softmax and mix in cache-sized
 * scratch, saves only each row's max and 1 / sum, and recomputes the pattern in the backward pass
 * (as FlashAttention does).
 */

import { tf } from '@iclkr/core';
import { customOp, takingGradients } from './ops.js';
import { type Call, defineWasmKernel, type KernelInputs, runWasmKernel, wasmKernelsRun } from './wasm-kernels.js';

/** Attributes of the attention kernels: each head's ALiBi slope (zeros without ALiBi), the score scale and the sizes. */
interface Attrs {
  slopes: number[];
  scale: number;
  heads: number;
  kvHeads: number;
  dHead: number;
  /** The forward pass keeps the pattern for the backward pass (else that recomputes it). */
  keep?: boolean;
}

/** t rounded up to 16: the kernels' row length. */
const padded = (t: number): number => Math.ceil(t / 16) * 16;

/** q [batch, t, h, dh] and k [batch, t, hkv, dh]: the sizes every export takes. */
function sizes(q: tf.TensorInfo, k: tf.TensorInfo): [number, number, number, number, number] {
  const [batch, t, h, dh] = q.shape as [number, number, number, number];
  return [batch, t, h, k.shape[2]!, dh];
}

/**
 * Where the fused pass finds q, k and v: their byte offsets and the bytes between their positions,
 * in one packed projection `qkv` [batch, t, (heads + 2 kv) d_head] (q, then k, then v in each row)
 * or in q, k and v.
 */
function layout(call: Call, { qkv, q, k, v }: KernelInputs, { heads, kvHeads, dHead }: Attrs): { pointers: number[]; strides: number[] } {
  if (qkv === undefined) return { pointers: [call.at(q!), call.at(k!), call.at(v!)], strides: [4 * heads * dHead, 4 * kvHeads * dHead] };
  const at = call.at(qkv);
  const row = 4 * (heads + 2 * kvHeads) * dHead;
  return { pointers: [at, at + 4 * heads * dHead, at + 4 * (heads + kvHeads) * dHead], strides: [row, row] };
}

/**
 * Runs the fused pass `name` ('forward' or 'backward') over the units batch x kv heads, the
 * threads taking them in turns from a shared counter (so that one that starts late or runs slow
 * takes fewer), each with `floats` floats of scratch. Its arguments: q, k, v, `before`, the slopes,
 * the thread's scratch, `after`, the counter and the units, the sizes, the scale, the strides and the
 * pattern kept for the backward pass (0: none). A unit writes (or, backward, adds into the dk and dv
 * rows of) its own kv head only: units do not overlap, and each gives the same numbers on any thread.
 */
function fusedPass(
  call: Call,
  name: string,
  inputs: KernelInputs,
  attrs: Attrs,
  floats: number,
  before: number[],
  after: number[],
  pattern: number,
): void {
  const { slopes, scale, heads, kvHeads, dHead } = attrs;
  const [batch, t] = (inputs.qkv ?? inputs.q)!.shape as [number, number];
  const { pointers, strides } = layout(call, inputs, attrs);
  const units = batch * kvHeads;
  // A unit's work is about group t^2 d_head multiply-adds; a worker pays from about 2^22 of them.
  const parts = Math.max(1, Math.min(call.threads, Math.floor((units * (heads / kvHeads) * t * t * dHead) / 2 ** 22)));
  const scratch = call.scratch(floats * parts, [...slopes, 0]);
  const slopePointer = scratch + 4 * floats * parts;
  const next = slopePointer + 4 * slopes.length;
  call.parallel(name, parts, (_u0, _u1, thread) => [
    ...pointers,
    ...before,
    slopePointer,
    scratch + 4 * floats * thread,
    ...after,
    ...[next, units, t, heads, kvHeads, dHead, scale],
    ...strides,
    pattern,
  ]);
}

const KERNELS: Record<string, (call: Call, inputs: KernelInputs, attrs: Attrs) => tf.TensorInfo[]> = {
  IclkrCausalAttention(call, inputs, attrs) {
    const [batch, t] = (inputs.qkv ?? inputs.q)!.shape as [number, number];
    const out = call.output([batch, t, attrs.heads, attrs.dHead]);
    const stats = call.output([batch, attrs.heads, t, 2]);
    const pattern = attrs.keep ? call.output([batch, attrs.heads, t, padded(t)]) : undefined;
    const keep = pattern === undefined ? 0 : call.at(pattern);
    fusedPass(call, 'forward', inputs, attrs, attrs.dHead * padded(t) + padded(t), [call.at(out), call.at(stats)], [], keep);
    return call.done(pattern === undefined ? [out, stats] : [out, stats, pattern]);
  },
  IclkrCausalAttentionGrad(call, inputs, attrs) {
    const t = (inputs.qkv ?? inputs.q)!.shape[1]!;
    // The gradients take the inputs' layout: one packed tensor (zeroed: dk and dv are added into), or dq, dk and dv.
    const packed = inputs.qkv === undefined ? undefined : call.output(inputs.qkv.shape, true);
    const grads = packed ? [packed] : [inputs.q!, inputs.k!, inputs.v!].map((x, n) => call.output(x.shape, n > 0));
    const gradPointers = packed ? layout(call, { qkv: packed }, attrs).pointers : grads.map((g) => call.at(g));
    const floats = 2 * attrs.dHead * padded(t) + 2 * padded(t);
    const kept = inputs.pattern === undefined ? 0 : call.at(inputs.pattern);
    fusedPass(call, 'backward', inputs, attrs, floats, [call.at(inputs.dout!), call.at(inputs.stats!)], gradPointers, kept);
    return call.done(grads);
  },
  IclkrAttentionScores(call, { q, k }, { slopes, scale }) {
    const [batch, t, h, hkv, dh] = sizes(q!, k!);
    const scores = call.output([batch, h, t, t]);
    const floats = dh * padded(t) + padded(t);
    const scratch = call.scratch(floats, slopes);
    call.exports.scores(call.at(q!), call.at(k!), call.at(scores), scratch + 4 * floats, scratch, batch, t, h, hkv, dh, scale);
    return call.done([scores]);
  },
  IclkrAttentionSoftmax(call, { scores }) {
    const [batch, h, t] = scores!.shape as [number, number, number];
    const pattern = call.output(scores!.shape);
    call.exports.softmax(call.at(scores!), call.at(pattern), batch * h * t, t, call.scratch(padded(t)));
    return call.done([pattern]);
  },
  IclkrAttentionMix(call, { pattern, v }) {
    const [batch, h, t] = pattern!.shape as [number, number, number];
    const [, , hkv, dh] = v!.shape as [number, number, number, number];
    const out = call.output([batch, t, h, dh]);
    call.exports.mix(call.at(pattern!), call.at(v!), call.at(out), batch, t, h, hkv, dh);
    return call.done([out]);
  },
};

for (const [name, body] of Object.entries(KERNELS)) defineWasmKernel(name, body);

/** Whether the attention kernels run here: where `wasmKernelsRun()`, for d_head a multiple of 4. */
export function attentionKernelsRun(dHead: number): boolean {
  return dHead % 4 === 0 && wasmKernelsRun();
}

/** The kernels' attributes for `heads` query heads over `kvHeads` of width `dHead`. */
function attrsOf(slopes: readonly number[], scale: number, heads: number, kvHeads: number, dHead: number): Attrs {
  return { slopes: [...slopes], scale, heads, kvHeads, dHead };
}

/**
 * Patterns of at most this many floats a layer are kept for the backward pass while gradients are
 * taken (our GPT's training step: 2^20, 4 MB; the backward pass then reads P instead of recomputing
 * it); larger ones (GPT-2 at 1,024 positions: 50 MB a layer) are recomputed.
 */
const KEPT_PATTERN_FLOATS = 2 ** 22;

/** The fused pass over `inputs` (named as the kernels take them), differentiable in each. */
function fused(names: string[], attrs: Attrs): (...inputs: tf.Tensor[]) => tf.Tensor {
  return customOp((inputs, save) => {
    const named = Object.fromEntries(names.map((name, n) => [name, inputs[n]!]));
    const [batch, t] = inputs[0]!.shape as [number, number];
    const keep = takingGradients() && batch * attrs.heads * t * padded(t) <= KEPT_PATTERN_FLOATS;
    const [z, stats, pattern] = runWasmKernel('IclkrCausalAttention', named, { ...attrs, keep });
    save([...inputs, stats!, ...(pattern === undefined ? [] : [pattern])]);
    return {
      value: z!,
      gradFunc: (dy, saved) => {
        const again = Object.fromEntries(names.map((name, n) => [name, saved[n]!]));
        const kept = saved[names.length + 1];
        const given = { ...again, dout: dy, stats: saved[names.length]!, ...(kept === undefined ? {} : { pattern: kept }) };
        return runWasmKernel('IclkrCausalAttentionGrad', given, attrs);
      },
    };
  });
}

/**
 * softmax(scale q k^T + ALiBi, causal) v for q [batch, t, head, d_head] and k, v [batch, t,
 * kv_head, d_head] (each kv head serving head / kv_head consecutive query heads), as [batch, t,
 * head, d_head], differentiable in q, k and v: the score of query i and key j <= i is
 * scale q_i.k_j - slope_head (i - j). Call only where `attentionKernelsRun(d_head)`.
 */
export function fusedAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, slopes: readonly number[], scale: number): tf.Tensor {
  const [, , heads, dHead] = q.shape as number[];
  return fused(['q', 'k', 'v'], attrsOf(slopes, scale, heads!, k.shape[2]!, dHead!))(q, k, v);
}

/**
 * `fusedAttention` on one packed projection qkv [batch, t, (heads + 2 kv_heads) d_head], each row
 * q, then k, then v (a product with [W_Q W_K W_V]), read in place; its gradient is one tensor too.
 */
export function fusedAttentionPacked(qkv: tf.Tensor, heads: number, kvHeads: number, slopes: readonly number[], scale: number): tf.Tensor {
  const dHead = qkv.shape[2]! / (heads + 2 * kvHeads);
  return fused(['qkv'], attrsOf(slopes, scale, heads, kvHeads, dHead))(qkv);
}

/** What the staged pass lets a caller see and replace: the scores and the pattern, [batch, head, q, k]. */
export interface AttentionStages {
  scores(s: tf.Tensor): tf.Tensor;
  pattern(p: tf.Tensor): tf.Tensor;
}

/** [batch, t, heads, d] to [batch, heads, t, d]. */
const byHead = (x: tf.Tensor): tf.Tensor => tf.transpose(x, [0, 2, 1, 3]);

/** x [batch, h, t, d] summed over each group of h / kv consecutive heads, as [batch, t, kv, d]. */
function sumGroups(x: tf.Tensor, kv: number): tf.Tensor {
  const [batch, h, t, d] = x.shape as [number, number, number, number];
  return byHead(tf.sum(x.reshape([batch, kv, h / kv, t, d]), 2));
}

/** a [batch, h, t, n] times each kv head's b [batch, kv, n, d] (b^T with transposeB) as [batch, h, t, d]. */
function groupProduct(a: tf.Tensor, b: tf.Tensor, transposeB: boolean): tf.Tensor {
  const [batch, h, t] = a.shape as [number, number, number];
  const kv = b.shape[1]!;
  const out = tf.matMul(a.reshape([batch, kv, (h / kv) * t, a.shape[3]!]) as tf.Tensor4D, b as tf.Tensor4D, false, transposeB);
  return out.reshape([batch, h, t, out.shape[3]!]);
}

/**
 * The same attention as `fusedAttention`, in three kernels with the same arithmetic (so the same
 * bits when the stages return what they are given), the scores and the pattern passing through
 * `stages` between them. Its gradients run on tfjs's batched products (slower; this path serves
 * hooks, not training).
 */
export function stagedAttention(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  slopes: readonly number[],
  scale: number,
  stages: AttentionStages,
): tf.Tensor {
  const attrs = attrsOf(slopes, scale, q.shape[2]!, k.shape[2]!, q.shape[3]!);
  const t = q.shape[1]!;
  const scores = customOp(([sq, sk], save) => {
    save([sq!, sk!]);
    return {
      value: runWasmKernel('IclkrAttentionScores', { q: sq!, k: sk! }, attrs)[0]!,
      gradFunc: (dy, [gq, gk]) => {
        // Entries above the diagonal are constants (-inf): no gradient flows through them.
        const ds = tf.mul(dy, tf.linalg.bandPart(tf.ones([t, t]), -1, 0));
        const kv = gk!.shape[2]!;
        return [
          tf.mul(byHead(groupProduct(ds, byHead(gk!), false)), scale),
          tf.mul(sumGroups(tf.matMul(ds as tf.Tensor4D, byHead(gq!) as tf.Tensor4D, true, false), kv), scale),
        ];
      },
    };
  });
  const softmax = customOp(([s], save) => {
    const p = runWasmKernel('IclkrAttentionSoftmax', { scores: s! }, attrs)[0]!;
    save([p]);
    return {
      value: p,
      gradFunc: (dy, [sp]) => [tf.mul(sp!, tf.sub(dy, tf.sum(tf.mul(sp!, dy), -1, true)))],
    };
  });
  const mix = customOp(([p, sv], save) => {
    save([p!, sv!]);
    return {
      value: runWasmKernel('IclkrAttentionMix', { pattern: p!, v: sv! }, attrs)[0]!,
      gradFunc: (dy, [gp, gv]) => {
        const dz = byHead(dy);
        return [
          groupProduct(dz, byHead(gv!), true),
          sumGroups(tf.matMul(gp! as tf.Tensor4D, dz as tf.Tensor4D, true, false), gv!.shape[2]!),
        ];
      },
    };
  });
  return mix(stages.pattern(softmax(stages.scores(scores(q, k)))), v);
}
