/** The language-modelling loss: weighted mean next-token cross-entropy. */

import { tf } from '@iclkr/core';
import { customOp, oneHotFloat } from '../ops.js';

/**
 * sum(w * CE) / sum(w) over all positions, CE = -log softmax(logits)[target]. logits [B, T, V],
 * targets int32 [B, T], weights float32 [B, T] with a positive sum. Stable for any logits: with
 * p = softmax(x), log p_t = x_t - max(x) + log(max(p)), and max(p) >= 1/V never underflows (this
 * avoids the wasm backend's slow exp and log over the whole [B T, V] array). Differentiable in the
 * logits only; the gradient, (p - onehot) w / sum(w), is formed directly.
 */
export function lmLoss(logits: tf.Tensor3D, targets: tf.Tensor2D, weights: tf.Tensor2D): tf.Scalar {
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
