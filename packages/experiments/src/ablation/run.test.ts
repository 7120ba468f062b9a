// The ablation experiment on the built-in model and on SST-2 text: its baseline against
// nextTokenDistributions on the same prompts, the head it reports against the probe's on the same
// prompts, and its one-line errors (the knock-outs' own tests are in probing's interventions.test.ts,
// the pairs' in knockout.test.ts).
import { fileURLToPath } from 'node:url';
import { ablationReportSchema, OptionError, Rng } from '@iclkr/core';
import { loadTextDataset } from '@iclkr/core/node';
import { createGpt, type HookedModel, initGptParams, nextTokenDistributions, Probe } from '@iclkr/probing';
import { loadTokenizer } from '@iclkr/probing/node';
import type { World } from '@iclkr/theory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultModel } from '../../test/default-model.js';
import { silentIo } from '../io.js';
import { libraryRun } from '../meta.js';
import { presentReport } from '../present/summary.js';
import type { TextPromptParts } from '../probe/sources.js';
import { labelTokens, textPrompts } from '../probe/text-prompts.js';
import { worldLabels, worldPrompts } from '../probe/world-prompts.js';
import { runAblation } from './run.js';

const DATA = fileURLToPath(new URL('../../../../../shared/data/', import.meta.url));

let model: HookedModel;
let world: World;
beforeAll(async () => {
  ({ model, world } = await loadDefaultModel());
});
afterAll(() => model.dispose());

const settings = (over: Record<string, unknown> = {}) => ({
  model,
  modelName: 'models/default',
  source: { kind: 'world' as const, world, worldSource: "the model's own", length: 1 },
  shots: 4,
  prompts: 30,
  mode: 'mean' as const,
  seed: 3,
  ...over,
});

describe('runAblation', () => {
  it('reports the unablated accuracy and the probe head of the same prompts, every head, and both knock-outs', () => {
    const report = ablationReportSchema.parse(runAblation(settings(), silentIo(), libraryRun()));
    const prompts = [
      ...worldPrompts(world, { shots: 4, length: 1, prompts: 30, ood: false, seed: 3, batch: 64, trueKernels: false }),
    ].flat();
    const { tokens } = worldLabels(world);
    const dists = nextTokenDistributions(
      model,
      prompts.map((p) => p.tokens),
      { restrict: tokens },
    );
    const hits = dists.filter((d, i) => d.indexOf(Math.max(...d)) === prompts[i]!.gold).length;
    expect(report.baseline.accuracy).toBeCloseTo(hits / prompts.length, 12);
    const probe = new Probe(model, { labelTokens: tokens, selectFrac: 0.7, seed: 3, probePrompts: 0 });
    probe.add(prompts);
    const best = probe.result().summary.bestHead;
    expect([report.selected.layer, report.selected.head]).toEqual([best.layer, best.head]);
    expect(report.rows).toHaveLength(8);
    expect(report.knockout.map((k) => k.target)).toEqual(['same-class', 'other-class']);
    // Removing the same mass: the other-class knock-out never removes more than the same-class one.
    expect(report.knockout[1]!.removedMass).toBeLessThanOrEqual(report.knockout[0]!.removedMass + 1e-9);
    expect(presentReport(report).figures.map((f) => f.name)).toEqual(['drop', 'agreement']);
  });

  it('refuses an unknown mode and too few prompts in one line', () => {
    expect(() => runAblation(settings({ mode: 'half' }), silentIo(), libraryRun())).toThrow(OptionError);
    expect(() => runAblation(settings({ prompts: 1 }), silentIo(), libraryRun())).toThrow(/prompt/);
  });
});

describe('runAblation on text', () => {
  let textModel: HookedModel;
  let parts: TextPromptParts;
  beforeAll(async () => {
    // A random GPT with GPT-2's vocabulary: the pipeline, not what a trained model would show.
    const config = {
      vocabSize: 50257,
      nCtx: 512,
      nLayers: 1,
      nHeads: 2,
      dModel: 8,
      dMlp: 16,
      positions: 'alibi' as const,
      tiedEmbeddings: true,
    };
    textModel = createGpt(config, initGptParams(config, new Rng(0)));
    parts = {
      tokenizer: await loadTokenizer(`${DATA}tokenizers/gpt2`),
      data: await loadTextDataset(`${DATA}sst2/glue-dev.tsv`),
      dataName: 'glue-dev.tsv',
      demos: await loadTextDataset(`${DATA}sst2/stsa.binary.train`),
      demosName: 'stsa.binary.train',
      template: '{x} {y}\n',
      labelWords: ['negative', 'positive'],
    };
  });
  afterAll(() => textModel.dispose());

  it('scores the prompts textPrompts draws, every head, and the most- against least-attended knock-out', () => {
    const report = runAblation(
      { model: textModel, modelName: 'random', source: { kind: 'text', ...parts }, shots: 4, prompts: 12, mode: 'mean', seed: 5 },
      silentIo(),
      libraryRun(),
    );
    expect(report).toMatchObject({ world: null, length: null, shots: 4, prompts: 12, referencePrompts: 12 });
    expect(report.source).toMatch(/glue-dev.tsv \(demonstrations from stsa.binary.train/);
    const prompts = [
      ...textPrompts(parts.tokenizer, parts.data, parts.demos, { ...parts, shots: 4, prompts: 12, seed: 5, batch: 64 }),
    ].flat();
    const dists = nextTokenDistributions(
      textModel,
      prompts.map((p) => p.tokens),
      { restrict: labelTokens(parts.tokenizer, parts.template, parts.labelWords) },
    );
    const hits = dists.filter((d, i) => d.indexOf(Math.max(...d)) === prompts[i]!.gold).length;
    expect(report.baseline.accuracy).toBeCloseTo(hits / prompts.length, 12);
    expect(report.rows).toHaveLength(2);
    expect(report.knockout.map((k) => k.target)).toEqual(['most-attended', 'least-attended']);
    expect(report.knockout[1]!.removedMass).toBeLessThanOrEqual(report.knockout[0]!.removedMass + 1e-6);
    expect(report.notes.at(-1)).toMatch(/the 1 demonstration\(s\) it attends to most/);
    expect(presentReport(report).summary[0]).toMatch(/on glue-dev.tsv \(demonstrations/);
  });
});
