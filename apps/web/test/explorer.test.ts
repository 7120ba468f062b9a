// The report explorer in Chromium, against `iclkr serve` on reports the built CLI writes: the
// heatmaps carry report.json's values, the head view's token weights are the model's attention as
// `iclkr run-model` computes it independently of the probe (1e-5), bad reports show a message.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { initBackend, type ProbeReport, Rng } from '@iclkr/core';
import { readSafetensors } from '@iclkr/core/node';
import { initGptParams } from '@iclkr/probing';
import { saveGptCheckpoint } from '@iclkr/probing/node';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, launchChromium, SHARED_DATA, SHOTS, serve, tempDir, watchedPage, WEB_DIST } from './browser.js';

let dir: string;
let model: string;
let report: ProbeReport;
let server: { url: string; process: ChildProcess };
let browser: Browser;

/** The value at a dotted path of an object (the heatmap's data-metric), null where absent: written here, not imported from the app. */
function at(object: unknown, path: string): number | null {
  const value = path
    .split('.')
    .reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), object);
  return typeof value === 'number' ? value : null;
}

/** A GET of `path` exactly as written (no URL normalisation), its status and body. */
function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((done, fail) => {
    const req = request({ hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

beforeAll(async () => {
  await initBackend();
  dir = tempDir();
  mkdirSync(SHOTS, { recursive: true });
  // A random GPT with GPT-2's vocabulary: 2 layers x 4 heads, so the heatmaps have 8 cells.
  model = join(dir, 'model');
  const config = {
    vocabSize: 50257,
    nCtx: 512,
    nLayers: 2,
    nHeads: 4,
    dModel: 16,
    dMlp: 32,
    positions: 'alibi' as const,
    tiedEmbeddings: true,
  };
  await saveGptCheckpoint(model, { config, params: initGptParams(config, new Rng(3)) });
  const reports = join(dir, 'reports');
  mkdirSync(reports);
  // 8 SST-2 demonstrations per prompt (~300 tokens): the long prompt the head view must keep readable.
  await cli(
    'probe',
    ...['--model', model, '--tokenizer', join(SHARED_DATA, 'tokenizers/gpt2')],
    ...['--data', join(SHARED_DATA, 'sst2/glue-dev.tsv'), '--demos', join(SHARED_DATA, 'sst2/stsa.binary.train')],
    ...['--template', 'Review: {x}\nSentiment: {y}\n', '--label-words', 'negative,positive'],
    ...['--shots', '8', '--prompts', '12', '--probe-prompts', '0', '--sample-prompts', '3', '--out', join(reports, 'probe-sst2')],
  );
  report = JSON.parse(readFileSync(join(reports, 'probe-sst2/report.json'), 'utf8'));
  mkdirSync(join(reports, 'broken'));
  writeFileSync(join(reports, 'broken/report.json'), '{"meta": {"kind": "probe", "schemaVersion": 3');
  mkdirSync(join(reports, 'newer'));
  writeFileSync(join(reports, 'newer/report.json'), JSON.stringify({ ...report, meta: { ...report.meta, schemaVersion: 99 } }));
  // The previous layout (version 2: no prompt samples) opens, migrated.
  mkdirSync(join(reports, 'older'));
  const { samples: _samples, ...withoutSamples } = report;
  writeFileSync(join(reports, 'older/report.json'), JSON.stringify({ ...withoutSamples, meta: { ...report.meta, schemaVersion: 2 } }));
  writeFileSync(join(dir, 'secret.txt'), 'not to be served');
  server = await serve(reports);
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  server?.process.kill('SIGINT');
});

/** Opens a served report folder and waits for its title (or its error). */
async function open(page: Page, path: string, beside?: string): Promise<number> {
  // From a blank page, so that a hash-only change is a fresh load and the wait below sees the new report.
  await page.goto('about:blank');
  const started = Date.now();
  await page.goto(`${server.url}#/?open=${path}${beside ? `&beside=${beside}` : ''}`);
  await page.waitForSelector('[data-testid="report-title"], [data-testid="report-error"]');
  return Date.now() - started;
}

describe('the probe explorer', () => {
  it('shows every head in every heatmap with report.json values, and the hovered value', async () => {
    const { page, problems } = await watchedPage(browser);
    const ms = await open(page, 'probe-sst2');
    console.log(`first load of a probe report from iclkr serve: ${ms} ms`);
    expect(await page.getByTestId('report-title').textContent()).toContain('iclkr probe');
    const maps = page.getByTestId('heatmap');
    expect(await maps.count()).toBeGreaterThanOrEqual(3);
    for (const map of await maps.all()) {
      const metric = (await map.getAttribute('data-metric'))!;
      const cells = map.getByTestId('heatmap-cell');
      expect(await cells.count()).toBe(2 * 4);
      for (const cell of await cells.all()) {
        const [layer, head] = [Number(await cell.getAttribute('data-layer')), Number(await cell.getAttribute('data-head'))];
        const expected = at(
          report.heads.find((h) => h.layer === layer && h.head === head),
          metric,
        );
        expect(await cell.getAttribute('data-value')).toBe(expected === null ? '' : String(expected));
      }
    }
    const first = maps.first();
    const cell = first.locator('[data-testid="heatmap-cell"][data-layer="1"][data-head="2"]');
    await cell.hover();
    const value = Number(await cell.getAttribute('data-value'));
    expect(await first.getByTestId('heatmap-readout').textContent()).toBe(`L1 H2: ${value.toPrecision(4)}`);
    await page.screenshot({ path: join(SHOTS, 'probe-explorer.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it("opens a clicked head's view in every heatmap, whose token weights are run-model's attention (1e-5)", async () => {
    const { page, problems } = await watchedPage(browser);
    await open(page, 'probe-sst2');
    const best = report.bestHead;
    const [layer, head] = best.layer === 0 && best.head === 3 ? [1, 1] : [0, 3];
    await page.getByTestId('heatmap').first().locator(`[data-testid="heatmap-cell"][data-layer="${layer}"][data-head="${head}"]`).click();
    for (const map of await page.getByTestId('heatmap').all()) {
      const selected = map.locator('.selected');
      expect(await selected.count()).toBe(1);
      expect([await selected.getAttribute('data-layer'), await selected.getAttribute('data-head')]).toEqual([String(layer), String(head)]);
    }
    const view = page.getByTestId('head-view');
    expect([await view.getAttribute('data-layer'), await view.getAttribute('data-head')]).toEqual([String(layer), String(head)]);
    const sample = report.samples[0];
    expect(await view.getAttribute('data-prompt')).toBe(String(sample.prompt));
    const weights = await view.getByTestId('token').evaluateAll((tokens) => tokens.map((t) => Number(t.getAttribute('data-weight'))));
    expect(weights).toHaveLength(sample.ids.length);
    // The independent computation: one forward pass of the model on the prompt's ids by run-model.
    const ids = join(dir, 'ids.json');
    writeFileSync(ids, JSON.stringify([sample.ids]));
    const out = join(dir, 'pattern.safetensors');
    await cli('run-model', '--model', model, '--input-ids', ids, '--cache', `blocks.${layer}.attn.hook_pattern`, '--out', out);
    const pattern = (await readSafetensors(out)).tensors.get(`blocks.${layer}.attn.hook_pattern`)!;
    const t = sample.ids.length;
    expect(pattern.shape).toEqual([1, 4, t, t]);
    const row = Array.from(pattern.data as Float32Array).slice((head * t + t - 1) * t, (head * t + t) * t);
    weights.forEach((w, p) => expect(Math.abs(w - row[p])).toBeLessThan(1e-5));
    await view.screenshot({ path: join(SHOTS, 'head-view-8-demonstrations.png') });
    await page.getByRole('button', { name: 'next prompt →' }).click();
    expect(await view.getAttribute('data-prompt')).toBe(String(report.samples[1].prompt));
    expect(problems).toEqual([]);
  });

  it('shows two reports side by side', async () => {
    const { page, problems } = await watchedPage(browser);
    await open(page, 'probe-sst2', 'probe-sst2');
    expect(await page.getByTestId('report-title').count()).toBe(2);
    expect(await page.getByTestId('head-view').count()).toBe(2);
    expect(problems).toEqual([]);
  });
});

describe('opening reports without the served list', () => {
  it('opens a report.json through the file picker, in a second pane beside the first', async () => {
    const { page, problems } = await watchedPage(browser);
    await open(page, 'probe-sst2');
    await page.locator('input[type="file"]').last().setInputFiles(join(dir, 'reports/newer/report.json'));
    await page.getByTestId('report-error').waitFor();
    expect(await page.getByTestId('report-title').count()).toBe(1);
    await page.locator('input[type="file"]').first().setInputFiles(join(dir, 'reports/probe-sst2/report.json'));
    await page.getByTestId('report-title').waitFor();
    expect(await page.getByTestId('report-error').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('opens a report.json dropped on the page', async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${server.url}#/`);
    await page.getByText('Reports under').waitFor();
    const text = readFileSync(join(dir, 'reports/probe-sst2/report.json'), 'utf8');
    const drop = await page.evaluateHandle((json) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([json], 'report.json', { type: 'application/json' }));
      return transfer;
    }, text);
    await page.dispatchEvent('main', 'drop', { dataTransfer: drop });
    await page.getByTestId('report-title').waitFor();
    expect(await page.getByTestId('heatmap').count()).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it('opens the report at #/ when the served folder is itself a report folder', async () => {
    const one = await serve(join(dir, 'reports/probe-sst2'));
    try {
      const { page, problems } = await watchedPage(browser);
      await page.goto(`${one.url}#/`);
      await page.getByTestId('report-title').waitFor();
      expect(await page.getByTestId('heatmap').count()).toBeGreaterThan(0);
      expect(problems).toEqual([]);
    } finally {
      one.process.kill('SIGINT');
    }
  });

  it('says what to do when the static build is opened as a file', async () => {
    const { page } = await watchedPage(browser, 1000);
    await page.goto(`file://${join(WEB_DIST, 'index.html')}`);
    expect(await page.locator('#root').textContent()).toContain('opened as a file');
  });
});

describe('bad reports and requests', () => {
  it('names the problem of a broken report and of a newer version instead of a blank page', async () => {
    const { page } = await watchedPage(browser, 1000);
    await open(page, 'broken');
    expect(await page.getByTestId('report-error').textContent()).toContain('is not valid JSON');
    await open(page, 'newer');
    expect(await page.getByTestId('report-error').textContent()).toContain('of version 99; this iclkr reads probe reports of versions');
    await page.screenshot({ path: join(SHOTS, 'report-error.png') });
  });

  it('opens a report of the previous version, migrated (a probe report without prompt samples says how to get them)', async () => {
    const { page, problems } = await watchedPage(browser);
    await open(page, 'older');
    expect(await page.getByTestId('report-error').count()).toBe(0);
    expect(await page.getByTestId('heatmap').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('no-samples').textContent()).toContain('--sample-prompts');
    expect(problems).toEqual([]);
  });

  it('refuses a request outside the served folder', async () => {
    for (const path of ['/files/../secret.txt', '/files/%2e%2e/secret.txt', '/files/..%2fsecret.txt']) {
      const { status, body } = await rawGet(server.url, path);
      expect(status).toBe(404);
      expect(body).not.toContain('not to be served');
    }
  });
});
