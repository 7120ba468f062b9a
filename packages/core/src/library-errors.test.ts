import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const built = fileURLToPath(new URL('../dist/node.js', import.meta.url));

/** Runs a user's script that starts our backend and then fails on its own: exit code and stderr. */
function userScript(backend: string, threads: string, failure: string): { status: number | null; stderr: string } {
  const script = `
    const { initBackend } = await import(${JSON.stringify(built)});
    await initBackend(${JSON.stringify(backend)});
    ${failure}`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, ICLKR_THREADS: threads },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stderr: run.stderr };
}

describe("a library user's own errors (issue 20)", () => {
  const cases = [
    ['wasm', '2'],
    ['wasm', '1'],
    ['cpu', '1'],
  ] as const;
  for (const [backend, threads] of cases) {
    it(`print as Node prints them, with exit code 1, after initBackend('${backend}') on ${threads} thread(s)`, () => {
      for (const failure of ["throw new Error('x-user');", "Promise.reject(new Error('x-user'));"]) {
        const { status, stderr } = userScript(backend, threads, failure);
        expect(status, stderr.slice(0, 300)).toBe(1);
        expect(stderr).toContain('Error: x-user');
        // Without the fix the threaded build's whole minified source came first (55 KB).
        expect(stderr.length).toBeLessThan(2000);
      }
    });
  }
});
