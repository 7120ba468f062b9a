// The ablation experiment on the built-in model: its baseline against nextTokenDistributions on the
// same prompts, the head it reports against the probe's on the same prompts, and its one-line errors
// (the knock-outs' own tests are in probing's interventions.test.ts).
import { fileURLToPath } from 'node:url';
import { ablationReportSchema, OptionError } from '@iclkr/core';
import { type HookedModel, nextTokenDistributions, Probe } from '@iclkr/probing';
import { loadGptCheckpoint } from '@iclkr/probing/node';
import type { World } from '@iclkr/theory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentIo } from '../io.js';
import { libraryRun } from '../meta.js';
import { presentReport } from '../present/summary.js';
import { worldLabels, worldPrompts } from '../probe/world-prompts.js';
import { modelWorld } from '../world.js';
import { runAblation } from './run.js';

const DEFAULT_MODEL = fileURLToPath(new URL('../../../../models/default', import.meta.url));

let model: HookedModel;
let world: World;
beforeAll(async () => {
  const checkpoint = await loadGptCheckpoint(DEFAULT_MODEL);
  model = checkpoint.model;
  world = modelWorld(checkpoint.world, DEFAULT_MODEL);
});
afterAll(() => model.dispose());

const settings = (over: Record<string, unknown> = {}) => ({
  model,
  modelName: 'models/default',
  world,
  worldSource: "the model's own",
  shots: 4,
  length: 1,
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
