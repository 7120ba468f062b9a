import { type ConvergenceRow, type IclRow, paperSchema, type PretrainLogEntry } from '@iclkr/core';
import { PAPER_TABLE3 } from '@iclkr/theory';
import { describe, expect, it } from 'vitest';
import { iclPaper, PAPER_CITATION, type ProbePaperInput, pretrainPaper, probePaper, simulatePaper } from './paper.js';

const stats = (l1: number, acc: number) => ({
  l1,
  tv: l1 / 2,
  kl: 0.1,
  accVsBayes: acc,
  accVsLabel: acc / 2,
  ci: {
    l1: [l1, l1],
    tv: [l1 / 2, l1 / 2],
    kl: [0.1, 0.1],
    accVsBayes: [acc, acc],
    accVsLabel: [acc / 2, acc / 2],
  } as ConvergenceRow['ci'],
});
const row = (n: number, l1: number, acc: number): ConvergenceRow => ({
  n,
  ...stats(l1, acc),
  unnormalized: stats(9, 0.1),
  bayesAccVsLabel: 0.5,
  voteAccVsBayes: 0.2,
  excluded: 0,
});
/** Rows at n = 0 (not in the paper), 1 and 8; none at 2, 4, 16, ... */
const rows = [row(0, 1.9, 0.05), row(1, 1.3, 0.33), row(8, 0.6, 0.7)];
const table3 = { preset: 'paper-table3', kernel: 'theorem', inputLength: 2, prompts: 200 };

/** The values line named `name`. */
const value = <V extends { name: string }>(paper: { values: V[] }, name: string): V => {
  const v = paper.values.find((x) => x.name === name);
  if (!v) throw new Error(`no value ${name}`);
  return v;
};

