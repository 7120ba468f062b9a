import { initBackend } from '@iclkr/core/node';
import { beforeAll } from 'vitest';

beforeAll(async () => {
  await initBackend();
});
