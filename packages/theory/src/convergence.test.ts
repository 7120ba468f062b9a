import { Rng, simulateReportSchema, tf } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { smallWorld } from '../test/worlds.js';
import { defaultEstimatorKernel, runConvergence } from './convergence.js';
import { classifyWorld } from './generators/classify.js';
import { compileWorld } from './world.js';

// A small classification world: 4 classes, 2 labels, every labelling a task (16 tasks).
const classify = compileWorld(classifyWorld({ classes: 4, labels: 2, inputTokens: 16, inputLength: 2 }, new Rng(1)));

describe('the convergence experiment', () => {
  it('reports every n with intervals around the values, and Bayes learns from demonstrations', () => {
    const r = runConvergence(classify, { shots: [16, 0], prompts: 60, kernel: 'belief', seed: 3 });
    expect(r.rows.map((row) => row.n)).toEqual([0, 16]);
    for (const row of r.rows) {
      expect(row.ci.accVsBayes[0]).toBeLessThanOrEqual(row.accVsBayes);
      expect(row.ci.accVsBayes[1]).toBeGreaterThanOrEqual(row.accVsBayes);
      expect(row.tv).toBeCloseTo(row.l1 / 2, 12);
      expect(Number.isFinite(row.kl)).toBe(true);
    }
    // The label is unknowable without demonstrations (chance 1/2) and nearly certain with 16.
    expect(r.rows[1].bayesAccVsLabel).toBeGreaterThan(r.rows[0].bayesAccVsLabel);
    expect(r.rows[1].bayesAccVsLabel).toBeGreaterThan(0.85);
    // With no demonstration the estimate is uniform: it scores chance (1/2), not the first label.
    expect(r.rows[0].accVsBayes).toBe(0.5);
    // The belief-vector kernel votes over same-class demonstrations and follows Bayes.
    expect(r.rows[1].accVsBayes).toBeGreaterThan(0.85);
    expect(r.rows[1].tv).toBeLessThan(0.2);
    expect(r.settings.kernel).toBe('belief');
    expect(r.bounds).toEqual({ eta: null, epsTheta: null });
  });

  it('scores the plain label vote beside the estimator', () => {
    const r = runConvergence(classify, { shots: [0, 1, 16], prompts: 100, kernel: 'cosine', seed: 4 });
    // No demonstration: every label ties, so the vote scores chance (1/2) on every prompt.
    expect(r.rows[0].voteAccVsBayes).toBe(0.5);
    // One demonstration: any positive kernel's normalised estimate is e(y_1), which is the vote;
    // the two are computed by different code (combineScores vs label counts).
    expect(r.rows[1].voteAccVsBayes).toBe(r.rows[1].accVsBayes);
    // Sixteen: the cosine kernel weighs same-class demonstrations and beats the class-blind vote.
    expect(r.rows[2].accVsBayes).toBeGreaterThan(r.rows[2].voteAccVsBayes + 0.1);
  });

  it('gives each row of n the same prompts whatever other n are asked (a stream per prompt): n = 3 or 64 leave n = 8 alone', () => {
    const base = runConvergence(classify, { shots: [1, 8], prompts: 30, kernel: 'cosine', seed: 4 });
    const more = runConvergence(classify, { shots: [1, 3, 8, 64], prompts: 30, kernel: 'cosine', seed: 4 });
    const row = (r: typeof base, n: number) => r.rows.find((x) => x.n === n);
    expect(row(more, 8)).toEqual(row(base, 8));
    expect(row(more, 1)).toEqual(row(base, 1));
    // And with the theorem's kernel, whose Sigma comes from a stream of its own.
    const world = smallWorld(2, 4, 6, 3);
    const a = runConvergence(world, { shots: [8], prompts: 12, seed: 1, sigmaSamples: 100 });
    const b = runConvergence(world, { shots: [3, 8, 64], prompts: 12, seed: 1, sigmaSamples: 100 });
    expect(row(b, 8)).toEqual(row(a, 8));
  });

  it('is deterministic per seed', () => {
    const a = runConvergence(classify, { shots: [2], prompts: 10, kernel: 'cosine', seed: 5 });
    const b = runConvergence(classify, { shots: [2], prompts: 10, kernel: 'cosine', seed: 5 });
    expect(b.rows).toEqual(a.rows);
  });

  it("runs the theorem's kernel with both forms and the bound's constants", () => {
    const world = smallWorld(2, 4, 6, 3);
    expect(defaultEstimatorKernel(world)).toBe('theorem');
    const r = runConvergence(world, { shots: [1, 8], prompts: 12, seed: 1, sigmaSamples: 100 });
    expect(r.rows).toHaveLength(2);
    expect(r.bounds.eta).toBeGreaterThan(0);
    expect(r.bounds.epsTheta).toHaveLength(3);
    // The bound's eps_theta is optional: off, it is null and the settings say why.
    const off = runConvergence(world, { shots: [1], prompts: 4, seed: 1, sigmaSamples: 100, bounds: false });
    expect(off.bounds.epsTheta).toBeNull();
    expect(off.settings.epsTheta).toBe('not computed (bounds off)');
    expect(off.rows).toEqual(runConvergence(world, { shots: [1], prompts: 4, seed: 1, sigmaSamples: 100 }).rows);
    expect(Number.isFinite(r.rows[1].unnormalized.l1)).toBe(true);
    expect(r.settings).toMatchObject({ kernel: 'theorem', sigmaSamples: 100, operatorDimension: 16 });
    const meta = {
      schemaVersion: 2,
      kind: 'simulate',
      createdAt: '',
      seed: 1,
      backend: 'x',
      versions: {},
      settings: {},
      seconds: 0,
      command: null,
      gitCommit: null,
    };
    expect(() => simulateReportSchema.parse({ meta, world: 'w', ...r, paper: null })).not.toThrow();
  });

  it('rejects impossible settings and keeps no tensors', () => {
    expect(() => runConvergence(classify, { shots: [-1], prompts: 5, seed: 0 })).toThrow(/shots -1 are not integers >= 0/);
    expect(() => runConvergence(classify, { shots: [1], prompts: 1, seed: 0 })).toThrow(/prompts 1 is not an integer >= 2/);
    expect(() => runConvergence(classify, { shots: [1], prompts: 5, seed: 0, ood: true })).toThrow(/no out-of-distribution tasks/);
    expect(() => runConvergence(classify, { shots: [1], prompts: 5, seed: 0, kernel: 'attention', temperature: 0 })).toThrow(
      /temperature 0/,
    );
    const before = tf.memory().numTensors;
    runConvergence(smallWorld(2, 4, 6, 3), { shots: [2], prompts: 4, seed: 1, sigmaSamples: 20 });
    runConvergence(classify, { shots: [2], prompts: 4, seed: 1, kernel: 'attention' });
    expect(tf.memory().numTensors).toBe(before);
  });
});
