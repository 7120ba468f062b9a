import { fileURLToPath } from 'node:url';
import { type InsightsReport, type InsightsTaskRow, insightsReportSchema, Rng, tf } from '@iclkr/core';
import { argmax } from '@iclkr/kernels';
import { type HookedModel, nextTokenDistributions } from '@iclkr/probing';
import { loadGptCheckpoint } from '@iclkr/probing/node';
import { compileWorld, promptTokens, samplePrompt, type World } from '@iclkr/theory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ExperimentAborted,
  inputsShareDistribution,
  libraryRun,
  modelWorld,
  presentReport,
  renderFigureSvg,
  reportHtml,
  runIcl,
  runInsights,
  scorePrompts,
  silentIo,
  WorldPrompts,
} from '../src/index.js';
import { worldFormatVariants } from '../src/insights/format.js';

const DEFAULT_MODEL = fileURLToPath(new URL('../../../models/default', import.meta.url));
const BASE = { modelName: DEFAULT_MODEL, seed: 5, selectFrac: 0.7, batch: 64 };

let model: HookedModel;
let world: World;
let space: WorldPrompts;
beforeAll(async () => {
  const checkpoint = await loadGptCheckpoint(DEFAULT_MODEL);
  model = checkpoint.model;
  world = modelWorld(checkpoint.world, DEFAULT_MODEL);
  space = new WorldPrompts(model, world, 1, 'recall');
});
afterAll(() => model.dispose());

/** The report's figures render and its page holds every table. */
async function presents(report: InsightsReport): Promise<void> {
  expect(insightsReportSchema.parse(report)).toEqual(report);
  const shown = presentReport(report);
  expect(shown.title).not.toMatch(/\/work/);
  const figures = await Promise.all(shown.figures.map(async (figure) => ({ figure, svg: await renderFigureSvg(figure) })));
  for (const { svg } of figures) expect(svg.startsWith('<svg')).toBe(true);
  const html = reportHtml({ ...shown, figures, report });
  for (const t of shown.tables) expect(html).toContain(t.title);
}

