import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '@iclkr/core/node';
import { describe, expect, it } from 'vitest';
import { cli, SHOTS, servedBrowser, tempDir, watchedPage } from './browser.js';

const MODEL = resolve(fileURLToPath(import.meta.url), '../../../../models/default');
const served = servedBrowser();

describe('the model playground', () => {
  it("gives run-model's label probabilities and attention on the same token ids", async () => {
    const { page, problems } = await watchedPage(served.browser());
    const started = Date.now();
    await page.goto(`${served.server().url}#/model`);
    await page.getByTestId('reading').waitFor({ timeout: 60_000 });
    console.log(`the built-in model loaded and read a prompt in the page in ${Date.now() - started} ms`);
    await page.getByTestId('heatmap').first().locator('[data-testid="heatmap-cell"][data-layer="1"][data-head="2"]').click();
    const view = page.getByTestId('head-attention');
    expect([await view.getAttribute('data-layer'), await view.getAttribute('data-head')]).toEqual(['1', '2']);
    const ids = (await page.getByTestId('reading').getAttribute('data-ids'))!.split(',').map(Number);
    const probs = (await page.getByTestId('model-prediction').getAttribute('data-probs'))!.split(',').map(Number);
    const row = (await view.getAttribute('data-row'))!.split(',').map(Number);
    // The independent computation: one forward pass by the CLI on the same ids.
    const dir = tempDir();
    writeFileSync(join(dir, 'ids.json'), JSON.stringify([ids]));
    await cli(
      'run-model',
      '--model',
      MODEL,
      '--input-ids',
      join(dir, 'ids.json'),
      '--cache',
      'blocks.1.attn.hook_pattern',
      '--out',
      join(dir, 'out.safetensors'),
    );
    const { tensors } = await readSafetensors(join(dir, 'out.safetensors'));
    const t = ids.length;
    const logits = tensors.get('logits')!;
    const last = Array.from(logits.data as Float32Array).slice((t - 1) * logits.shape[2], t * logits.shape[2]);
    const labels = [32, 33];
    const z = Math.max(...labels.map((y) => last[y]));
    const e = labels.map((y) => Math.exp(last[y] - z));
    e.forEach((v, c) => expect(Math.abs(probs[c] - v / (e[0] + e[1]))).toBeLessThan(1e-5));
    const pattern = Array.from(tensors.get('blocks.1.attn.hook_pattern')!.data as Float32Array);
    const expected = pattern.slice((2 * t + t - 1) * t, (2 * t + t) * t);
    expect(row).toHaveLength(t);
    row.forEach((w, p) => expect(Math.abs(w - expected[p])).toBeLessThan(1e-5));
    await page.getByTestId('measure-influence').click();
    await page.getByTestId('influence').waitFor();
    await page.screenshot({ path: join(SHOTS, 'model-playground.png'), fullPage: true });
    expect(problems).toEqual([]);
  });
});
