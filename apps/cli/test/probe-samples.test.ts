import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend, type ProbeSample, probeReportSchema, readReportOf, toFloat32 } from '@iclkr/core';
import { loadTextDataset, readSafetensors } from '@iclkr/core/node';
import { textPrompts } from '@iclkr/experiments';
import { selectionSplit } from '@iclkr/probing';
import { loadTokenizer } from '@iclkr/probing/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectCleanFailure, file, GPT2_TOKENIZER, randomTextModel, run, SST2_DEV, SST2_TRAIN, sst2ProbeArgs, tempDir } from './run.js';

const dir = tempDir();

let textModel: string;
beforeAll(async () => {
  await initBackend();
  textModel = await randomTextModel(dir);
});

/** Every attention weight of a sample, flat. */
const weights = (s: ProbeSample) => s.attention.flat(2);

/** The final position's attention row of every head, by [layer][head], as `iclkr run-model` computes it on the sample's ids alone. */
async function runModelRows(model: string, s: ProbeSample, layers: number): Promise<number[][][]> {
  const ids = file(dir, `ids-${s.prompt}.json`, JSON.stringify([s.ids]));
  const out = join(dir, `pattern-${s.prompt}.safetensors`);
  const cache = Array.from({ length: layers }, (_, l) => `blocks.${l}.attn.hook_pattern`);
  const r = await run('run-model', '--model', model, '--input-ids', ids, '--cache', cache.join(','), '--out', out);
  expect(r.code, r.stderr).toBe(0);
  const { tensors } = await readSafetensors(out);
  return cache.map((name) => {
    const pattern = tensors.get(name)!;
    const [batch, heads, t, k] = pattern.shape;
    expect([batch, t, k]).toEqual([1, s.ids.length, s.ids.length]);
    const data = toFloat32(pattern);
    return Array.from({ length: heads }, (_, h) => Array.from(data.subarray((h * t + t - 1) * k, (h * t + t) * k)));
  });
}

describe('iclkr probe --sample-prompts on SST-2 text', () => {
  it("saves the first N held-out prompts with every head's final attention row, as run-model computes it", async () => {
    const out = join(dir, 'text-samples');
    const r = await run('probe', ...sst2ProbeArgs(textModel, 2, 12), '--probe-prompts', '0', '--sample-prompts', '3', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const report = readReportOf('probe', readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.meta.schemaVersion).toBe(3);
    expect(report.meta.settings).toMatchObject({ samplePrompts: 3 });
    // Independently: the held-out part of the final count (12 prompts at selectFrac 0.7, seed 0) and its first 3.
    const { heldOut } = selectionSplit(report.prompts, { selectFrac: 0.7, seed: 0 });
    expect(report.samples.map((s) => s.prompt)).toEqual(heldOut.slice(0, 3));

    // The same prompts rebuilt from the data (the default random retrieval draws as textPrompts does).
    const tokenizer = await loadTokenizer(GPT2_TOKENIZER);
    const [data, demos] = [await loadTextDataset(SST2_DEV), await loadTextDataset(SST2_TRAIN)];
    const settings = {
      shots: 2,
      prompts: 12,
      template: 'Input: {x} Output: {y}',
      labelWords: ['negative', 'positive'],
      seed: 0,
      batch: 32,
    };
    const made = [...textPrompts(tokenizer, data, demos, settings)].flat();
    for (const s of report.samples) {
      const p = made[s.prompt];
      expect(s.ids).toEqual(p.tokens);
      expect(s.segments).toEqual(p.spans.segments.map(({ kind, line, start, end }) => ({ kind, line, start, end })));
      expect([s.labels, s.gold]).toEqual([p.labels, p.gold]);
      // Each token decoded alone, joined: the prompt's text.
      expect(s.tokens).toEqual(s.ids.map((id) => tokenizer.decode([id])));
      expect(s.tokens.join('')).toBe(tokenizer.decode(s.ids));
      expect(s.model).toHaveLength(2);
      expect(s.model[0] + s.model[1]).toBeCloseTo(1, 5);

      expect(s.attention).toHaveLength(1);
      const want = await runModelRows(textModel, s, 1);
      s.attention.forEach((byHead, l) => {
        expect(byHead).toHaveLength(2);
        byHead.forEach((row, h) => {
          expect(row).toHaveLength(s.ids.length);
          row.forEach((v, k) => expect(Math.abs(v - want[l][h][k])).toBeLessThan(1e-5));
        });
      });
      for (const v of weights(s)) expect(v).toBe(Number(v.toPrecision(6)));
    }
  });

  it('saves every held-out prompt when N is more than there are, and none with --sample-prompts 0', async () => {
    const all = await run('probe', ...sst2ProbeArgs(textModel, 2, 12), '--probe-prompts', '0', '--sample-prompts', '100', '--json');
    expect(all.code, all.stderr).toBe(0);
    const many = probeReportSchema.parse(JSON.parse(all.stdout));
    expect(many.samples.map((s) => s.prompt)).toEqual(selectionSplit(12).heldOut);
    const none = await run('probe', ...sst2ProbeArgs(textModel, 2, 12), '--probe-prompts', '0', '--sample-prompts', '0', '--json');
    expect(none.code, none.stderr).toBe(0);
    const report = probeReportSchema.parse(JSON.parse(none.stdout));
    expect(report.samples).toEqual([]);
    // The samples change no other number of the report.
    const strip = ({ meta: _m, samples: _s, ...rest }: typeof report) => rest;
    expect(strip(many)).toEqual(strip(report));
  });

  it('refuses a negative count in one line', async () => {
    const out = join(dir, 'never');
    expectCleanFailure(
      await run('probe', '--sample-prompts', '-1', '--out', out),
      /--sample-prompts -1 is not an integer in \[0, \d+\]/,
      out,
    );
  });
});

describe('iclkr probe --sample-prompts on the built-in world model', () => {
  it('saves 16 held-out prompts by default, their tokens named by id', async () => {
    // 34 prompts split in half: 17 held out, of which the default keeps 16.
    const r = await run('probe', '--prompts', '34', '--select-frac', '0.5', '--probe-prompts', '0', '--shots', '4', '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = probeReportSchema.parse(JSON.parse(r.stdout));
    expect(report.samples.map((s) => s.prompt)).toEqual(selectionSplit(34, { selectFrac: 0.5 }).heldOut.slice(0, 16));
    const layers = new Set(report.heads.map((h) => h.layer)).size;
    const heads = new Set(report.heads.map((h) => h.head)).size;
    for (const s of report.samples) {
      expect(s.tokens).toEqual(s.ids.map(String));
      expect(s.labels).toHaveLength(4);
      expect(s.attention).toHaveLength(layers);
      for (const byHead of s.attention) {
        expect(byHead).toHaveLength(heads);
        for (const row of byHead) {
          expect(row).toHaveLength(s.ids.length);
          expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
        }
      }
    }
  });
});
