import { Rng } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { bayesPredictive } from '../bayes.js';
import { documents, samplePrompt, sampleSegment } from '../sample.js';
import { compileWorld } from '../world.js';
import { classifyWorld } from './classify.js';

describe('classifyWorld', () => {
  const spec = classifyWorld({}, new Rng(1));
  const world = compileWorld(spec);
  const labelling = (task: number) => spec.tasks[task].name.replace('labelling-', '').split('').map(Number);

  it('defaults: 8 classes x 4 positions + 2 label states + delimiter state; 64 inputs + 2 labels + delimiter', () => {
    expect([spec.states, spec.tokens, spec.delimiter, spec.inputLength]).toEqual([35, 67, 66, 4]);
    expect(spec.labels).toEqual([64, 65]);
    expect(spec.stateClass).toEqual([...Array.from({ length: 32 }, (_, s) => Math.floor(s / 4)), -1, -1, -1]);
  });

  it("'fresh' makes every labelling of the classes a task with equal prior", () => {
    expect(spec.tasks).toHaveLength(256);
    expect(new Set(spec.tasks.map((t) => t.name)).size).toBe(256);
    expect(spec.tasks.every((t) => t.prior === 1 / 256)).toBe(true);
  });

  it('classes emit from sparse, overlapping supports of 16 input tokens', () => {
    const supports = Array.from({ length: 8 }, (_, c) => spec.emission[c * 4].map((p, o) => (p > 0 ? o : -1)).filter((o) => o >= 0));
    supports.forEach((s, c) => {
      expect(s.length).toBe(16);
      expect(s.every((o) => o < 64)).toBe(true);
      for (let j = 1; j < 4; j++) expect(spec.emission[c * 4 + j]).toEqual(spec.emission[c * 4]);
    });
    const shared = supports.slice(1).some((s) => s.some((o) => supports[0].includes(o)));
    expect(shared).toBe(true);
  });

  it("a segment is x (k tokens of one class) then the task's label for that class", () => {
    const rng = new Rng(2);
    for (let i = 0; i < 300; i++) {
      const task = rng.int(256);
      const s = sampleSegment(world, task, 4, rng);
      expect(s.states).toEqual([0, 1, 2, 3].map((j) => s.xClass! * 4 + j));
      s.x.forEach((o) => expect(spec.emission[s.states[0]][o]).toBeGreaterThan(0));
      expect(s.y).toBe(64 + labelling(task)[s.xClass!]);
      // 'argmax' gives the label of the class most likely to have emitted x, which is always a label.
      expect(spec.labels).toContain(sampleSegment(world, task, 4, rng, { label: 'argmax' }).y);
    }
  });

  it('documents are x y delim segments, restarting within the task', () => {
    const [doc] = documents(world, { docs: 1, length: 60 }, new Rng(3));
    const map = labelling(doc.task);
    for (let i = 0; i + 6 <= 60; i += 6) {
      const seg = Array.from(doc.tokens.subarray(i, i + 6));
      expect(seg[5]).toBe(66);
      expect(seg.slice(0, 4).every((o) => o < 64)).toBe(true);
      expect([64, 65]).toContain(seg[4]);
      // The label is the task's label for one class that can emit all of x.
      const classes = [0, 1, 2, 3, 4, 5, 6, 7].filter((c) => seg.slice(0, 4).every((o) => spec.emission[c * 4][o] > 0));
      expect(classes.some((c) => 64 + map[c] === seg[4])).toBe(true);
    }
  });

  it('prompts report the latent classes and must use the world input length', () => {
    const p = samplePrompt(world, 5, 6, 4, new Rng(4));
    expect(p.demoClasses).toHaveLength(6);
    p.demos.forEach(([, y], i) => expect(y).toBe(64 + labelling(5)[p.demoClasses![i]]));
    expect(p.queryLabel).toBe(64 + labelling(5)[p.queryClass!]);
    expect(() => samplePrompt(world, 5, 6, 3, new Rng(4))).toThrow(/input length 3 does not match the world's inputLength 4/);
  });

  it('a number of labellings gives distinct in-distribution tasks plus prior-0 out-of-distribution ones', () => {
    const s = classifyWorld({ classes: 4, labels: 3, labellings: 5, oodLabellings: 7 }, new Rng(5));
    expect(s.tasks.map((t) => t.prior)).toEqual([...Array(5).fill(1 / 5), ...Array(7).fill(0)]);
    expect(new Set(s.tasks.map((t) => t.name)).size).toBe(12);
    expect(s.labels).toEqual([64, 65, 66]);
    expect(compileWorld(s).tasks).toHaveLength(12);
    const big = classifyWorld({ classes: 20, labels: 2, labellings: 3, oodLabellings: 1 }, new Rng(6));
    expect(new Set(big.tasks.map((t) => t.name)).size).toBe(4);
  });

  it('rejects impossible settings with the fix', () => {
    expect(() => classifyWorld({ classes: 13 }, new Rng(1))).toThrow(/'fresh' would make 2\^13 = 8192 tasks \(at most 4096\)/);
    expect(() => classifyWorld({ oodLabellings: 2 }, new Rng(1))).toThrow(/'fresh' uses every labelling/);
    expect(() => classifyWorld({ classes: 2, labellings: 3, oodLabellings: 2 }, new Rng(1))).toThrow(
      /3 \+ 2 distinct labellings asked, but 2\^2 = 4 exist/,
    );
    expect(() => classifyWorld({ labels: 1 }, new Rng(1))).toThrow(/labels 1 is not an integer >= 2/);
    expect(() => classifyWorld({ sparsity: 0 }, new Rng(1))).toThrow(/sparsity 0 is not in \(0, 1\]/);
  });

  it('is deterministic by seed', () => {
    expect(classifyWorld({}, new Rng(1))).toEqual(spec);
    expect(classifyWorld({}, new Rng(2))).not.toEqual(spec);
  });
});

describe('classifyWorld label noise', () => {
  it('spreads labelNoise over the other labels, so held-out labellings keep a Bayesian answer', () => {
    const spec = classifyWorld(
      { classes: 3, labels: 3, inputTokens: 6, inputLength: 1, labellings: 4, oodLabellings: 2, labelNoise: 0.1 },
      new Rng(2),
    );
    const world = compileWorld(spec);
    const labelState = 3;
    expect(spec.emission[labelState].slice(6, 9)).toEqual([0.9, 0.05, 0.05]);
    const oodTask = world.tasks.findIndex((t) => t.prior === 0);
    const prompt = samplePrompt(world, oodTask, 12, 1, new Rng(3));
    const [answer] = bayesPredictive(world, [prompt]);
    expect(answer.taskPosterior.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 12);
    expect(() => classifyWorld({ labelNoise: 1.5 }, new Rng(1))).toThrow(/labelNoise 1.5 is not in/);
  });
});
