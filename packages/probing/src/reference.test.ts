import { describe, it } from 'vitest';
import { expectReference, fixture } from '../test/fixtures.js';

describe.each(['gpt2-tiny', 'llama-tiny'])('%s against the reference implementation', (name) => {
  it('reproduces every reference tensor (llm.c and llama2.c, see ../shared/fixtures)', async () => {
    await expectReference(fixture(name), name);
  });
});
