import { defineConfig } from 'vitest/config';

/**
 * The test setup every package shares. vitest already runs one test file per core, so each file
 * computes on one wasm thread (ICLKR_THREADS=1): a thread pool per file would oversubscribe the
 * cores (the kernels tests took 10.3 s instead of 8.0 on 2 cores). The threaded backend has its
 * own test, which sets the count it checks.
 */
export function packageTestConfig(options: { setupFile?: boolean; timeoutMs?: number } = {}) {
  return defineConfig({
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: options.timeoutMs ?? 60_000,
      ...(options.setupFile ? { setupFiles: ['test/setup.ts'] } : {}),
      env: { ICLKR_THREADS: '1' },
    },
  });
}
