// A large fixed unembedding computes (W_E x^T)^T: the same logits, bit for bit, as x W_U, tied or
// not, in one piece or in several (the wasm kernels write 256 positions at a time into the logits),
// on the cpu backend's padded transposes too, and it leaves no tensors behind.
import { tf } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { ParamReader } from '../params.js';
import { Unembed } from './unembed.js';

const VOCAB = 4099;
const D = 256;

describe('Unembed of a large fixed weight', () => {
  it.each([
    [true, 5],
    [true, 48],
    [false, 3],
    [false, 32],
    [true, 300],
    [false, 513],
  ])('tied %s, %i rows: the plain product, exactly', (tied, rows) => {
    const we = tf.randomNormal([VOCAB, D], 0, 0.02, 'float32', 1) as tf.Tensor2D;
    const wu = tf.transpose(we) as tf.Tensor2D;
    const unembed = new Unembed(new ParamReader(tied ? { 'embed.W_E': we } : { 'unembed.W_U': wu }), D, VOCAB, tied);
    const x = tf.randomNormal([1, rows, D], 0, 1, 'float32', 2);
    const before = tf.memory().numTensors;
    for (let pass = 0; pass < 2; pass++) {
      const logits = tf.tidy(() => unembed.forward(x)); // as the model calls it
      expect(logits.shape).toEqual([1, rows, VOCAB]);
      const plain = tf.tidy(() => tf.matMul(x.reshape([rows, D]), wu).reshape([1, rows, VOCAB]));
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(logits, plain))).dataSync()[0])).toBe(0);
      tf.dispose([logits, plain]);
      // An untied weight's W_U^T is made in the first pass and kept.
      expect(tf.memory().numTensors).toBe(before + (tied ? 0 : 1));
    }
    unembed.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([we, wu, x]);
  });

  it('passes the gradient to the residual (dy W_E), as the plain product does', () => {
    const we = tf.randomNormal([VOCAB, D], 0, 0.02, 'float32', 3) as tf.Tensor2D;
    const unembed = new Unembed(new ParamReader({ 'embed.W_E': we }), D, VOCAB, true);
    const x = tf.randomNormal([2, 150, D], 0, 1, 'float32', 4);
    const dy = tf.randomNormal([2, 150, VOCAB], 0, 1, 'float32', 5);
    const [dx, plain] = tf.tidy(() => [
      tf
        .grad((input: tf.Tensor) => unembed.forward(input))(x, dy)
        .dataSync(),
      tf.matMul(dy.reshape([300, VOCAB]), we).dataSync(),
    ]);
    expect(dx).toEqual(plain);
    tf.dispose([we, x, dy]);
  });

  it('on the cpu backend (no wasm kernels): the padded transposes give the plain product too', async () => {
    await tf.setBackend('cpu');
    try {
      const we = tf.randomNormal([VOCAB, D], 0, 0.02, 'float32', 1) as tf.Tensor2D;
      const unembed = new Unembed(new ParamReader({ 'embed.W_E': we }), D, VOCAB, true);
      const x = tf.randomNormal([1, 5, D], 0, 1, 'float32', 2);
      const logits = tf.tidy(() => unembed.forward(x));
      const plain = tf.tidy(() => tf.matMul(x.reshape([5, D]), tf.transpose(we)).reshape([1, 5, VOCAB]));
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(logits, plain))).dataSync()[0])).toBeLessThan(1e-5);
      tf.dispose([we, x, logits, plain]);
    } finally {
      await tf.setBackend('wasm');
    }
  });
});
