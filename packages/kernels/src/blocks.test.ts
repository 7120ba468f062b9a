import { Rng, tf } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { bruteNW, randomMatrix, row } from '../test/brute.js';
import { keyBlocks } from './blocks.js';
import { NadarayaWatson } from './nadaraya-watson.js';

describe('keyBlocks', () => {
  it('gives the same bits as one matmul when the keys span several blocks, and the zero key scores 0', () => {
    // 1024 rows of 4 bytes: at most 256 columns a block, so 1000 keys take 4 blocks.
    const keysT = tf.randomNormal([1024, 1000], 0, 1, 'float32', 3) as tf.Tensor2D;
    const q = tf.randomNormal([7, 1024], 0, 1, 'float32', 4) as tf.Tensor2D;
    const plain = tf.matMul(q, keysT).arraySync() as number[][];
    const blocks = keyBlocks(tf.transpose(keysT).dataSync() as Float32Array, 1024);
    expect(blocks.widths).toEqual([256, 256, 256, 232]);
    const blocked = blocks.times(q);
    expect(blocked.arraySync()).toEqual(plain);
    const zeroKey = blocks.withZeroKey(q).map((b) => b.arraySync() as number[][]);
    let start = 0;
    zeroKey.forEach((b, i) => {
      const w = blocks.widths[i];
      b.forEach((r, j) => {
        expect(r.slice(0, w)).toEqual(plain[j].slice(start, start + w));
        expect(r[w]).toBe(0);
      });
      start += w;
    });
    const before = tf.memory().numTensors;
    blocks.dispose();
    expect(tf.memory().numTensors).toBe(before - 8);
    tf.dispose([keysT, q, blocked]);
  });
});

describe('Nadaraya–Watson over key blocks', () => {
  it('matches the float64 loop with several blocks, and a batch with a far query takes the log-sum-exp path', () => {
    const rng = new Rng(11);
    // 700 features (702 augmented): blocks of at most 373 keys, so 900 keys take 3.
    const x = randomMatrix(rng, 900, 700);
    const values = Array.from({ length: 900 }, (_, i) => Math.sin(x.data[i * 700]) + x.data[i * 700 + 1]);
    const q = randomMatrix(rng, 6, 700);
    q.data.fill(40, 5 * 700); // far from every key: its weights underflow against K = 1
    const spec = { kernel: 'rbf' as const, bandwidth: 9 };
    // Two queries a batch: the last batch needs the fallback, the others do not.
    const nw = new NadarayaWatson({ ...spec, maxMemoryBytes: 2 * 900 * 16 }).fit(x, { kind: 'real', values });
    const pred = nw.predict(q);
    const y = values.map((v) => [v]);
    for (let i = 0; i < q.rows; i++) {
      const [e] = bruteNW(spec, x, y, row(q, i));
      // The far query's log K are near -6,900, where float32 rounds them by ~5e-4 each.
      expect(Math.abs(pred.data[i] - e) / Math.max(1, Math.abs(e))).toBeLessThan(i === 5 ? 1e-4 : 1e-6);
    }
  });
});