describe('simulatePaper', () => {
  it('pairs our rows with Table 3 by n on the calibrated world', () => {
    const paper = paperSchema.parse(simulatePaper(rows, table3));
    expect(paper.citation).toBe(PAPER_CITATION);
    expect(paper.researchLog).toBe('docs/research/theorem-kernel-table3.md');
    expect(paper.values).toHaveLength(2 * PAPER_TABLE3.n.length);
    expect(value(paper, 'accuracy against the Bayes argmax, n = 1')).toEqual({
      name: 'accuracy against the Bayes argmax, n = 1',
      paper: 0.337,
      ours: 0.33,
      note: null,
    });
    expect(value(paper, 'distance to the Bayes predictive, n = 8')).toMatchObject({
      paper: 0.218,
      ours: 0.6,
      note: expect.stringMatching(/does not define its distance/),
    });
    expect(value(paper, 'accuracy against the Bayes argmax, n = 8')).toMatchObject({ paper: 0.901, ours: 0.7 });
    expect(value(paper, 'accuracy against the Bayes argmax, n = 2')).toEqual({
      name: 'accuracy against the Bayes argmax, n = 2',
      paper: 0.532,
      ours: null,
      note: 'not run at n = 2',
    });
    expect(paper.values.some((v) => v.name.endsWith('n = 0'))).toBe(false);
    expect(paper.same.join(' ')).toMatch(/8 tasks, 80 states and 100 tokens/);
    const differs = paper.differs.join(' ');
    expect(differs).toMatch(/does not define its distance/);
    expect(differs).toMatch(/how it estimated Sigma/);
    expect(differs).toMatch(/input length; ours is k = 2\./);
    expect(differs).toMatch(/ours are 200 per n/);
    expect(differs).toMatch(/concentration 0\.006/);
    // n = 1: 0.33 < 0.337, n = 8: 0.7 < 0.901 (the larger gap).
    expect(differs).toMatch(/below the paper's at 2 of the 2 n both have; the largest gap is at n = 8 \(0\.700 against 0\.901\)/);
    expect(differs).not.toMatch(/calibrated at k = 2/);
  });

  it('lists only the paper where the world differs', () => {
    for (const settings of [
      { ...table3, preset: 'classify' },
      { ...table3, preset: undefined, world: 'my-world.json' },
      { ...table3, param: { transitionConcentration: 0.01 } },
      { ...table3, ood: true },
    ]) {
      const paper = paperSchema.parse(simulatePaper(rows, settings));
      expect(paper.values.map((v) => v.ours)).toEqual(paper.values.map(() => null));
      expect(paper.values.map((v) => v.paper)).toEqual(
        PAPER_TABLE3.n.flatMap((_, i) => [PAPER_TABLE3.accuracy[i], PAPER_TABLE3.distance[i]]),
      );
      expect(paper.differs[0]).toMatch(/the paper's numbers are listed without ours/);
      expect(paper.same.join(' ')).not.toMatch(/80 states/);
    }
    expect(simulatePaper(rows, { ...table3, preset: 'classify' }).differs[0]).toMatch(/Our world is classify, not/);
    expect(simulatePaper(rows, { ...table3, param: { transitionConcentration: 0.01 } }).differs[0]).toMatch(
      /paper-table3 with transitionConcentration changed/,
    );
    expect(simulatePaper(rows, { ...table3, ood: true }).differs[0]).toMatch(/out-of-distribution/);
  });

  it('says when the kernel or the input length differs from the calibrated setting', () => {
    const paper = simulatePaper(rows, { ...table3, kernel: 'cosine', inputLength: 3 });
    expect(paper.differs.join(' ')).toMatch(/Our kernel is cosine/);
    expect(paper.differs.join(' ')).toMatch(/calibrated at k = 2; at k = 3/);
    expect(paper.same.join(' ')).not.toMatch(/theorem's, K/);
  });
});

const score = (agreement: number, accuracy: number) => ({ agreement, accuracy });
const best = {
  layer: 1,
  head: 3,
  variant: 'span' as const,
  selectionAgreement: 0.7,
  selectionAccuracy: 0.6,
  heldOutAgreement: 0.68,
  heldOutAccuracy: 0.593,
  kernelCorrelation: 0.19,
};
const head = (layer: number, h: number) => ({ layer, head: h }) as ProbePaperInput['heads'][number];
const probe: ProbePaperInput = {
  model: 'models/default',
  source: 'recall',
  shots: 16,
  prompts: 500,
  modelAccuracy: 0.77,
  bestHead: best,
  heldOut: { prompts: 150, modelAccuracy: 0.713, majority: score(0.6, 0.54), oracle: score(0.8, 0.92) },
  baselines: [
    { name: 'output-similarity', description: '', all: score(0.5, 0.5), heldOut: score(0.5, 0.55) },
    { name: 'hidden-cosine:L0', description: '', all: score(0.5, 0.5), heldOut: score(0.5, 0.51) },
    { name: 'hidden-cosine:L1', description: '', all: score(0.5, 0.5), heldOut: score(0.5, 0.58) },
  ],
  kernel: 'theorem',
  heads: [head(0, 0), head(0, 1), head(1, 0), head(1, 1)],
};

describe('probePaper', () => {
  it("sets GPT-J's best head and Table 2 beside ours", () => {
    const paper = paperSchema.parse(probePaper(probe));
    expect(paper.researchLog).toBe('docs/research/probing-default-model.md');
    expect(value(paper, 'ICL accuracy')).toMatchObject({ paper: 0.805, ours: 0.77 });
    expect(value(paper, 'best head: agreement with the model, on the prompts it was chosen on')).toMatchObject({
      paper: 0.892,
      ours: 0.7,
      note: expect.stringMatching(/layer 17 head 10; ours layer 1 head 3, on 350 selection/),
    });
    expect(value(paper, 'best head: accuracy, on the prompts it was chosen on')).toMatchObject({ paper: 0.864, ours: 0.6 });
    expect(value(paper, 'ICL accuracy, held out (Table 2)')).toMatchObject({ paper: 0.805, ours: 0.713 });
    expect(value(paper, 'best head: agreement with the model, held out (Table 2)')).toMatchObject({
      paper: 0.797,
      ours: 0.68,
      note: expect.stringMatching(/700 of 1000 .* other 300; ours: chosen on 350, scored on 150/),
    });
    expect(value(paper, 'best head: accuracy, held out (Table 2)')).toMatchObject({ paper: 0.75, ours: 0.593 });
    // The best hidden-state cosine baseline on the held-out prompts, not the output-similarity one.
    expect(value(paper, 'explicit kernel regression: accuracy, held out (Table 2)')).toMatchObject({
      paper: 0.5,
      ours: 0.58,
      note: expect.stringMatching(/hidden-cosine:L1/),
    });
    const differs = paper.differs.join(' ');
    expect(differs).toMatch(/The model is built-in model \(2 layers of 2 heads\), not GPT-J-6B \(28 layers of 16 heads/);
    expect(differs).toMatch(/synthetic world recall, while the paper's numbers are on SST-2 text/);
    expect(differs).toMatch(/best head's accuracy is 0\.593 against the model's 0\.713 and the majority label's 0\.540/);
  });

  it('says text prompts differ only in data and model, and has no explicit baseline without one', () => {
    const paper = probePaper({ ...probe, kernel: null, source: 'sst2/dev.tsv', baselines: [] });
    expect(paper.differs.join(' ')).toMatch(/from sst2\/dev\.tsv, not the paper's 1000 SST-2 prompts/);
    expect(paper.differs.join(' ')).not.toMatch(/synthetic world/);
    expect(value(paper, 'explicit kernel regression: accuracy, held out (Table 2)').ours).toBeNull();
  });
});

const iclRow = (n: number, k: number, ood: boolean, accuracy: number, bayesAccuracy: number): IclRow => ({
  n,
  k,
  ood,
  prompts: 100,
  accuracy,
  bayesAccuracy,
  agreementWithBayes: accuracy / 2,
  majorityAccuracy: 0.5,
  oracleAccuracy: null,
  klFromBayes: 0.1,
  accuracyCi: [accuracy - 0.1, accuracy + 0.1],
});

describe('iclPaper', () => {
  it('lists the model beside Bayes at the largest n per k, in and out of distribution, with no paper column', () => {
    const rows = [
      iclRow(32, 1, false, 0.8, 0.95),
      iclRow(0, 1, false, 0.5, 0.5),
      iclRow(4, 1, false, 0.6, 0.8),
      iclRow(8, 2, false, 0.7, 0.9),
      iclRow(32, 1, true, 0.6, 0.9),
    ];
    const paper = paperSchema.parse(iclPaper({ world: 'recall', model: 'models/default', rows }));
    expect(paper.researchLog).toBe('docs/research/pretraining-icl.md');
    expect(paper.values.map((v) => v.name)).toEqual([
      'model accuracy, n = 32, k = 1',
      'Bayes accuracy, n = 32, k = 1',
      'agreement with Bayes, n = 32, k = 1',
      'model accuracy, n = 8, k = 2',
      'Bayes accuracy, n = 8, k = 2',
      'agreement with Bayes, n = 8, k = 2',
      'model accuracy, n = 32, k = 1, out of distribution',
      'Bayes accuracy, n = 32, k = 1, out of distribution',
      'agreement with Bayes, n = 32, k = 1, out of distribution',
    ]);
    expect(paper.values.map((v) => v.ours)).toEqual([0.8, 0.95, 0.4, 0.7, 0.9, 0.35, 0.6, 0.9, 0.3]);
    expect(paper.values.every((v) => v.paper === null)).toBe(true);
    expect(paper.same[0]).toMatch(
      /exact Bayesian predictive of the world that generated the pre-training data \(recall\), computed by enumeration/,
    );
    const differs = paper.differs.join(' ');
    expect(differs).toMatch(/At n = 32, k = 1 the model's accuracy is 0\.800 against Bayes's 0\.950 \(at n = 0: 0\.500 against 0\.500\);/);
    expect(differs).toMatch(/At n = 8, k = 2 the model's accuracy is 0\.700 against Bayes's 0\.900;/);
    expect(differs).toMatch(
      /eps_theta that does not vanish with n: at n = 32, k = 1 the model's accuracy is 0\.600 against Bayes's 0\.900\./,
    );
  });
});

describe('pretrainPaper', () => {
  const entry = (step: number, icl: PretrainLogEntry['icl']): PretrainLogEntry => ({
    step,
    tokens: step * 100,
    loss: 1,
    valLoss: 1,
    lr: 1e-3,
    gradNorm: 1,
    tokensPerSecond: 1,
    seconds: step,
    icl,
  });
  it('lists the last quick probe at its largest n', () => {
    const entries = [
      entry(100, [{ n: 16, accuracy: 0.1, majorityAccuracy: 0.1, oracleAccuracy: null, bayesAccuracy: 0.9 }]),
      entry(200, [
        { n: 16, accuracy: 0.75, majorityAccuracy: 0.6, oracleAccuracy: 0.9, bayesAccuracy: 0.95 },
        { n: 4, accuracy: 0.6, majorityAccuracy: 0.55, oracleAccuracy: 0.7, bayesAccuracy: 0.8 },
      ]),
    ];
    const paper = paperSchema.parse(pretrainPaper({ world: 'recall', entries, stopped: true }));
    expect(paper.values).toEqual([
      { name: 'model accuracy, step 200, n = 16', paper: null, ours: 0.75, note: null },
      { name: 'Bayes accuracy, step 200, n = 16', paper: null, ours: 0.95, note: null },
      { name: 'majority-label accuracy, step 200, n = 16', paper: null, ours: 0.6, note: null },
    ]);
    expect(paper.differs.join(' ')).toMatch(/stopped at step 200/);
    expect(paper.differs.join(' ')).toMatch(
      /20000 tokens\) the quick probe at n = 16 gives accuracy 0\.750 against Bayes's 0\.950 and the majority label's 0\.600/,
    );
    expect(pretrainPaper({ world: 'recall', entries: [], stopped: false }).values).toEqual([]);
  });
});
