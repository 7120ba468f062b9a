import { initBackend } from '@iclkr/core';
import { beforeAll } from 'vitest';

beforeAll(async () => {
  await initBackend();
});
