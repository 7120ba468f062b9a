/** The language-modelling loss: weighted mean next-token cross-entropy. */

import { tf } from '@iclkr/core';
import { customOp, oneHotFloat } from '../ops.js';

/**
 * sum(w * CE) / sum(w) over all positions, CE = -log softmax(logits)[target], computed with
 * logSoftmax (stable for any logit size). logits [B, T, V], targets int32 [B, T], weights float32
 * [B, T] with a positive sum. Differentiable in the logits only: its gradient,
 * (softmax - onehot) w / sum(w), is formed directly rather than through logSoftmax's.
 */
export function lmLoss(logits: tf.Tensor3D, targets: tf.Tensor2D, weights: tf.Tensor2D): tf.Scalar {
  const [b, t, v] = logits.shape;
  return customOp<tf.Scalar>(([x, y, w], save) => {
    const logProbs = tf.logSoftmax(x!.reshape([b * t, v]));
    const oneHot = oneHotFloat(y!.reshape([b * t]), v);
    const scale = tf.div(w!.reshape([b * t, 1]), tf.sum(w!));
    save([logProbs, oneHot, scale, y!, w!]);
    const picked = tf.sum(tf.mul(logProbs, oneHot), 1, true);
    return {
      value: tf.neg(tf.sum(tf.mul(picked, scale))) as tf.Scalar,
      gradFunc: (dy, [lp, oh, sc, sy, sw]) => [
        tf.mul(tf.mul(tf.sub(tf.exp(lp!), oh!), sc!), dy).reshape([b, t, v]),
        tf.zerosLike(sy!),
        tf.zerosLike(sw!),
      ],
    };
  })(logits, targets, weights);
}
