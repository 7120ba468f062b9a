import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { cli, SHOTS, servedBrowser, tempDir, watchedPage } from './browser.js';

const served = servedBrowser();

/** The playground with its worker's backend ready, and the longest main-thread task seen (ms). */
async function playground(): Promise<{ page: Page; problems: string[]; longest: () => Promise<number>; reset: () => Promise<void> }> {
  const { page, problems } = await watchedPage(served.browser());
  await page.addInitScript(() => {
    const w = window as unknown as { longest: number };
    w.longest = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) w.longest = Math.max(w.longest, entry.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(`${served.server().url}#/theory`);
  await page.getByTestId('backend').filter({ hasText: /^wasm/ }).waitFor({ timeout: 60_000 });
  return {
    page,
    problems,
    longest: () => page.evaluate(() => (window as unknown as { longest: number }).longest),
    reset: () =>
      page.evaluate(() => {
        (window as unknown as { longest: number }).longest = 0;
      }),
  };
}

/** Fills the form's fields by name. */
async function fill(page: Page, fields: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(fields)) await page.fill(`input[name="${name}"]`, value);
}

/** The settings both the page and the CLI run in the comparisons, as CLI arguments. */
const SMALL_RUN = [
  '--preset',
  'paper-table3',
  '--param',
  'tasks=4',
  '--shots',
  '1,4,16',
  '--prompts',
  '20',
  '--sigma-samples',
  '200',
  '--seed',
  '3',
];

/** The same settings in the page's form. */
const SMALL_FORM = { shots: '1,4,16', prompts: '20', sigmaSamples: '200', seed: '3', 'param.tasks': '4' };

/** The finished run's report.json, as the page's download link gives it. */
async function downloadedReport(page: Page): Promise<{ rows: unknown; bounds: unknown; meta: { kind: string } }> {
  const download = page.waitForEvent('download');
  await page.getByTestId('download-report').click();
  const file = join(tempDir(), 'report.json');
  await (await download).saveAs(file);
  return JSON.parse(readFileSync(file, 'utf8'));
}

describe('the theory playground', () => {
  it('runs a simulation whose rows equal iclkr simulate --json with the same settings and seed', async () => {
    const { page, problems, longest, reset } = await playground();
    await fill(page, SMALL_FORM);
    await page.selectOption('select[name="backend"]', 'wasm');
    await reset();
    const started = Date.now();
    await page.getByTestId('run-simulation').click();
    await page.getByTestId('simulation-done').waitFor({ timeout: 120_000 });
    const seconds = Date.now() - started;
    const during = await longest();
    await page.waitForTimeout(1000);
    console.log(
      `paper-table3 (4 tasks), 20 prompts, n = 1,4,16 in the page: ${seconds} ms; longest main-thread task ` +
        `${during} ms during the run, ${await longest()} ms with the report drawn after it`,
    );
    expect(await page.getByTestId('live-curves').getAttribute('data-rows')).toBe('3');
    const inPage = await downloadedReport(page);
    const cliStarted = Date.now();
    const fromCli = JSON.parse(await cli('simulate', ...SMALL_RUN, '--json'));
    console.log(`the same with the CLI (process start included): ${Date.now() - cliStarted} ms`);
    expect(inPage.meta.kind).toBe('simulate');
    // Bit-identical, except KL in its last float64 digit: Chromium's Math.log and Node's differ by
    // an ulp on some inputs (the tensors, computed on wasm in both, agree exactly).
    const sameNumbers = (a: unknown, b: unknown, path: string): void => {
      if (typeof a === 'number' && typeof b === 'number') {
        if (/(^|\.)kl(\.|$)/.test(path)) expect(Math.abs(a - b), path).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));
        else expect(a, path).toBe(b);
      } else if (a !== null && typeof a === 'object' && b !== null && typeof b === 'object') {
        expect(Object.keys(a).sort(), path).toEqual(Object.keys(b).sort());
        for (const key of Object.keys(b)) sameNumbers((a as never)[key], (b as never)[key], `${path}.${key}`);
      } else expect(a, path).toEqual(b);
    };
    sameNumbers(inPage.rows, fromCli.rows, 'rows');
    expect(inPage.bounds).toEqual(fromCli.bounds);
    await page.screenshot({ path: join(SHOTS, 'theory-playground.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('runs on WebGL where the browser has it, within 1e-4 of the CLI (its float32 kernels are its own)', async () => {
    const { page, problems } = await playground();
    const options = await page.locator('select[name="backend"] option').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value));
    // The first backend offered is the page's default: WebGL when the browser has it.
    expect(options[options.length - 1]).toBe('wasm');
    if (!options.includes('webgl')) {
      console.log('this Chromium has no WebGL in workers: the WebGL run is not checked');
      return;
    }
    expect(await page.inputValue('select[name="backend"]')).toBe('webgl');
    await fill(page, SMALL_FORM);
    const started = Date.now();
    await page.getByTestId('run-simulation').click();
    await page.getByTestId('simulation-done').waitFor({ timeout: 240_000 });
    console.log(`the same simulation on WebGL (${await page.getByTestId('backend').textContent()}): ${Date.now() - started} ms`);
    const onWebgl = await downloadedReport(page);
    const fromCli = JSON.parse(await cli('simulate', ...SMALL_RUN, '--json'));
    let largest = 0;
    const close = (a: unknown, b: unknown, path: string): void => {
      if (typeof a === 'number' && typeof b === 'number') {
        largest = Math.max(largest, Math.abs(a - b));
        expect(Math.abs(a - b), path).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(b)));
      } else if (a !== null && typeof a === 'object' && b !== null && typeof b === 'object') {
        for (const key of Object.keys(b)) close((a as never)[key], (b as never)[key], `${path}.${key}`);
      } else expect(a, path).toEqual(b);
    };
    close(onWebgl.rows, fromCli.rows, 'rows');
    console.log(`largest difference from the CLI on WebGL: ${largest.toExponential(2)}`);
    expect(problems).toEqual([]);
  });

  it('cancels a run through its AbortSignal, and the same worker runs the next one', async () => {
    const { page, problems } = await playground();
    // The belief kernel: every step reports progress (the theorem kernel's Sigma factorisation is one long step).
    await page.selectOption('select[name="kernel"]', 'belief');
    await fill(page, { shots: '1,2,4,8,16,32,64', prompts: '2000' });
    await page.getByTestId('run-simulation').click();
    await page.getByTestId('progress').waitFor();
    const started = Date.now();
    await page.getByTestId('cancel').click();
    await page.getByTestId('cancelled').waitFor({ timeout: 60_000 });
    console.log(`cancel took ${Date.now() - started} ms to be heard`);
    await fill(page, { shots: '1,2', prompts: '10', sigmaSamples: '100' });
    await page.getByTestId('run-simulation').click();
    await page.getByTestId('simulation-done').waitFor({ timeout: 120_000 });
    expect(problems).toEqual([]);
  });

  it('names a bad field at the field and starts nothing', async () => {
    const { page } = await playground();
    for (const [field, value, message] of [
      ['prompts', '0', /at least 2 prompts/],
      ['shots', '1,4,1000', /n above 512/],
      ['param.transitionConcentration', '0', /must be > 0/],
    ] as const) {
      await page.goto('about:blank');
      await page.goto(`${served.server().url}#/theory`);
      await fill(page, { [field]: value });
      await page.getByTestId('run-simulation').click();
      const error = page.locator(`[data-testid="field-error"][data-field="${field}"]`);
      expect(await error.textContent()).toMatch(message);
      expect(await page.getByTestId('progress').count()).toBe(0);
    }
  });
});
