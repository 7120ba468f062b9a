import { describe, expect, it } from 'vitest';
import { describeBackend, initBackend, parseBackendName } from './backend.js';
import { tf } from './tf.js';

describe('backend selection', () => {
  it('parses names and aliases, and rejects others', () => {
    expect(parseBackendName('node')).toBe('tensorflow');
    expect(parseBackendName(' WASM ')).toBe('wasm');
    expect(() => parseBackendName('gpu')).toThrow(/unknown backend 'gpu'/);
  });

  it('auto picks the fastest backend that loads and records what it skipped', async () => {
    const choice = await initBackend('auto');
    expect(['tensorflow', 'wasm', 'cpu']).toContain(choice.name);
    expect(tf.getBackend()).toBe(choice.name);
    if (choice.name !== 'tensorflow') expect(choice.skipped[0].name).toBe('tensorflow');
    expect(describeBackend(choice)).toMatch(new RegExp(`^backend: ${choice.name}`));
  });

  it('a forced backend is used, and the same numbers come out on cpu and the default', async () => {
    const x = [0.5, -1.25, 3];
    const auto = await initBackend('auto');
    const onAuto = tf.tidy(() => tf.exp(tf.tensor1d(x)).arraySync());
    const cpu = await initBackend('cpu');
    expect(cpu).toMatchObject({ name: 'cpu', requested: 'cpu', skipped: [] });
    const onCpu = tf.tidy(() => tf.exp(tf.tensor1d(x)).arraySync());
    onCpu.forEach((v, i) => expect(v).toBeCloseTo(onAuto[i], 5));
    await initBackend(auto.requested);
  });

  it('on wasm a clone shares its data, and outlives the original', async () => {
    const choice = await initBackend('wasm');
    const before = tf.memory();
    const x = tf.tensor1d([1.5, -2, 3]);
    const y = tf.clone(x);
    expect(y.dataId).toBe(x.dataId);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1.5, -2, 3]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    await initBackend(choice.requested === 'wasm' ? 'auto' : choice.requested);
  });

  it('a forced backend that cannot load is an error naming the fix', async () => {
    const choice = await initBackend('auto');
    if (choice.name === 'tensorflow') return; // tfjs-node is installed here: nothing to fail
    await expect(initBackend('tensorflow')).rejects.toThrow(/backend 'tensorflow' failed to load/);
    await initBackend('auto');
  });
});
