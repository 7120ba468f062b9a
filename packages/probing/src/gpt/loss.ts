/** The language-modelling loss: weighted mean next-token cross-entropy. */

import { tf } from '@iclkr/core';
import { customOp, oneHotFloat } from '../ops.js';
import { defineWasmKernel, runWasmKernel, wasmKernelsRun } from '../wasm-kernels.js';

defineWasmKernel('IclkrSoftmaxRows', (call, { x, targets }) => {
  const [rows, v] = x!.shape as [number, number];
  const [probs, stats] = [call.output([rows, v]), call.output([rows, 2])];
  call.exports.softmax_rows!(call.at(x!), call.at(targets!), call.at(probs), call.at(stats), rows, v);
  return call.done([probs, stats]);
});

defineWasmKernel('IclkrCrossEntropyGrad', (call, { probs, targets, g, dy }) => {
  const [rows, v] = probs!.shape as [number, number];
  const dx = call.output([rows, v]);
  call.exports.cross_entropy_grad!(call.at(probs!), call.at(targets!), call.at(g!), call.at(dy!), call.at(dx), rows, v);
  return call.done([dx]);
});

/**
 * lmLoss in the wasm kernels: one pass for each row's softmax, max and sum of exps, the loss summed
 * in float64 from those, and one pass for the gradient (tfjs takes ~10 kernels over [B T, V] each way).
 */
function fusedLmLoss(logits: tf.Tensor3D, targets: tf.Tensor2D, weights: tf.Tensor2D): tf.Scalar {
  const [b, t, v] = logits.shape;
  return customOp<tf.Scalar>(([x, y, w], save) => {
    const ids = y!.reshape([b * t]);
    const [probs, stats] = runWasmKernel('IclkrSoftmaxRows', { x: x!.reshape([b * t, v]), targets: ids });
    // log p_t = (x_t - max) - log(sum of exps)
    const [st, wv] = [stats!.dataSync(), w!.dataSync()];
    let [total, weight] = [0, 0];
    for (let r = 0; r < b * t; r++) {
      weight += wv[r]!;
      total += wv[r]! * (st[2 * r]! - Math.log(st[2 * r + 1]!));
    }
    stats!.dispose();
    const scale = tf.tensor1d(Float32Array.from(wv, (x) => x / weight));
    save([probs!, ids, scale, y!, w!]);
    return {
      value: tf.scalar(-total / weight),
      gradFunc: (dy, [p, sid, sc, sy, sw]) => [
        runWasmKernel('IclkrCrossEntropyGrad', { probs: p!, targets: sid!, g: sc!, dy })[0]!.reshape([b, t, v]),
        tf.zerosLike(sy!),
        tf.zerosLike(sw!),
      ],
    };
  })(logits, targets, weights);
}

/**
 * sum(w * CE) / sum(w) over all positions, CE = -log softmax(logits)[target]. logits [B, T, V],
 * targets int32 [B, T], weights float32 [B, T] with a positive sum. Stable for any logits: with
 * p = softmax(x), log p_t = x_t - max(x) + log(max(p)), and max(p) >= 1/V never underflows (this
 * avoids the wasm backend's slow exp and log over the whole [B T, V] array). Differentiable in the
 * logits only; the gradient, (p - onehot) w / sum(w), is formed directly. On the wasm kernels, two
 * fused passes (`fusedLmLoss`).
 */
export function lmLoss(logits: tf.Tensor3D, targets: tf.Tensor2D, weights: tf.Tensor2D): tf.Scalar {
  if (wasmKernelsRun()) return fusedLmLoss(logits, targets, weights);
  const [b, t, v] = logits.shape;
  return customOp<tf.Scalar>(([x, y, w], save) => {
    const flat = x!.reshape([b * t, v]);
    const probs = tf.softmax(flat);
    const oneHot = oneHotFloat(y!.reshape([b * t]), v);
    const scale = tf.div(w!.reshape([b * t]), tf.sum(w!));
    save([probs, oneHot, scale, y!, w!]);
    const logProb = tf.add(tf.sub(tf.sum(tf.mul(flat, oneHot), 1), tf.max(flat, 1)), tf.log(tf.max(probs, 1)));
    return {
      value: tf.neg(tf.sum(tf.mul(logProb, scale))) as tf.Scalar,
      gradFunc: (dy, [p, oh, sc, sy, sw]) => [
        tf.mul(tf.mul(tf.sub(p!, oh!), sc!.reshape([b * t, 1])), dy).reshape([b, t, v]),
        tf.zerosLike(sy!),
        tf.zerosLike(sw!),
      ],
    };
  })(logits, targets, weights);
}
