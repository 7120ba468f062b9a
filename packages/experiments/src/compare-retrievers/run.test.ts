import { compareRetrieversReportSchema, IclkrError, Rng } from '@iclkr/core';
import type { HookedModel } from '@iclkr/probing';
import { estimatorKernelRows, samplePrompt, TheoremKernel, type World } from '@iclkr/theory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultModel } from '../../test/default-model.js';
import { silentIo } from '../io.js';
import { libraryRun } from '../meta.js';
import { presentReport } from '../present/summary.js';
import { taskPool } from '../icl/evaluate.js';
import { compareOnSide } from './engine.js';
import { runCompareRetrievers } from './run.js';
import { worldKernelRows, worldSide } from './world-side.js';

let model: HookedModel;
let world: World;
beforeAll(async () => {
  ({ model, world } = await loadDefaultModel());
});
afterAll(() => model.dispose());

const base = () => ({
  model,
  modelName: 'models/default',
  source: { kind: 'world' as const, worlds: [world], worldSource: "the model's own" },
  shots: [0, 2, 4],
  prompts: 16,
  pool: 12,
  head: { layer: 1, head: 2 },
  order: 'selected' as const,
  seeds: [0],
  batch: 64,
  // Sigma from 200 samples: the recall world's one-token inputs are 32, all of them drawn.
  sigmaSamples: 200,
});

describe('compare-retrievers on the built-in model', () => {
  it('scores every strategy x method x n on the same prompts, with intervals, and presents it', () => {
    const strategies = ['random', 'zero', 'bm25', 'hidden-knn', 'attention-kernel', 'true-kernel', 'belief', 'mdl'] as const;
    const report = runCompareRetrievers({ ...base(), strategies: [...strategies] }, silentIo(), libraryRun());
    compareRetrieversReportSchema.parse(report);
    const methods = report.methods.map((m) => m.name);
    expect(methods).toEqual(['icl', 'head', 'nw-tfidf', 'nw-hidden', 'nw-output', 'bayes', 'majority', 'oracle']);
    expect(report.rows).toHaveLength(strategies.length * methods.length * 3);
    for (const r of report.rows) {
      expect(r.prompts).toBe(16);
      expect(r.ci[0]).toBeLessThanOrEqual(r.accuracy);
      expect(r.ci[1]).toBeGreaterThanOrEqual(r.accuracy);
    }
    const acc = (s: string, m: string, n: number) => report.rows.find((r) => r.strategy === s && r.method === m && r.n === n)!.accuracy;
    // No demonstrations: the same prompt at every n, and every strategy's n = 0 prompt is that prompt.
    for (const m of methods) {
      expect(acc('zero', m, 2)).toBe(acc('zero', m, 0));
      expect(acc('zero', m, 4)).toBe(acc('zero', m, 0));
      for (const s of strategies) expect(acc(s, m, 0)).toBe(acc('zero', m, 0));
    }
    // With no demonstration every vote ties: each of the 2 labels gets half the credit.
    expect(acc('zero', 'majority', 0)).toBe(0.5);
    const shown = presentReport(report);
    expect(shown.figures.map((f) => f.name)).toEqual(['accuracy', 'methods']);
    expect(shown.tables[0].rows).toHaveLength(strategies.length);
    expect(report.paper?.values.map((v) => v.name)).toContain('ICL accuracy (Table 2)');
  }, 120_000);

  it("true-kernel and belief choose the pool items with the largest world kernel, a brute-force sort of the theory's rows", () => {
    const side = worldSide(
      model,
      world,
      {
        prompts: 6,
        pool: 10,
        length: 1,
        largestShots: 3,
        seed: 4,
        batch: 64,
        views: new Set(['distribution', 'hidden']),
        kernels: new Set(['belief']),
        layer: 1,
        keyPosition: 'delimiter',
      },
      silentIo(),
    );
    // The side's prompts, drawn again as it draws them.
    const rng = new Rng((4 * 1_000_003 + 0x7e7) | 0);
    const tasks = taskPool(world, false);
    const prompts = Array.from({ length: 6 }, () => samplePrompt(world, tasks.tasks[rng.categorical(tasks.weights)], 10, 1, rng));
    const rows = estimatorKernelRows(world, prompts, 'belief', undefined);
    side.cases.forEach((c, i) => {
      expect(c.query).toBe(`t${prompts[i].query[0]}`);
      expect(Array.from(side.kernel!(i, 'belief'))).toEqual(Array.from(rows[i]));
    });
    const chosen: number[][] = [];
    const spy = {
      ...side,
      prompt: (i: number, set: readonly number[]) => {
        chosen.push([i, ...set]);
        return side.prompt(i, set);
      },
    };
    compareOnSide(spy, { strategies: ['belief'], shots: [3], order: 'selected', seed: 0, variant: 'line' }, silentIo());
    for (const [i, ...set] of chosen) {
      const order = Array.from(rows[i].keys()).sort((a, b) => rows[i][b] - rows[i][a] || a - b);
      expect(set).toEqual(order.slice(0, 3));
    }
  });

  it("the kernel table over distinct inputs gives the theory's rows prompt by prompt", () => {
    const rng = new Rng(2);
    const tasks = taskPool(world, false);
    const prompts = Array.from({ length: 100 }, () => samplePrompt(world, tasks.tasks[rng.categorical(tasks.weights)], 20, 1, rng));
    const theorem = new TheoremKernel(world, { inputLength: 1, samples: 100 }, new Rng(1));
    try {
      for (const [name, t] of [
        ['belief', undefined],
        ['theorem', theorem],
      ] as const) {
        const table = worldKernelRows(world, prompts, name, t);
        const direct = estimatorKernelRows(world, prompts, name, t);
        table.forEach((row, p) => row.forEach((v, i) => expect(v).toBeCloseTo(direct[p][i], 3)));
      }
    } finally {
      theorem.dispose();
    }
  });

  it('refuses impossible settings in one line', () => {
    const cases: [() => unknown, RegExp][] = [
      [
        () => runCompareRetrievers({ ...base(), strategies: ['random'], pool: 3 }, silentIo(), libraryRun()),
        /--pool 3 is smaller than the largest --shots 4/,
      ],
      [
        () => runCompareRetrievers({ ...base(), strategies: ['random'], head: { layer: 1, head: 9 } }, silentIo(), libraryRun()),
        /head 9 is out of range/,
      ],
      [() => runCompareRetrievers({ ...base(), strategies: ['random'], layer: 3 }, silentIo(), libraryRun()), /--layer 3 is out of range/],
      [() => runCompareRetrievers({ ...base(), strategies: [] }, silentIo(), libraryRun()), /no strategies to compare/],
      [() => runCompareRetrievers({ ...base(), strategies: ['knn', 'knn'] }, silentIo(), libraryRun()), /--strategies names knn twice/],
    ];
    for (const [f, pattern] of cases) {
      try {
        f();
        throw new Error('expected an error');
      } catch (error) {
        expect(error).toBeInstanceOf(IclkrError);
        expect((error as IclkrError).oneLine()).toMatch(pattern);
        expect((error as IclkrError).oneLine()).not.toContain('\n');
      }
    }
  });
});
