import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend, probeReportSchema, Rng, readReportOf, type SafetensorsTensor, tf } from '@iclkr/core';
import { createTokenizer, selectionSplit, tokenPromptSpans } from '@iclkr/probing';
import { ACTIVATIONS_FORMAT, loadModel } from '@iclkr/probing/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTextDataset, writeSafetensors } from '@iclkr/core/node';
import { labelTokens, textPrompts } from '@iclkr/experiments';
import {
  expectCleanFailure,
  file,
  GPT2_TOKENIZER,
  randomTextModel,
  run,
  sharedData,
  tempDir,
  SST2_DEV,
  SST2_TRAIN,
  sst2ProbeArgs,
} from './run.js';

const dir = tempDir();
/** A small, quick probe of the built-in model. */
const QUICK = ['--prompts', '40', '--probe-prompts', '16', '--shots', '8'];

/** A random one-block GPT over GPT-2's vocabulary: text prompts need a model the GPT-2 tokenizer's ids fit. */
let textModel: string;
beforeAll(async () => {
  await initBackend();
  textModel = await randomTextModel(dir);
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
    expect(report.baselines.map((b) => b.name)).toEqual([
      'output-similarity',
      'true-kernel:theorem',
      'true-kernel:belief',
      'hidden-cosine:L0',
      'hidden-cosine:L1',
    ]);
    // n = 8 demonstrations of one token, resampled to 30 cells each, plus label and delimiter cells, plus the query.
    expect(report.attentionMap.cells).toHaveLength(8 * 32 + 30);
    expect(report.probes.offsets).toEqual([-1, 0, 1, 2, 3]);
    // 16 prompts feed the probes; the last demonstration's window (+3) runs past the prompt.
    expect(report.probes.values!.examples).toBe(16 * 7);
    // Value targets are the two labels: guessing the commoner is right at most ~ (majority share) of the time.
    expect(report.probes.values!.chance).toBeGreaterThanOrEqual(0.5);
    expect(report.bestByVariant.span).toEqual(report.bestHead);
    // The recall world's classes: the keys of every head are probed for x_i's class.
    expect(report.probes.keyClasses!.heads).toHaveLength(8);
  });

  it('writes the report folder with every figure, and a summary naming the best head', async () => {
    const out = join(dir, 'world-report');
    const r = await run('probe', ...QUICK, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/40 prompts with n = 8, [\d.]+ s\. Heads are chosen on 28 prompts and scored on the other 12\./);
    expect(r.stdout).toMatch(/best head \(a_i over \[x_i, y_i\]\) L\dH\d: agreement [\d.]+, accuracy [\d.]+/);
    expect(r.stdout).toMatch(/the line with its delimiter\s+L\dH\d/);
    expect(r.stdout).toMatch(/majority of the demonstrations\s+[\d.]+/);
    const figures = [
      'agreement',
      'accuracy',
      'correlation-theorem',
      'correlation-belief',
      'correlation-output',
      'attention-map',
      'attention-segments',
      'probes',
    ];
    expect(readdirSync(join(out, 'figures')).sort()).toEqual(figures.flatMap((f) => [`${f}.svg`, `${f}.vl.json`]).sort());
    const report = readReportOf('probe', readFileSync(join(out, 'report.json'), 'utf8'));
    // The agreement heatmap's spec carries every head's held-out agreement (the numbers its cells print).
    const spec = readFileSync(join(out, 'figures', 'agreement.vl.json'), 'utf8');
    for (const h of report.heads) expect(spec).toContain(String(h.heldOut!.agreement));
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('Compared with the paper');
    expect(html).toContain('docs/research/probing-default-model.md');
    expect(readFileSync(join(out, 'figures', 'attention-map.svg'), 'utf8')).toMatch(/^<svg/);
  });
});

