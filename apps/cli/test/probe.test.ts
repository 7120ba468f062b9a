import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend, probeReportSchema, Rng } from '@iclkr/core';
import { initGptParams } from '@iclkr/probing';
import { saveGptCheckpoint } from '@iclkr/probing/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { segmentMap } from '../src/probe/report.js';
import { expectCleanFailure, file, run, sharedData, tempDir } from './run.js';

const dir = tempDir();
const SST2_DEV = join(sharedData, 'sst2/glue-dev.tsv');
const SST2_TRAIN = join(sharedData, 'sst2/stsa.binary.train');
const GPT2_TOKENIZER = join(sharedData, 'tokenizers/gpt2');
/** A small, quick probe of the built-in model. */
const QUICK = ['--prompts', '40', '--probe-prompts', '16', '--shots', '8'];

/** A random one-block GPT over GPT-2's vocabulary: text prompts need a model the GPT-2 tokenizer's ids fit. */
let textModel: string;
beforeAll(async () => {
  await initBackend();
  textModel = join(dir, 'text-model');
  const config = { vocabSize: 50257, nCtx: 512, nLayers: 1, nHeads: 2, dModel: 8, dMlp: 16, positions: 'alibi' as const, tiedEmbeddings: true };
  await saveGptCheckpoint(textModel, { config, params: initGptParams(config, new Rng(0)) });
});

