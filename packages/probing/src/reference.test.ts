import { tf } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { fixture, maxAbsDiff, readReference } from '../test/fixtures.js';
import { loadModel } from './load-model.js';

/** Agreement the fixtures README promises: logits 1e-4, attention probabilities 1e-5, the rest 1e-4. */
function tolerance(name: string): number {
  return name.endsWith('hook_pattern') ? 1e-5 : 1e-4;
}

describe.each(['gpt2-tiny', 'llama-tiny'])('%s against the reference implementation', (name) => {
  it('reproduces every reference tensor', async () => {
    const model = await loadModel(fixture(name));
    const { ids, expected } = await readReference(name);
    const { logits, cache } = model.run(ids, { cache: (hook) => expected.has(hook) });
    expect([...cache.keys()].sort()).toEqual([...expected.keys()].filter((k) => k !== 'logits').sort());
    const errors: Record<string, number> = {};
    for (const [key, want] of expected) {
      const got = key === 'logits' ? logits : cache.get(key)!;
      expect(got.size, key).toBe(want.length);
      errors[key] = maxAbsDiff(got.dataSync(), want);
    }
    console.log(`${name} max abs errors`, errors);
    for (const [key, error] of Object.entries(errors)) expect(error, key).toBeLessThan(tolerance(key));
    tf.dispose([logits, ids, ...cache.values()]);
    model.dispose();
  });
});
