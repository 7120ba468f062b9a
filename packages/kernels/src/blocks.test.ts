import { tf } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { keyBlocks } from './blocks.js';

describe('keyBlocks', () => {
  it('gives the same bits as one matmul when the keys span several blocks', () => {
    // 1024 rows of 4 bytes: at most 256 columns a block, so 1000 keys take 4 blocks.
    const keysT = tf.randomNormal([1024, 1000], 0, 1, 'float32', 3) as tf.Tensor2D;
    const q = tf.randomNormal([7, 1024], 0, 1, 'float32', 4) as tf.Tensor2D;
    const plain = tf.matMul(q, keysT).dataSync();
    const blocks = keyBlocks(tf.clone(keysT));
    const blocked = blocks.times(q);
    expect(blocked.shape).toEqual([7, 1000]);
    expect(Array.from(blocked.dataSync())).toEqual(Array.from(plain));
    const before = tf.memory().numTensors;
    blocks.dispose();
    expect(tf.memory().numTensors).toBe(before - 4);
    tf.dispose([keysT, q, blocked]);
  });
});
