/** Test helpers: the built CLI, a served folder, and Debian's Chromium driven by playwright-core. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../../..');
/** The built CLI (turbo builds it before these tests). */
export const CLI = join(ROOT, 'apps/cli/dist/main.js');
/** Shared data (SST-2, the GPT-2 tokenizer) beside the repository. */
export const SHARED_DATA = process.env.ICLKR_SHARED_DATA ?? resolve(ROOT, '../shared/data');
/** The web app's static build. */
export const WEB_DIST = join(ROOT, 'apps/web/dist');
/** Where screenshots go (git-ignored): the test output a reader opens. */
export const SHOTS = join(ROOT, 'apps/web/test-output');

/** A fresh temporary folder. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'iclkr-web-'));
}

/** Runs the built CLI to completion; rejects with its stderr on a non-zero exit. */
export function cli(...args: string[]): Promise<string> {
  return new Promise((done, fail) => {
    execFile(process.execPath, [CLI, ...args], { maxBuffer: 1 << 28 }, (error, stdout, stderr) =>
      error ? fail(new Error(`iclkr ${args.join(' ')} failed: ${stderr}`)) : done(stdout),
    );
  });
}

/** `iclkr serve DIR --port 0` running, with the URL it printed. */
export async function serve(dir: string): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, 'serve', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((done, fail) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const found = /(http:\/\/[^\s]+\/)/.exec(out);
      if (found) done(found[1]);
    });
    child.stderr!.on('data', (chunk) => {
      out += chunk;
    });
    child.on('exit', (code) => fail(new Error(`iclkr serve exited with ${code}: ${out}`)));
  });
  return { url, process: child };
}

/** Debian's Chromium, headless (playwright-core cannot download browsers here). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** A page whose console errors, warnings and uncaught exceptions are collected. */
export async function watchedPage(browser: Browser, width = 1400): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 1000 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  return { page, problems };
}

/** `iclkr serve` on an empty folder and Chromium, started before a file's tests and stopped after them. */
export function servedBrowser(): { readonly server: () => { url: string; process: ChildProcess }; readonly browser: () => Browser } {
  let server: { url: string; process: ChildProcess } | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    server = await serve(tempDir());
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    server?.process.kill('SIGINT');
  });
  return { server: () => server!, browser: () => browser! };
}
