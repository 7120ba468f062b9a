import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend, probeReportSchema, Rng } from '@iclkr/core';
import { loadTextDataset } from '@iclkr/core/node';
import { textPromptSpans } from '@iclkr/probing';
import { loadTokenizer } from '@iclkr/probing/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { DemonstrationChooser, textPrompts } from '@iclkr/experiments';
import { expectCleanFailure, GPT2_TOKENIZER, randomTextModel, run, tempDir, SST2_DEV, SST2_TRAIN, sst2ProbeArgs } from './run.js';

const dir = tempDir();

let textModel: string;
beforeAll(async () => {
  await initBackend();
  textModel = await randomTextModel(dir);
});

/** A text probe of the random GPT-2-vocabulary model: 2 shots, 12 prompts. */
const textProbe = () => ['probe', ...sst2ProbeArgs(textModel, 2, 12), '--probe-prompts', '12'];

describe('iclkr probe --retrieval', () => {
  it('keeps the default prompts: the same as drawing each query a seeded shuffle of the whole pool cut to n, as before', async () => {
    const tokenizer = await loadTokenizer(GPT2_TOKENIZER);
    const data = await loadTextDataset(SST2_DEV);
    const demos = await loadTextDataset(SST2_TRAIN);
    const settings = { shots: 4, prompts: 20, template: 'Input: {x} Output: {y}', labelWords: ['negative', 'positive'], seed: 3, batch: 8 };
    // The draw textPrompts made before retrieval existed, written out here.
    const rng = new Rng(3);
    const order = rng.shuffle(data.texts.map((_, i) => i)).slice(0, 20);
    const pool = demos.texts.map((_, i) => i);
    const reference = order.map((q) => {
      const chosen = rng.shuffle(pool.slice()).slice(0, 4);
      return textPromptSpans(
        tokenizer,
        chosen.map((i) => ({ x: demos.texts[i], y: settings.labelWords[demos.labels[i]] })),
        data.texts[q],
        { template: settings.template },
      ).ids;
    });
    const chooser = new DemonstrationChooser(demos, { strategy: 'random', order: 'selected', pool: undefined, seed: 3, shots: 4 });
    for (const choose of [undefined, (queries: readonly string[], r: Rng) => chooser.choose(queries, r)]) {
      const made = [...textPrompts(tokenizer, data, demos, { ...settings, choose })].flat().map((p) => p.tokens);
      expect(made).toEqual(reference);
    }
  });

  it('records the strategy, order and pool in the settings and each prompt’s demonstrations in demonstrations.jsonl', async () => {
    const out = join(dir, 'bm25-report');
    const r = await run(...textProbe(), '--retrieval', 'bm25', '--order', 'ascending', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/report written to .* \(report\.json, \d+ figures in figures\/, report\.html, demonstrations\.jsonl\)/);
    const report = probeReportSchema.parse(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    expect(report.meta.settings).toMatchObject({ retrieval: 'bm25', order: 'ascending', pool: 6920 });
    const lines = readFileSync(join(out, 'demonstrations.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(12);
    const demos = await loadTextDataset(SST2_TRAIN);
    lines.forEach((l, p) => {
      expect(Object.keys(l)).toEqual(['prompt', 'query', 'indices', 'scores', 'labels']);
      expect(l.prompt).toBe(p);
      expect(l.indices).toHaveLength(2);
      expect(l.scores[0]).toBeLessThanOrEqual(l.scores[1]);
      expect(l.labels).toEqual(l.indices.map((i: number) => demos.labels[i]));
    });
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<dt>retrieval</dt><dd>bm25</dd>');
  });

  it('model-kernel runs the pool alone through the model (default cap, or --pool) and says what it costs', async () => {
    const r = await run(...textProbe(), '--retrieval', 'model-kernel', '--pool', '30', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(
        'iclkr probe: model-kernel: runs each of the 30 pool texts \\(\\d+ tokens\\) ' +
          'and then each query alone through the model for P\\(o \\| x\\), holding 6 MB of distributions',
      ),
    );
    const report = probeReportSchema.parse(JSON.parse(r.stdout));
    expect(report.meta.settings).toMatchObject({ retrieval: 'model-kernel', order: 'selected', pool: 30 });
  });

  it('in-distribution scores the pool once and gives every prompt the same demonstrations', async () => {
    const out = join(dir, 'in-distribution');
    const r = await run(...textProbe(), '--retrieval', 'in-distribution', '--pool', '30', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /iclkr probe: in-distribution: scores each of the 30 pool texts \(\d+ tokens\) by its mean log-probability per token under the model/,
    );
    const lines = readFileSync(join(out, 'demonstrations.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(l.indices).toEqual(lines[0].indices);
    expect(lines[0].scores.every((v: number) => v < 0)).toBe(true);
  });

  it('attention-kernel takes its head (and key position) from --head, as retrieve does', async () => {
    const r = await run(
      ...textProbe(),
      '--retrieval',
      'attention-kernel',
      '--head',
      '0.1',
      '--key-position',
      'delimiter',
      '--pool',
      '30',
      '--json',
    );
    expect(r.code).toBe(0);
    expect(probeReportSchema.parse(JSON.parse(r.stdout)).meta.settings).toMatchObject({ retrieval: 'attention-kernel', pool: 30 });
  });

  it('refuses the retrieval options for worlds and activations, and bad values, in one line', async () => {
    const out = join(dir, 'never');
    const cases: [string[], RegExp][] = [
      [
        ['probe', '--retrieval', 'bm25', '--out', out],
        /--retrieval applies to text prompts only \(with --data\); pass --data and --demos to probe text, or drop it/,
      ],
      [['probe', '--order', 'ascending', '--out', out], /--order applies to text prompts only/],
      [['probe', '--pool', '10', '--out', out], /--pool applies to text prompts only/],
      [
        ['probe', '--activations', dir, '--retrieval', 'knn', '--out', out],
        /--retrieval does not apply to --activations, which holds its own prompts and model outputs; drop --retrieval/,
      ],
      [['probe', '--activations', dir, '--pool', '5', '--out', out], /--pool does not apply to --activations/],
      [
        [...textProbe(), '--retrieval', 'nearest', '--out', out],
        /--retrieval nearest is not one of random, balanced, bm25, knn, model-kernel, in-distribution, dpp, votek, kmedoids/,
      ],
      [[...textProbe(), '--order', 'best', '--out', out], /--order best is not one of selected, ascending, random/],
      [[...textProbe(), '--pool', '-3', '--out', out], /--pool -3 is not an integer in \[1, \d+\]/],
      [[...textProbe(), '--pool', '1', '--out', out], /the pool of 1 demonstrations is smaller than --shots 2/],
      [[...textProbe(), '--pool', '10000', '--out', out], /--pool 10000 is more than the 6920 examples of --demos/],
      [[...textProbe(), '--retrieval', 'attention-kernel', '--out', out], /attention-kernel needs a head: --head L\.H/],
      [[...textProbe(), '--retrieval', 'bm25', '--head', '0.1', '--out', out], /--head applies to the attention-kernel strategy only/],
      [['probe', '--head', '0.1', '--out', out], /--head applies to text prompts only/],
    ];
    for (const [args, pattern] of cases) expectCleanFailure(await run(...args), pattern, out);
  });
});