describe('insights order', () => {
  it('runs min(24, n!) orders per prompt, and the given order scores as runIcl does on the same prompts', async () => {
    const shots = [2, 3, 5];
    const report = runInsights(
      { ...BASE, experiment: 'order', source: space, shots, prompts: 24, permutations: 24 },
      silentIo(),
      libraryRun(),
    );
    if (report.experiment !== 'order') throw new Error('not an order report');
    expect(report.rows.map((r) => r.permutations)).toEqual([2, 6, 24]);
    const icl = runIcl(
      { model, modelName: 'default', world, worldSource: 'own', shots, lengths: [1], prompts: 24, ood: false, seed: BASE.seed },
      silentIo(),
      libraryRun(),
    );
    expect(report.rows.map((r) => r.accuracy)).toEqual(icl.rows.map((r) => r.accuracy));
    for (const r of report.rows) {
      for (const [value, [lo, hi]] of [
        [r.predictionChange, r.predictionChangeCi],
        [r.spread, r.spreadCi],
        [r.spreadSd, r.spreadSdCi],
      ] as const) {
        expect(value).toBeGreaterThanOrEqual(lo);
        expect(value).toBeLessThanOrEqual(hi);
      }
      expect(r.spreadSd).toBeLessThanOrEqual(r.spread);
      expect(r.head).not.toBeNull();
    }
    await presents(report);
  });

  it("predicts per prompt what nextTokenDistributions predicts on the icl experiment's own prompt tokens", () => {
    // evaluateIcl's stream for (seed 5, n = 5, k = 1, in distribution), drawn here independently.
    const rng = new Rng((5 * 1_000_003 + 5 * 1009 + 31) | 0);
    const weights = world.tasks.map((t) => t.prior);
    const tokens = Array.from({ length: 24 }, () =>
      promptTokens(samplePrompt(world, rng.categorical(weights), 5, 1, rng), world.delimiter),
    );
    const laid = space.draw(5, 24, 5).map((p) => space.layOut(p, space.natural));
    expect(laid.map((p) => p.tokens)).toEqual(tokens);
    const reference = nextTokenDistributions(model, tokens, { restrict: world.spec.labels! }).map((d) => argmax(d));
    const ours: number[] = [];
    const tensors = tf.memory().numTensors;
    scorePrompts(model, laid, { attention: false, batch: 7 }, (i, s) => {
      ours[i] = argmax(s.distribution);
    });
    expect(ours).toEqual(reference);
    // With the attention rows too, the same predictions, and no tensor left behind by either pass.
    scorePrompts(model, laid, { attention: true, batch: 5 }, (i, s) => {
      expect(argmax(s.distribution)).toBe(reference[i]);
      expect(s.rows).toHaveLength(model.config.nLayers);
      expect(s.rows![0][0]).toHaveLength(laid[i].tokens.length);
    });
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('stops when its signal aborts', () => {
    const signal = AbortSignal.abort();
    expect(() =>
      runInsights(
        { ...BASE, experiment: 'order', source: space, shots: [3], prompts: 4, permutations: 24 },
        silentIo(signal),
        libraryRun(),
      ),
    ).toThrow(ExperimentAborted);
  });
});

describe('insights format', () => {
  it('scores natural labels as runIcl does; swapped moves every class; unseen labels are input-only tokens', async () => {
    const report = runInsights({ ...BASE, experiment: 'format', source: space, shots: [4], prompts: 40 }, silentIo(), libraryRun());
    if (report.experiment !== 'format') throw new Error('not a format report');
    expect(report.variants.map((v) => v.name)).toEqual(['natural', 'swapped', 'unseen']);
    expect(report.variants[0].labels).toEqual(['token 32', 'token 33']);
    expect(report.variants[1].labels).toEqual(['token 33', 'token 32']);
    expect(report.variants[2].labels).toBeNull();
    const icl = runIcl(
      { model, modelName: 'default', world, worldSource: 'own', shots: [4], lengths: [1], prompts: 40, ood: false, seed: BASE.seed },
      silentIo(),
      libraryRun(),
    );
    expect(report.rows.find((r) => r.variant === 'natural')!.accuracy).toBe(icl.rows[0].accuracy);
    for (const r of report.rows) {
      expect(r.headAgreement).toBeGreaterThanOrEqual(0);
      expect(r.headAgreement).toBeLessThanOrEqual(1);
      expect(r.head!.heldOutAgreement).toBe(r.headAgreement);
    }
    expect(report.chance).toBe(0.5);
    const unseen = worldFormatVariants(space, BASE.seed)[2];
    for (const p of space.draw(4, 40, BASE.seed)) {
      const labels = unseen.labels(p, 4);
      const used = new Set([...p.demos.flatMap((d) => d.x), ...p.query]);
      expect(new Set(labels).size).toBe(2);
      for (const t of labels) {
        expect(world.spec.labels).not.toContain(t);
        expect(t).not.toBe(world.delimiter);
        expect(used.has(t)).toBe(false);
      }
    }
    await presents(report);
  });
});

describe('insights ood on a world', () => {
  it('scores out-of-distribution and in-distribution tasks beside eta^2 eps_theta: 0 in recall, where every task draws x alike', async () => {
    const report = runInsights(
      { ...BASE, experiment: 'ood', source: space, shots: [2, 8], prompts: 12, tasks: 2, epsSamples: 20, sigmaSamples: 100 },
      silentIo(),
      libraryRun(),
    );
    if (report.experiment !== 'ood') throw new Error('not an ood report');
    const rows = report.rows as InsightsTaskRow[];
    expect(rows).toHaveLength(2 * 2 * 2);
    for (const r of rows) {
      expect(world.tasks[r.task].prior === 0).toBe(r.ood);
      expect([r.epsTheta, r.bias]).toEqual([0, 0]);
    }
    expect(report.sameInputs).toBe(true);
    expect(report.epsEstimate).toBeGreaterThan(0);
    expect(report.paper.differs.join(' ')).toMatch(/eps_theta = 0 exactly/);
    await presents(report);
  });

  it('estimates eps_theta per task where the tasks draw x differently: held-out tasks starting in one class stand out', async () => {
    const spec = structuredClone(world.spec) as unknown as { tasks: { prior: number; start: number[] }[] };
    for (const t of spec.tasks) if (t.prior === 0) t.start = t.start.map((_, s) => (s === 0 ? 1 : 0));
    const shifted = compileWorld(spec as unknown as World['spec'], 'shifted recall');
    expect([inputsShareDistribution(world, 1), inputsShareDistribution(shifted, 1)]).toEqual([true, false]);
    const report = runInsights(
      {
        ...BASE,
        experiment: 'ood',
        source: new WorldPrompts(model, shifted, 1, 'shifted'),
        shots: [4],
        prompts: 8,
        tasks: 2,
        epsSamples: 50,
        sigmaSamples: 200,
      },
      silentIo(),
      libraryRun(),
    );
    if (report.experiment !== 'ood') throw new Error('not an ood report');
    const rows = report.rows as InsightsTaskRow[];
    expect([report.sameInputs, report.epsEstimate]).toEqual([false, null]);
    const eps = (ood: boolean) => rows.filter((r) => r.ood === ood).map((r) => r.epsTheta!);
    expect(Math.min(...eps(true))).toBeGreaterThan(3 * Math.max(...eps(false)));
    for (const r of rows) expect(r.bias).toBeCloseTo(report.eta! ** 2 * r.epsTheta!, 10);
    await presents(report);
  });
});
