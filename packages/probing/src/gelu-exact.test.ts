import { tf } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { geluExact } from './ops.js';

/** erf in float64: its Maclaurin series for |x| < 3, a continued fraction of erfc beyond. */
function erf(x: number): number {
  const t = Math.abs(x);
  if (t < 3) {
    let sum = 0;
    let term = t;
    for (let n = 0; n < 100; n++) {
      sum += term / (2 * n + 1);
      term *= (-t * t) / (n + 1);
    }
    return (Math.sign(x) * 2 * sum) / Math.sqrt(Math.PI);
  }
  let fraction = 0;
  for (let k = 60; k >= 1; k--) fraction = k / 2 / (t + fraction);
  return Math.sign(x) * (1 - Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + fraction));
}

describe('geluExact', () => {
  const xs = Array.from({ length: 1601 }, (_, i) => -8 + i * 0.01);

  it('is x Phi(x) to float32 precision', () => {
    const got = tf.tidy(() => geluExact(tf.tensor1d(xs)).dataSync());
    const errors = xs.map((x, i) => Math.abs(got[i]! - 0.5 * x * (1 + erf(x / Math.SQRT2))) / Math.max(1, Math.abs(x)));
    expect(Math.max(...errors)).toBeLessThan(1e-6);
  });

  it('has the gradient Phi(x) + x phi(x)', () => {
    const got = tf.tidy(() =>
      tf
        .grad((x: tf.Tensor) => geluExact(x).sum())(tf.tensor1d(xs))
        .dataSync(),
    );
    const errors = xs.map((x, i) => {
      const want = 0.5 * (1 + erf(x / Math.SQRT2)) + (x * Math.exp((-x * x) / 2)) / Math.sqrt(2 * Math.PI);
      return Math.abs(got[i]! - want);
    });
    expect(Math.max(...errors)).toBeLessThan(1e-6);
  });
});