describe('iclkr probe on text', () => {
  it('probes SST-2 prompts laid out by a template, with the GPT-2 tokenizer; no true kernel for text', async () => {
    const r = await run(
      'probe',
      ...sst2ProbeArgs(textModel, 2, 12),
      '--probe-prompts',
      '12',
      '--template',
      'Review: {x} Sentiment: {y}',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const report = probeReportSchema.parse(JSON.parse(r.stdout));
    expect(report).toMatchObject({ shots: 2, prompts: 12, kernel: null, labels: ['negative', 'positive'], oracle: null });
    expect(report.heads.every((h) => h.kernelCorrelation === null)).toBe(true);
    expect(report.baselines.map((b) => b.name)).toEqual(['output-similarity', 'hidden-cosine:L0']);
  });
});

/**
 * The shared fixtures' Llama (random weights, vocabulary 512) on real text: a 512-token byte-level
 * BPE cut from GPT-2's (its 256 byte tokens and first 256 merges, ids 0..511), and the model's
 * max_position_embeddings raised from 64 to 4096 (rotary positions have no table, so the weights
 * are unchanged): only the plumbing is judged, as the weights are random.
 */
function fixtureLlama(): { model: string; tokenizer: string } {
  const tokenizer = join(dir, 'gpt2-512');
  mkdirSync(tokenizer, { recursive: true });
  const vocab = JSON.parse(readFileSync(join(GPT2_TOKENIZER, 'vocab.json'), 'utf8')) as Record<string, number>;
  writeFileSync(join(tokenizer, 'vocab.json'), JSON.stringify(Object.fromEntries(Object.entries(vocab).filter(([, id]) => id < 512))));
  const merges = readFileSync(join(GPT2_TOKENIZER, 'merges.txt'), 'utf8').split('\n');
  writeFileSync(join(tokenizer, 'merges.txt'), `${merges.slice(0, 257).join('\n')}\n`);
  const model = join(dir, 'llama-tiny-4096');
  mkdirSync(model, { recursive: true });
  const llama = join(sharedData, '../fixtures/llama-tiny');
  writeFileSync(join(model, 'model.safetensors'), readFileSync(join(llama, 'model.safetensors')));
  writeFileSync(
    join(model, 'config.json'),
    JSON.stringify({ ...JSON.parse(readFileSync(join(llama, 'config.json'), 'utf8')), max_position_embeddings: 4096 }),
  );
  return { model, tokenizer };
}

describe('iclkr probe on real text with the fixture Llama', () => {
  it('lays out 100 SST-2 prompts of 8 demonstrations with every span right, and probes them end to end', async () => {
    const { model, tokenizer } = fixtureLlama();
    const vocab = readFileSync(join(tokenizer, 'vocab.json'), 'utf8');
    const bpe = createTokenizer('gpt2-512', { vocabJson: vocab, mergesTxt: readFileSync(join(tokenizer, 'merges.txt'), 'utf8') });
    expect(bpe.vocabSize).toBe(512);
    const data = await loadTextDataset(SST2_DEV);
    const demos = await loadTextDataset(SST2_TRAIN);
    const words = ['negative', 'positive'];
    const template = 'Input: {x} Output: {y}';
    const settings = { shots: 8, prompts: 100, template, labelWords: words, seed: 0, batch: 25 };
    let prompts = 0;
    for (const batch of textPrompts(bpe, data, demos, settings)) {
      for (const p of batch) {
        prompts++;
        const text = (span: { start: number; end: number }) => bpe.decode(p.tokens.slice(span.start, span.end));
        // Every y span decodes to its label word, every x span to an input of the pool, the query to a dev sentence.
        p.spans.y.forEach((span, i) => expect(text(span)).toBe(` ${words[p.labels[i]]}`));
        p.spans.x.forEach((span) => expect(demos.texts).toContain(text(span).slice(1)));
        expect(data.texts).toContain(text(p.spans.query).slice(1));
        expect(data.labelNames[p.gold]).toBe(words[p.gold]);
        expect(bpe.decode(p.tokens.slice(p.spans.final))).toBe(':');
      }
    }
    expect(prompts).toBe(100);
    expect(labelTokens(bpe, template, words)).toHaveLength(2);

    const r = await run(
      'probe',
      '--model',
      model,
      '--tokenizer',
      tokenizer,
      '--data',
      SST2_DEV,
      '--demos',
      SST2_TRAIN,
      '--shots',
      '8',
      '--prompts',
      '100',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const report = probeReportSchema.parse(JSON.parse(r.stdout));
    expect(report).toMatchObject({ shots: 8, prompts: 100, kernel: null, labels: ['negative', 'positive'] });
    expect(report.heads).toHaveLength(2 * 4);
    expect(report.probes.values!.examples).toBeGreaterThan(0);
  });
});

/**
 * An activations folder (docs/activations.md) with only the required tensors, written from the
 * fixture gpt2-tiny's forward passes on 10 token prompts of 4 demonstrations.
 */
async function activationsFolder(): Promise<string> {
  const folder = join(dir, 'activations');
  mkdirSync(folder, { recursive: true });
  const model = await loadModel(join(sharedData, '../fixtures/gpt2-tiny'));
  const spans = tokenPromptSpans(4, 1);
  const rng = new Rng(3);
  const tensors = new Map<string, SafetensorsTensor>();
  const prompts = Array.from({ length: 10 }, (_, p) => {
    const labels = Array.from({ length: 4 }, () => rng.int(2));
    const tokens = [...labels.flatMap((y) => [rng.int(100), 100 + y, 102]), rng.int(100)];
    const names = ['blocks.0.attn.hook_pattern', 'blocks.1.attn.hook_pattern'];
    const { logits, cache } = model.run(tf.tensor2d(Int32Array.from(tokens), [1, tokens.length], 'int32'), { cache: names });
    const probs = tf.tidy(() => tf.softmax(tf.gather(logits.slice([0, tokens.length - 1, 0], [1, 1, -1]).reshape([-1]), [100, 101])));
    tensors.set(`p${p}.label_probs`, { dtype: 'F32', shape: [2], data: probs.dataSync() as Float32Array });
    names.forEach((name) =>
      tensors.set(`p${p}.${name}`, {
        dtype: 'F32',
        shape: [4, tokens.length, tokens.length],
        data: cache.get(name)!.dataSync() as Float32Array,
      }),
    );
    tf.dispose([logits, probs, ...cache.values()]);
    return { tokens, segments: spans.segments, labels, gold: rng.int(2) };
  });
  model.dispose();
  await writeSafetensors(join(folder, 'activations.safetensors'), tensors);
  writeFileSync(
    join(folder, 'prompts.json'),
    JSON.stringify({
      ...ACTIVATIONS_FORMAT,
      model: 'gpt2-tiny',
      labels: ['no', 'yes'],
      layers: 2,
      heads: 4,
      kvHeads: 4,
      dHead: 16,
      prompts,
    }),
  );
  return folder;
}

describe('iclkr probe --activations', () => {
  it('analyses activations computed elsewhere; the analyses that need what is absent are left out', async () => {
    const folder = await activationsFolder();
    const r = await run('probe', '--activations', folder, '--json');
    expect(r.code, r.stderr).toBe(0);
    const report = probeReportSchema.parse(JSON.parse(r.stdout));
    expect(report).toMatchObject({ model: 'gpt2-tiny', shots: 4, prompts: 10, labels: ['no', 'yes'], kernel: null, baselines: [] });
    expect(report.probes).toMatchObject({ keys: null, values: null, keyClasses: null });
    expect(report.heads.every((h) => h.outputCorrelation.pearson === null)).toBe(true);
    // The default --sample-prompts 16 keeps all 3 held-out prompts; prompts.json has no tokenizer, so ids name the tokens.
    expect(report.samples.map((s) => s.prompt)).toEqual(selectionSplit(10).heldOut);
    for (const s of report.samples) {
      expect(s.tokens).toEqual(s.ids.map(String));
      expect(s.attention.map((byHead) => byHead.map((row) => row.length))).toEqual([
        Array(4).fill(s.ids.length),
        Array(4).fill(s.ids.length),
      ]);
    }
    expectCleanFailure(await run('probe', '--activations', folder, '--shots', '8'), /--shots does not apply to --activations/);
    expectCleanFailure(await run('probe', '--activations', join(dir, 'no-activations')), /no-activations/);
  });
});

describe('iclkr probe rejects bad input in one line', () => {
  it('refuses bad options, sources and prompts, and writes nothing', async () => {
    const out = join(dir, 'never');
    // Four prompts are too few for the probes' folds (refused up front): these cases fail before them.
    const text = [...sst2ProbeArgs(textModel, 2, 4), '--probe-prompts', '0', '--out', out];
    const cases: [string[], RegExp][] = [
      [[...text, '--template', 'Review: {x}'], /template 'Review: \{x\}' has no \{y\} placeholder/],
      [[...text, '--template', '{y} then {x}'], /puts \{y\} before \{x\}/],
      [
        [...text.slice(0, 6), '--shots', '2', '--demos', join(sharedData, 'trec/train.txt'), '--out', out],
        /demonstrations' labels .* are not the data's label set/,
      ],
      [[...text, '--label-words', 'bad'], /--label-words gives 1 word\(s\) for the 2 classes negative, positive/],
      [
        [
          '--model',
          join(sharedData, '../fixtures/gpt2-tiny'),
          '--tokenizer',
          GPT2_TOKENIZER,
          '--data',
          SST2_DEV,
          '--demos',
          SST2_TRAIN,
          '--shots',
          '2',
          '--out',
          out,
        ],
        /tokenizer gpt2 has 50257 tokens, more than the model's vocabulary of 512/,
      ],
      [[...text, '--label-words', 'goodish,goodx'], /label words 'goodish' and 'goodx' start with the same token/],
      [['--data', SST2_DEV, '--out', out], /--data needs --demos FILE/],
      [['--data', SST2_DEV, '--demos', SST2_TRAIN, '--world', 'recall', '--out', out], /--world applies to task worlds only/],
      [['--kernel', 'rbf', '--out', out], /--kernel rbf is not one of theorem, belief/],
      [
        ['--world', 'ginc', '--kernel', 'theorem', '--model', textModel, '--out', out],
        /theorem's kernel does not fit this world.*pass --kernel belief/,
      ],
      [['--template', 'Q: {x} A: {y}', '--out', out], /--template applies to text prompts only/],
      [
        ['--shots', '60', '--prompts', '4', '--probe-prompts', '0', '--out', out],
        /a prompt has 181 tokens, more than the model's context of 128/,
      ],
      [['--shots', '0', '--out', out], /--shots 0 is not an integer in \[1, \d+\]/],
      [['--prompts', '1', '--out', out], /--prompts 1 is not an integer in \[2, \d+\]/],
      [['--select-frac', '1.5', '--out', out], /--select-frac 1.5 is not a fraction between 0 and 1/],
      [['--world', 'ginc', '--out', out], /vocabulary \(35\) is smaller than the world's \(50\)/],
      [['--model', join(dir, 'no-model'), '--out', out], /no-model/],
    ];
    for (const [args, pattern] of cases) expectCleanFailure(await run('probe', ...args), pattern, out);
    expectCleanFailure(await run('probe', '--prompts', '4', '--out', file(dir, 'a-file', 'x')), /a-file/);
  });
});
