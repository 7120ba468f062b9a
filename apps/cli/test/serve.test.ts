import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IclkrError } from '@iclkr/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webDist } from '../src/serve/web.js';
import { expectCleanFailure, file, run, tempDir } from './run.js';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const webIndex = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const SECRET = 'TOP-SECRET-CONTENTS';

// base/ holds the served folder and, beside it, files a server must never hand out.
const base = tempDir();
const root = join(base, 'served');
const outside = join(base, 'outside');
for (const d of [root, outside, join(root, 'runs', 'kr'), join(root, 'broken'), join(root, 'no-meta'), join(root, 'node_modules', 'x')])
  mkdirSync(d, { recursive: true });
mkdirSync(join(root, '.hidden'));
file(base, 'secret.txt', SECRET);
file(base, 'package.json', SECRET);
file(outside, 'secret.txt', SECRET);
file(root, 'broken/report.json', '{"meta": {"kind": "simulate",');
file(root, 'no-meta/report.json', '[1, 2]');
file(root, 'node_modules/x/report.json', '{"meta": {"kind": "simulate"}}');
file(root, '.hidden/report.json', '{"meta": {"kind": "simulate"}}');
file(root, 'notes.txt', 'hello\n');
symlinkSync(join(outside, 'secret.txt'), join(root, 'secret-link.txt'));
symlinkSync(outside, join(root, 'outside-link'));

/** A small kernel-regress problem, so a real report.json exists within a second. */
const table = (n: number, offset: number) =>
  `a,y\n${Array.from({ length: n }, (_, i) => `${Math.sin(i + offset).toFixed(3)},${Math.cos(i + offset).toFixed(3)}`).join('\n')}\n`;
const krTrain = file(base, 'train.csv', table(40, 0));
const krTest = file(base, 'test.csv', table(10, 0.5));

interface Served {
  readonly child: ChildProcess;
  readonly url: URL;
  readonly stdout: string;
  exited(): Promise<number | null>;
}