describe('iclkr probe on a world', () => {
  it('probes the built-in model: the JSON report holds the fields the issue names, checked by the schema', async () => {
    const r = await run('probe', ...QUICK, '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = probeReportSchema.parse(JSON.parse(r.stdout));
    expect(report).toMatchObject({ shots: 8, prompts: 40, kernel: 'theorem', labels: ['token 32', 'token 33'] });
    expect(report.heads).toHaveLength(8);
    for (const h of report.heads) {
      for (const key of ['agreement', 'accuracy', 'kernelCorrelation'] as const) expect(typeof h[key]).toBe('number');
      expect(Object.keys(h.trueCorrelation)).toEqual(['theorem', 'belief']);
      expect(h.variants.span.agreement).toBe(h.agreement);
      expect(Object.keys(h.variants)).toEqual(['span', 'label', 'line']);
    }
    expect(report.heldOut.prompts).toBe(12);
    expect(report.oracle).not.toBeNull();
    expect(report.baselines.map((b) => b.name)).toEqual(['output-similarity', 'true-kernel:theorem', 'true-kernel:belief', 'hidden-cosine:L0', 'hidden-cosine:L1']);
    // n = 8 demonstrations of one token, resampled to 30 cells each, plus label and delimiter cells, plus the query.
    expect(report.attentionMap.cells).toHaveLength(8 * 32 + 30);
    // The segment view: mean attention per token of x_i, y_i, d_i per line, then x_test; rows are layer x head.
    const segments = segmentMap(report.attentionMap);
    expect(segments.names.slice(0, 4)).toEqual(['x1', 'y1', 'd1', 'x2']);
    expect(segments.names).toHaveLength(8 * 3 + 1);
    expect(segments.values).toHaveLength(8);
    expect(report.probes.offsets).toEqual([-1, 0, 1, 2, 3]);
    // 16 prompts feed the probes; the last demonstration's window (+3) runs past the prompt.
    expect(report.probes.values.examples).toBe(16 * 7);
    // Value targets are the two labels: guessing the commoner is right at most ~ (majority share) of the time.
    expect(report.probes.values.chance).toBeGreaterThanOrEqual(0.5);
    expect(report.bestByVariant.span).toEqual(report.bestHead);
    // The recall world's classes: the keys of every head are probed for x_i's class.
    expect(report.probes.keyClasses!.heads).toHaveLength(8);
  });

  it('writes the report folder with every figure, and a summary naming the best head', async () => {
    const out = join(dir, 'world-report');
    const r = await run('probe', ...QUICK, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/held out \(12 prompts; heads chosen on the other 28\): model [\d.]+, majority [\d.]+/);
    expect(r.stdout).toMatch(/best head \(a_i over \[x_i, y_i\], the paper's\): L\dH\d, held out: agreement [\d.]+, accuracy [\d.]+ \([-\d.e]+ over majority\), r\(a, theorem\)/);
    expect(r.stdout).toMatch(/best head \(a_i over the line with its delimiter\): L\dH\d/);
    expect(r.stdout).toMatch(/majority vote: accuracy [\d.]+/);
    for (const name of ['report.json', 'report.html', 'agreement.svg', 'agreement-line.svg', 'accuracy.svg', 'kernel-correlation.svg', 'kernel-correlation-line.svg', 'output-correlation.svg', 'attention-map.svg', 'attention-segments.svg', 'probe-keys.svg', 'probe-values.svg', 'probe-key-classes.svg']) {
      expect(existsSync(join(out, name)), name).toBe(true);
    }
    expect(readFileSync(join(out, 'attention-map.svg'), 'utf8')).toMatch(/^<svg/);
  });
});

describe('iclkr probe on text', () => {
  it('probes SST-2 prompts laid out by a template, with the GPT-2 tokenizer; no true kernel for text', async () => {
    const r = await run(
      'probe', '--model', textModel, '--tokenizer', GPT2_TOKENIZER, '--data', SST2_DEV, '--demos', SST2_TRAIN,
      '--shots', '2', '--prompts', '12', '--probe-prompts', '12', '--template', 'Review: {x} Sentiment: {y}', '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const report = probeReportSchema.parse(JSON.parse(r.stdout));
    expect(report).toMatchObject({ shots: 2, prompts: 12, kernel: null, labels: ['negative', 'positive'], oracle: null });
    expect(report.heads.every((h) => h.kernelCorrelation === null)).toBe(true);
    expect(report.baselines.map((b) => b.name)).toEqual(['output-similarity', 'hidden-cosine:L0']);
  });
});

describe('iclkr probe rejects bad input in one line', () => {
  it('refuses bad options, sources and prompts, and writes nothing', async () => {
    const out = join(dir, 'never');
    const text = ['--model', textModel, '--tokenizer', GPT2_TOKENIZER, '--data', SST2_DEV, '--demos', SST2_TRAIN, '--shots', '2', '--prompts', '4', '--out', out];
    const cases: [string[], RegExp][] = [
      [[...text, '--template', 'Review: {x}'], /template 'Review: \{x\}' has no \{y\} placeholder/],
      [[...text, '--template', '{y} then {x}'], /puts \{y\} before \{x\}/],
      [[...text.slice(0, 6), '--shots', '2', '--demos', join(sharedData, 'trec/train.txt'), '--out', out], /demonstrations' labels .* are not the data's label set/],
      [[...text, '--label-words', 'bad'], /--label-words gives 1 word\(s\) for the 2 classes negative, positive/],
      [[...text, '--label-words', 'goodish,goodx'], /label words 'goodish' and 'goodx' start with the same token/],
      [['--data', SST2_DEV, '--out', out], /--data needs --demos FILE/],
      [['--data', SST2_DEV, '--demos', SST2_TRAIN, '--world', 'recall', '--out', out], /--world applies to task worlds only/],
      [['--kernel', 'rbf', '--out', out], /--kernel rbf is not one of theorem, belief/],
      [['--world', 'ginc', '--kernel', 'theorem', '--model', textModel, '--out', out], /theorem's kernel does not fit this world.*pass --kernel belief/],
      [['--template', 'Q: {x} A: {y}', '--out', out], /--template applies to text prompts only/],
      [['--shots', '60', '--prompts', '4', '--out', out], /a prompt has 181 tokens, more than the model's context of 128/],
      [['--shots', '0', '--out', out], /--shots 0 is not an integer >= 1/],
      [['--prompts', '1', '--out', out], /--prompts 1 is not an integer >= 2/],
      [['--select-frac', '1.5', '--out', out], /--select-frac 1.5 is not a fraction between 0 and 1/],
      [['--world', 'ginc', '--out', out], /vocabulary \(35\) is smaller than the world's \(50\)/],
      [['--model', join(dir, 'no-model'), '--out', out], /no-model/],
    ];
    for (const [args, pattern] of cases) expectCleanFailure(await run('probe', ...args), pattern, out);
    expectCleanFailure(await run('probe', '--prompts', '4', '--out', file(dir, 'a-file', 'x')), /a-file/);
  });
});
