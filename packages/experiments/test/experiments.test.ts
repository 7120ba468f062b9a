import { fileURLToPath } from 'node:url';
import { iclReportSchema, Rng, simulateReportSchema } from '@iclkr/core';
import { createGpt, initGptParams } from '@iclkr/probing';
import { loadGptCheckpoint } from '@iclkr/probing/node';
import { runConvergence, worldFromPreset } from '@iclkr/theory';
import { describe, expect, it } from 'vitest';
import {
  ExperimentAborted,
  libraryRun,
  modelWorld,
  RECIPES,
  runDemo,
  runIcl,
  runPretrain,
  runProbe,
  runSimulate,
  silentIo,
  type PretrainCheckpoint,
  worldProbeSource,
} from '../src/index.js';

const DEFAULT_MODEL = fileURLToPath(new URL('../../../models/default', import.meta.url));
const aborted = () => {
  const c = new AbortController();
  c.abort();
  return c.signal;
};

describe('runSimulate', () => {
  it("wraps runConvergence: the report's rows are the theory's rows on the same world and seed", () => {
    const world = worldFromPreset('classify', 0);
    const settings = { shots: [0, 2, 8], prompts: 20, seed: 3 };
    const report = runSimulate({ world, source: { preset: 'classify' }, ...settings }, silentIo(), libraryRun());
    expect(simulateReportSchema.parse(report)).toEqual(report);
    expect(report.rows).toEqual(runConvergence(world, settings).rows);
    expect(report.meta).toMatchObject({
      kind: 'simulate',
      command: null,
      gitCommit: null,
      seed: 3,
      settings: { preset: 'classify', prompts: 20 },
    });
  });

  it('stops with ExperimentAborted when its signal has aborted', () => {
    const world = worldFromPreset('classify', 0);
    expect(() =>
      runSimulate({ world, source: { preset: 'classify' }, shots: [1], prompts: 4, seed: 0 }, silentIo(aborted()), libraryRun()),
    ).toThrow(ExperimentAborted);
  });
});

describe('runIcl', () => {
  it('scores the built-in model on its world; a row does not depend on which other rows were asked (one stream per row)', async () => {
    const { model, world: json } = await loadGptCheckpoint(DEFAULT_MODEL);
    try {
      const world = modelWorld(json, DEFAULT_MODEL);
      const base = { model, modelName: 'default', world, worldSource: "the model's own", lengths: [1], prompts: 40, ood: false, seed: 5 };
      const a = runIcl({ ...base, shots: [0, 8] }, silentIo(), libraryRun());
      const b = runIcl({ ...base, shots: [3, 8, 16] }, silentIo(), libraryRun());
      expect(iclReportSchema.parse(a)).toEqual(a);
      expect(a.rows.find((r) => r.n === 8)).toEqual(b.rows.find((r) => r.n === 8));
      // The model learned ICL: with 8 demonstrations it beats its own zero-shot guess.
      expect(a.rows[1].accuracy).toBeGreaterThan(a.rows[0].accuracy);
      expect(() => runIcl({ ...base, shots: [0, 8] }, silentIo(aborted()), libraryRun())).toThrow(ExperimentAborted);
    } finally {
      model.dispose();
    }
  });
});

describe('runProbe', () => {
  it("probes the built-in model: a head per layer x head, each with held-out scores, the best head's equal to bestHead's", async () => {
    const { model, world: json } = await loadGptCheckpoint(DEFAULT_MODEL);
    const world = modelWorld(json, DEFAULT_MODEL);
    const settings = { shots: 4, prompts: 20, selectFrac: 0.7, seed: 0, resolution: 4, probePrompts: 8, batch: 10 };
    const source = worldProbeSource(model, world, { ...settings, modelName: 'default', worldName: 'recall', length: 1, ood: false });
    try {
      const report = await runProbe(source, settings, silentIo(), libraryRun());
      expect(report.heads.length).toBe(model.config.nLayers * model.config.nHeads);
      const best = report.heads.find((h) => h.layer === report.bestHead.layer && h.head === report.bestHead.head)!;
      expect(best.heldOut).toEqual({ agreement: report.bestHead.heldOutAgreement, accuracy: report.bestHead.heldOutAccuracy });
      expect(report.heldOut.prompts).toBe(6);
    } finally {
      await source.close();
    }
    // About 25 s of CPU (the theorem's kernel for every prompt); twice that under a busy turbo run.
  }, 180_000);
});

describe('runPretrain', () => {
  it('trains a few steps; stopped by its signal, it checkpoints, and the resumed run ends where the uninterrupted one does', async () => {
    const world = worldFromPreset('recall', 0);
    const recipe = {
      ...RECIPES.quick,
      model: { ...RECIPES.quick.model, nLayers: 1, dModel: 16, dMlp: 32, nHeads: 2, nCtx: 32 },
      batch: 2,
      steps: 4,
      evalEvery: 2,
    };
    const config = { ...recipe.model, vocabSize: world.m };
    const start = () => {
      const params = initGptParams(config, new Rng(recipe.seed));
      return {
        recipe,
        world,
        worldJson: {},
        config,
        params,
        model: createGpt(config, params),
        priorLog: [],
        priorSeconds: 0,
        startStep: 0,
        checkpointSeconds: 1e9,
      };
    };
    const weights = (c: PretrainCheckpoint) => Object.fromEntries(Object.entries(c.params).map(([k, v]) => [k, Array.from(v.dataSync())]));

    const full = start();
    let last: PretrainCheckpoint | undefined;
    const keepLast = async (c: PretrainCheckpoint) => {
      last = c;
    };
    const done = await runPretrain({ ...full, save: keepLast }, silentIo(), libraryRun());
    expect(done.report.stopped).toBe(false);
    expect(done.report.entries.map((e) => e.step)).toEqual([2, 4]);
    const finalWeights = weights(last!);
    full.model.dispose();

    // Stop after two steps (the signal aborts when the second log entry's step is reached), then resume.
    const controller = new AbortController();
    const first = start();
    let saved: PretrainCheckpoint | undefined;
    const io = { ...silentIo(controller.signal), progress: (d: number) => d >= 2 && controller.abort() };
    const keepSaved = async (c: PretrainCheckpoint) => {
      saved = c;
    };
    const stopped = await runPretrain({ ...first, save: keepSaved }, io, libraryRun());
    expect(stopped.report.stopped).toBe(true);
    expect(stopped.step).toBe(2);
    const resumedRun = { ...start(), params: saved!.params, model: createGpt(config, saved!.params), trainerState: saved!.training.state };
    const rest = await runPretrain(
      {
        ...resumedRun,
        priorLog: saved!.training.log.entries,
        priorSeconds: saved!.training.log.seconds,
        startStep: saved!.training.log.step,
        save: keepLast,
      },
      silentIo(),
      libraryRun(),
    );
    expect(rest.report.stopped).toBe(false);
    expect(weights(last!)).toEqual(finalWeights);
    first.model.dispose();
    resumedRun.model.dispose();
  });
});

describe('runDemo', () => {
  it('scores every estimator; leave-one-out beats the mis-set bandwidths on regression', () => {
    const rows = runDemo({ seed: 0, train: 200, test: 100 }, silentIo());
    expect(rows.length).toBe(10);
    const mse = (name: string) => rows.find((r) => r.estimator === name)!.value;
    expect(mse('Nadaraya-Watson rbf, leave-one-out h')).toBeLessThan(mse('Nadaraya-Watson rbf, h x 4'));
    expect(mse('Nadaraya-Watson rbf, leave-one-out h')).toBeLessThan(mse('constant (training mean)'));
  });
});