/** Starts the built CLI's `serve` on a free port and resolves once it prints its URL. */
function serve(...args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [main, 'serve', ...args, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      stdout += d;
      const m = /^serving .* at (http:\/\/\S+\/) \(Ctrl-C stops\)\n/m.exec(stdout);
      if (m) resolve({ child, url: new URL(m[1]), stdout, exited: () => exit });
    });
    exit.then((code) => reject(new Error(`iclkr serve exited with ${code} before serving: ${stderr}`)));
  });
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** Sends `path` exactly as written (fetch and URL would normalise '..' away) and reads the answer. */
function get(server: Served, path: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: server.url.hostname, port: server.url.port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The status and body of a file that must not be served. */
const refused = (a: Answer) => ({ status: a.status, leaked: a.body.includes(SECRET) });

describe('iclkr serve', () => {
  let server: Served;
  beforeAll(async () => {
    if (!existsSync(webIndex)) throw new Error(`${webIndex} is missing: build the web app first (pnpm build)`);
    const kr = await run('kernel-regress', '--train', krTrain, '--test', krTest, '--out', join(root, 'runs', 'kr', 'report.json'));
    expect(kr.code, kr.stderr).toBe(0);
    const sim = await run(
      'simulate',
      '--preset',
      'paper-table3',
      '--prompts',
      '20',
      '--shots',
      '1,8',
      '--sigma-samples',
      '300',
      '--out',
      join(root, 'sim'),
    );
    expect(sim.code, sim.stderr).toBe(0);
    symlinkSync(join(root, 'runs', 'kr', 'report.json'), join(root, 'inside-link.json'));
    server = await serve(root);
  });
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    expect(await server?.exited()).toBe(0);
  });

  it('serves the built web app at / with cross-origin isolation headers', async () => {
    expect(server.stdout).toBe(`serving ${root} at http://127.0.0.1:${server.url.port}/ (Ctrl-C stops)\n`);
    const page = await get(server, '/');
    expect(page.status).toBe(200);
    expect(page.body).toBe(readFileSync(webIndex, 'utf8'));
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(page.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(page.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect((await get(server, '/index.html?x=1')).body).toBe(page.body);
    // The page's own script and style files come from dist/ with their types.
    const assets = [...page.body.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    for (const asset of assets) {
      const a = await get(server, `/${asset}`);
      expect(a.status, asset).toBe(200);
      expect(a.headers['content-type'], asset).toMatch(/^(text\/javascript|text\/css|image\/svg\+xml|image\/png|application\/wasm)/);
      expect(a.headers['cross-origin-embedder-policy']).toBe('require-corp');
    }
    const head = await get(server, '/', 'HEAD');
    expect([head.status, head.body, head.headers['content-length']]).toEqual([200, '', String(Buffer.byteLength(page.body))]);
    const post = await get(server, '/', 'POST');
    expect([post.status, post.headers.allow, post.headers['cross-origin-opener-policy']]).toEqual([405, 'GET, HEAD', 'same-origin']);
    expect((await get(server, '/files/notes.txt', 'DELETE')).status).toBe(405);
  });

  it('lists the report folders at /files/index.json, with broken ones named and hidden folders and node_modules skipped', async () => {
    const answer = await get(server, '/files/index.json');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('no-cache');
    const index = JSON.parse(answer.body);
    expect(index.root).toBe('served');
    expect(index.reports.map((r: { path: string }) => r.path)).toEqual(['broken', 'no-meta', 'runs/kr', 'sim']);
    const [broken, noMeta, kr, sim] = index.reports;
    expect(broken).toEqual({
      path: 'broken',
      kind: null,
      createdAt: null,
      schemaVersion: null,
      error: expect.stringMatching(/^report\.json is not valid JSON/),
    });
    expect(noMeta).toEqual({ path: 'no-meta', kind: null, createdAt: null, schemaVersion: null, error: 'report.json has no meta block' });
    for (const [entry, kind] of [
      [kr, 'kernel-regress'],
      [sim, 'simulate'],
    ]) {
      expect(Object.keys(entry)).toEqual(['path', 'kind', 'createdAt', 'schemaVersion', 'error']);
      expect(entry).toMatchObject({ kind, error: null });
      expect(Number.isNaN(Date.parse(entry.createdAt))).toBe(false);
      expect(entry.schemaVersion).toBeGreaterThanOrEqual(1);
    }
    expect(broken.error).not.toContain('\n');
  });

  it('serves the files of DIR under /files/ with their types, uncached', async () => {
    const report = await get(server, '/files/sim/report.json');
    expect(report.status).toBe(200);
    expect(report.body).toBe(readFileSync(join(root, 'sim', 'report.json'), 'utf8'));
    expect(report.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(report.headers['cache-control']).toBe('no-cache');
    expect(report.headers['cross-origin-embedder-policy']).toBe('require-corp');
    const svg = await get(server, '/files/sim/figures/distance.svg');
    expect([svg.status, svg.headers['content-type']]).toEqual([200, 'image/svg+xml']);
    expect((await get(server, '/files/sim/report.html')).headers['content-type']).toBe('text/html; charset=utf-8');
    expect((await get(server, '/files/notes.txt')).headers['content-type']).toBe('text/plain; charset=utf-8');
    // A symlink that stays inside DIR is served; folders are never listed.
    expect((await get(server, '/files/inside-link.json')).body).toBe(readFileSync(join(root, 'runs', 'kr', 'report.json'), 'utf8'));
    for (const folder of ['/files/', '/files', '/files/sim', '/files/sim/', '/assets/', '/assets', '/files/missing.json', '/nope.js'])
      expect((await get(server, folder)).status, folder).toBe(404);
  });

  it('never serves a file outside DIR or the web build: traversal, encoded escapes, absolute paths and symlinks are 404', async () => {
    const attempts = [
      '/files/../secret.txt',
      '/files/../package.json',
      '/files/%2e%2e/secret.txt',
      '/files/%2E%2E/secret.txt',
      '/files/..%2fsecret.txt',
      '/files/%2e%2e%2fsecret.txt',
      '/files/..%5csecret.txt',
      '/files/..\\secret.txt',
      '/files/%2e%2e%5csecret.txt',
      '/..%5c..%5csecret.txt',
      '/../package.json',
      '/assets/../../package.json',
      '/%2e%2e/%2e%2e/%2e%2e/package.json',
      '/files//etc/passwd',
      `/files/${encodeURIComponent(join(base, 'secret.txt'))}`,
      `/files/${join(base, 'secret.txt')}`,
      '/files/secret.txt%00.json',
      '/files/secret-link.txt',
      '/files/outside-link/secret.txt',
      '/files/%zz',
      `/files${join(base, 'secret.txt')}`,
    ];
    for (const path of attempts) expect(refused(await get(server, path)), path).toEqual({ status: 404, leaked: false });
    // The listing does not follow the symlinked folder either.
    expect((await get(server, '/files/index.json')).body).not.toContain('outside-link');
  });

  it('a report folder as DIR lists itself with path ""', async () => {
    const own = await serve(join(root, 'runs', 'kr'));
    try {
      const index = JSON.parse((await get(own, '/files/index.json')).body);
      expect(index).toEqual({
        root: 'kr',
        reports: [{ path: '', kind: 'kernel-regress', createdAt: expect.any(String), schemaVersion: expect.any(Number), error: null }],
      });
      expect((await get(own, '/files/report.json')).status).toBe(200);
    } finally {
      own.child.kill('SIGTERM');
      await own.exited();
    }
  });

  it('Ctrl-C stops it cleanly and promptly, exit 0', async () => {
    const own = await serve(root);
    await get(own, '/');
    const sent = performance.now();
    own.child.kill('SIGINT');
    expect(await own.exited()).toBe(0);
    expect((performance.now() - sent) / 1000).toBeLessThan(5);
  });

  it('a port in use, a missing DIR and a DIR that is a file are one-line errors', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      expectCleanFailure(
        await run('serve', root, '--port', String(port)),
        new RegExp(`port ${port} is in use; pass --port with a free port, or --port 0$`),
      );
    } finally {
      blocker.close();
    }
    expectCleanFailure(await run('serve', join(base, 'nope')), /nope: no such folder; pass an existing folder/);
    expectCleanFailure(await run('serve', join(root, 'notes.txt')), /notes\.txt is not a folder; /);
    expectCleanFailure(await run('serve', root, '--port', '70000'), /--port 70000 is not an integer in \[0, 65535\]/);
  });

  it('a missing web build is a one-line error naming pnpm build', () => {
    const fake = join(base, 'web-unbuilt');
    mkdirSync(fake);
    writeFileSync(join(fake, 'package.json'), '{}');
    expect(() => webDist(join(fake, 'package.json'))).toThrow(IclkrError);
    try {
      webDist(join(fake, 'package.json'));
    } catch (error) {
      expect((error as IclkrError).oneLine()).toBe(`the web app is not built (no ${join(fake, 'dist', 'index.html')}); run pnpm build`);
    }
    expect(webDist()).toBe(fileURLToPath(new URL('../../web/dist', import.meta.url)).replace(/\/$/, ''));
  });
});
