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
import { customOp } from './ops.js';
import { type Call, defineWasmKernel, type KernelInputs, runWasmKernel, wasmKernelsRun } from './wasm-kernels.js';

/** Attributes of the attention kernels: each head's ALiBi slope (zeros without ALiBi) and the score scale. */
interface Attrs {
  slopes: number[];
  scale: number;
}

/** t rounded up to 16: the kernels' row length. */
const padded = (t: number): number => Math.ceil(t / 16) * 16;

/** q [batch, t, h, dh] and k [batch, t, hkv, dh]: the sizes every export takes. */
function sizes(q: tf.TensorInfo, k: tf.TensorInfo): [number, number, number, number, number] {
  const [batch, t, h, dh] = q.shape as [number, number, number, number];
  return [batch, t, h, k.shape[2]!, dh];
}

const KERNELS: Record<string, (call: Call, inputs: KernelInputs, attrs: Attrs) => tf.TensorInfo[]> = {
  IclkrCausalAttention(call, { q, k, v }, { slopes, scale }) {
    const [batch, t, h, hkv, dh] = sizes(q!, k!);
    const out = call.output(q!.shape);
    const stats = call.output([batch, h, t, 2]);
    const scratch = call.scratch(dh * padded(t) + padded(t), slopes);
    const slopePointer = scratch + 4 * (dh * padded(t) + padded(t));
    call.exports.forward(
      call.at(q!),
      call.at(k!),
      call.at(v!),
      call.at(out),
      call.at(stats),
      slopePointer,
      scratch,
      batch,
      t,
      h,
      hkv,
      dh,
      scale,
    );
    return call.done([out, stats]);
  },
  IclkrCausalAttentionGrad(call, { q, k, v, dout, stats }, { slopes, scale }) {
    const [batch, t, h, hkv, dh] = sizes(q!, k!);
    const dq = call.output(q!.shape);
    const dk = call.output(k!.shape, true);
    const dv = call.output(v!.shape, true);
    const floats = 2 * dh * padded(t) + 2 * padded(t);
    const scratch = call.scratch(floats, slopes);
    call.exports.backward(
      ...[q, k, v, dout, stats].map((x) => call.at(x!)),
      scratch + 4 * floats,
      scratch,
      call.at(dq),
      call.at(dk),
      call.at(dv),
      batch,
      t,
      h,
      hkv,
      dh,
      scale,
    );
    return call.done([dq, dk, dv]);
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

/**
 * softmax(scale q k^T + ALiBi, causal) v for q [batch, t, head, d_head] and k, v [batch, t,
 * kv_head, d_head] (each kv head serving head / kv_head consecutive query heads), as [batch, t,
 * head, d_head], differentiable in q, k and v: the score of query i and key j <= i is
 * scale q_i.k_j - slope_head (i - j). Call only where `attentionKernelsRun(d_head)`.
 */
export function fusedAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, slopes: readonly number[], scale: number): tf.Tensor {
  const attrs = { slopes: [...slopes], scale };
  return customOp(([sq, sk, sv], save) => {
    const [z, stats] = runWasmKernel('IclkrCausalAttention', { q: sq!, k: sk!, v: sv! }, attrs);
    save([sq!, sk!, sv!, stats!]);
    return {
      value: z!,
      gradFunc: (dy, [gq, gk, gv, gs]) => runWasmKernel('IclkrCausalAttentionGrad', { q: gq!, k: gk!, v: gv!, dout: dy, stats: gs! }, attrs),
    };
  })(q, k, v);
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
  const attrs = { slopes: [...slopes], scale };
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
