// A large fixed unembedding computes (W_E x^T)^T: the same logits, bit for bit, as x W_U, tied or
// not, for row counts that need padding and ones that do not, and it leaves no tensors behind.
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
});
