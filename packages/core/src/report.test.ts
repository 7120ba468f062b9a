import { describe, expect, it } from 'vitest';
import { DataError } from './errors.js';
import {
  type AnyReport,
  kernelRegressReportSchema,
  type Paper,
  paperSchema,
  pretrainReportSchema,
  probeReportSchema,
  REPORT_KINDS,
  REPORT_SCHEMAS,
  REPORT_VERSIONS,
  type ReportKind,
  reportVersion,
  simulateReportSchema,
} from './report.js';
import { readableReportVersions, readReport, readReportOf, schemaFailureInWords } from './report-versions.js';

/** The kinds that had a version 1 before per-kind versions. */
type V1Kind = Exclude<ReportKind, 'pretrain' | 'seeds' | 'reproduce' | 'insights' | 'compare-retrievers' | 'ablation'>;

/** Meta as every report wrote it in version 1 (no command, no git commit). */
const metaV1 = (kind: string) => ({
  schemaVersion: 1,
  kind,
  createdAt: '2026-01-01T00:00:00Z',
  seed: null,
  backend: 'wasm',
  threads: 2,
  versions: { iclkr: '0.1.0' },
  settings: {},
  seconds: 0.5,
});

/** Meta of the current version of `kind`. */
const metaNow = (kind: ReportKind) => ({
  ...metaV1(kind),
  schemaVersion: reportVersion(kind),
  command: `iclkr ${kind} --seed 1`,
  gitCommit: 'abc123',
});

const stats = {
  l1: 0.5,
  tv: 0.25,
  kl: 0.1,
  accVsBayes: 0.6,
  accVsLabel: 0.5,
  ci: { l1: [0.4, 0.6], tv: [0.2, 0.3], kl: [0, 0.2], accVsBayes: [0.5, 0.7], accVsLabel: [0.4, 0.6] },
};
const correlation = { pearson: 0.3, spearman: null };
const variantV1 = {
  agreement: 0.8,
  accuracy: 0.7,
  kernelCorrelation: 0.2,
  tv: 0.1,
  kl: 0.3,
  outputCorrelation: correlation,
  trueCorrelation: { theorem: correlation },
};
const best = {
  layer: 1,
  head: 2,
  variant: 'span',
  selectionAgreement: 0.8,
  selectionAccuracy: 0.7,
  heldOutAgreement: 0.75,
  heldOutAccuracy: 0.65,
  kernelCorrelation: 0.2,
};
const score = { agreement: 0.6, accuracy: 0.55 };
const probeAccuracy = { examples: 10, chance: 0.5, heads: [{ layer: 0, head: 0, accuracy: [0.5, 0.9], lambda: [0.01, 0.01] }] };

/** Bodies of version 1 reports, as the schemas before per-kind versions defined them. */
const BODIES_V1: Record<V1Kind, Record<string, unknown>> = {
  'kernel-regress': { bandwidth: 0.5, mode: 'regress', kernel: 'rbf', predictions: [1, 2], metrics: { mse: 0.1 }, loo: null },
  simulate: {
    world: 'paper-table3',
    rows: [{ n: 1, ...stats, unnormalized: stats, bayesAccVsLabel: 0.4, voteAccVsBayes: 0.3, excluded: 0 }],
    settings: { kernel: 'theorem' },
    bounds: { eta: 1.5, epsTheta: null },
    seconds: 2,
  },
  icl: {
    world: 'recall',
    model: 'models/default',
    rows: [
      {
        n: 4,
        k: 1,
        ood: false,
        prompts: 100,
        accuracy: 0.7,
        bayesAccuracy: 0.9,
        agreementWithBayes: 0.75,
        majorityAccuracy: 0.6,
        oracleAccuracy: null,
        klFromBayes: 0.2,
        accuracyCi: [0.6, 0.8],
      },
    ],
  },
  probe: {
    model: 'models/default',
    source: 'recall',
    shots: 16,
    prompts: 20,
    labels: ['a', 'b'],
    modelAccuracy: 0.7,
    majority: score,
    oracle: null,
    bestHead: best,
    bestByVariant: { span: best, label: { ...best, variant: 'label' }, line: { ...best, variant: 'line' } },
    heldOut: { prompts: 6, modelAccuracy: 0.68, majority: score, oracle: score },
    heads: [{ ...variantV1, layer: 1, head: 2, variants: { span: variantV1, label: variantV1, line: variantV1 } }],
    kernel: 'theorem',
    baselines: [{ name: 'output-similarity', description: 'vote', all: score, heldOut: score }],
    attentionMap: { resolution: 2, cells: [{ kind: 'x', line: 0, offset: 0 }], values: [[[0.5]]] },
    probes: { offsets: [-1, 0], keys: probeAccuracy, values: null, keyClasses: null },
  },
};

const v1 = (kind: V1Kind): Record<string, unknown> => ({
  meta: metaV1(kind),
  ...BODIES_V1[kind],
});

const paper: Paper = {
  citation: 'Han, Wang, Zhao, Ji 2023',
  experiment: 'Table 3',
  values: [{ name: 'accuracy (n = 1)', paper: 0.337, ours: 0.3, note: null }],
  same: ['Eight tasks.'],
  differs: ['The distance is not defined.'],
  researchLog: 'docs/research/theorem-kernel-table3.md',
};

const pretrain = {
  meta: metaNow('pretrain'),
  world: 'recall',
  modelConfig: { layers: 2 },
  recipe: { steps: 10 },
  stopped: false,
  entries: [
    {
      step: 10,
      tokens: 1280,
      loss: 2.5,
      valLoss: 2.6,
      lr: 0.001,
      gradNorm: 0.9,
      tokensPerSecond: 5000,
      seconds: 0.3,
      icl: [{ n: 4, accuracy: 0.6, majorityAccuracy: 0.55, oracleAccuracy: null, bayesAccuracy: 0.9 }],
    },
  ],
  paper: null,
};

/** A held-out prompt of a version 3 probe report: 3 tokens, one demonstration, one layer of two heads. */
const sample = {
  prompt: 4,
  ids: [7, 32, 9],
  tokens: ['7', '32', '9'],
  segments: [
    { kind: 'x', line: 0, start: 0, end: 1 },
    { kind: 'y', line: 0, start: 1, end: 2 },
    { kind: 'query', line: 1, start: 2, end: 3 },
  ],
  labels: [0],
  gold: 1,
  model: [0.25, 0.75],
  attention: [
    [
      [0.5, 0.25, 0.25],
      [0.1, 0.2, 0.7],
    ],
  ],
};

/** The message of the DataError `f` throws (fails the test if it throws anything else). */
function dataError(f: () => unknown): DataError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    return error as DataError;
  }
  throw new Error('expected a DataError');
}

describe('report schemas', () => {
  it('accepts a kernel-regress report and rejects a wrong kind or a missing field', () => {
    const report: Record<string, unknown> = { meta: metaNow('kernel-regress'), ...BODIES_V1['kernel-regress'], metricNotes: {} };
    expect(kernelRegressReportSchema.parse(report)).toEqual(report);
    // Since version 3 an undefined metric is null, with its reason.
    const undefinedMetric = {
      ...report,
      metrics: { mse: 0.1, pearson: null },
      metricNotes: { pearson: 'undefined: the predictions are constant' },
    };
    expect(kernelRegressReportSchema.parse(undefinedMetric)).toEqual(undefinedMetric);
    expect(() => kernelRegressReportSchema.parse({ ...report, meta: { ...metaNow('kernel-regress'), kind: 'simulate' } })).toThrow();
    const { metrics: _, ...missing } = report;
    expect(() => kernelRegressReportSchema.parse(missing)).toThrow();
  });

  it('fixes each kind to its own current version', () => {
    expect(REPORT_KINDS).toEqual(Object.keys(REPORT_VERSIONS));
    expect(Object.keys(REPORT_SCHEMAS)).toEqual([...REPORT_KINDS]);
    expect(reportVersion('probe')).toBe(3);
    expect(reportVersion('pretrain')).toBe(1);
    const current = { ...v1('simulate'), meta: metaNow('simulate'), paper };
    expect(simulateReportSchema.parse(current)).toEqual(current);
    expect(() => simulateReportSchema.parse({ ...current, meta: { ...metaNow('simulate'), schemaVersion: 1 } })).toThrow();
    expect(pretrainReportSchema.parse(pretrain)).toEqual(pretrain);
  });

  it('keeps the research log repository-relative', () => {
    expect(paperSchema.parse(paper)).toEqual(paper);
    for (const path of ['/work/main/docs/x.md', 'C:\\docs\\x.md', '\\\\server\\x.md', '../outside.md', 'docs/../../x.md']) {
      expect(() => paperSchema.parse({ ...paper, researchLog: path }), path).toThrow();
    }
    expect(paperSchema.parse({ ...paper, researchLog: null }).researchLog).toBeNull();
  });
});

describe('readReport', () => {
  it.each(Object.keys(BODIES_V1) as V1Kind[])('opens a version 1 %s report and migrates it to the current shape', (kind) => {
    const old = v1(kind);
    const report = readReport(structuredClone(old));
    expect(report.meta).toEqual({ ...metaV1(kind), schemaVersion: REPORT_VERSIONS[kind], command: null, gitCommit: null });
    expect(REPORT_SCHEMAS[kind].parse(report)).toEqual(report);
    if (kind !== 'kernel-regress') expect((report as Extract<AnyReport, { paper: unknown }>).paper).toBeNull();
    // The JSON text reads the same as the parsed object.
    expect(readReport(JSON.stringify(old))).toEqual(report);
  });

  it('fills the per-head held-out scores of a version 1 probe report with null', () => {
    const report = readReportOf('probe', v1('probe'));
    const head = report.heads[0];
    expect(head.heldOut).toBeNull();
    expect([head.variants.span.heldOut, head.variants.label.heldOut, head.variants.line.heldOut]).toEqual([null, null, null]);
    expect(head.agreement).toBe(0.8);
    expect(report.bestHead).toEqual(best);
  });

  it('opens a version 2 probe report as version 3 with no samples', () => {
    const withHeldOut = { ...variantV1, heldOut: score };
    const v2 = {
      ...v1('probe'),
      meta: { ...metaNow('probe'), schemaVersion: 2 },
      paper,
      heads: [{ ...withHeldOut, layer: 1, head: 2, variants: { span: withHeldOut, label: withHeldOut, line: withHeldOut } }],
    };
    const report = readReportOf('probe', structuredClone(v2));
    expect(report.meta.schemaVersion).toBe(3);
    expect(report.samples).toEqual([]);
    expect(report).toEqual({ ...v2, meta: { ...v2.meta, schemaVersion: 3 }, samples: [] });
    expect(probeReportSchema.parse(report)).toEqual(report);
    // A version 1 report goes through both steps.
    expect(readReportOf('probe', v1('probe')).samples).toEqual([]);
  });

  it('returns a current report as it is', () => {
    const withHeldOut = { ...variantV1, heldOut: score };
    const current = {
      ...v1('probe'),
      meta: metaNow('probe'),
      paper,
      heads: [{ ...withHeldOut, layer: 1, head: 2, variants: { span: withHeldOut, label: withHeldOut, line: withHeldOut } }],
      samples: [sample],
    };
    expect(readReport(current)).toEqual(current);
    expect(readReportOf('pretrain', pretrain)).toEqual(pretrain);
  });

  it('refuses a report newer than this code, naming both versions', () => {
    const newer = dataError(() => readReport({ ...v1('probe'), meta: { ...metaNow('probe'), schemaVersion: 4 } }));
    expect(newer.message).toBe('report.json: a probe report of version 4; this iclkr reads probe reports of versions 1 to 3');
    expect(newer.fix).toMatch(/upgrade iclkr/);
    const pre = dataError(() => readReport({ ...pretrain, meta: { ...pretrain.meta, schemaVersion: 2 } }, 'runs/a/report.json'));
    expect(pre.message).toBe('runs/a/report.json: a pretrain report of version 2; this iclkr reads pretrain reports of version 1');
    expect(readableReportVersions('simulate')).toEqual({ oldest: 1, newest: 2 });
  });

  it.each([
    ['null', null, /not an iclkr report: it holds null/],
    ['an array', [1, 2], /not an iclkr report: it holds an array/],
    ['an object without meta', { rows: [] }, /not an iclkr report: it has no meta block/],
    ['meta without kind', { meta: { schemaVersion: 1 } }, /not an iclkr report: meta\.kind is missing/],
    [
      'an unknown kind',
      { meta: { kind: 'retrieve', schemaVersion: 1 } },
      /meta\.kind is "retrieve", not one of kernel-regress, simulate, icl, probe, pretrain/,
    ],
    [
      'a version that is not a number',
      { ...v1('icl'), meta: { ...metaV1('icl'), schemaVersion: '1' } },
      /an icl report whose meta\.schemaVersion is "1", not a version number/,
    ],
    [
      'a version older than any',
      { ...v1('icl'), meta: { ...metaV1('icl'), schemaVersion: 0 } },
      /an icl report of version 0; this iclkr reads icl reports of versions 1 to 2/,
    ],
    [
      'a number written as null (NaN)',
      { ...v1('simulate'), rows: [{ ...(BODIES_V1.simulate.rows as object[])[0], l1: null }] },
      /the simulate report's rows\[0\]\.l1 is null, not a number/,
    ],
    ['a missing field', (({ modelAccuracy: _, ...rest }) => rest)(v1('probe')), /the probe report's modelAccuracy is missing/],
    [
      'a nested missing field',
      { ...v1('probe'), heads: [{ ...(BODIES_V1.probe.heads as object[])[0], variants: { span: variantV1, label: variantV1 } }] },
      /the probe report's heads\[0\]\.variants\.line is missing/,
    ],
    [
      'a wrong enum value',
      { ...v1('kernel-regress'), mode: 'cluster' },
      /the kernel-regress report's mode is "cluster", not "classify" or "regress"/,
    ],
    [
      'a string for a number',
      { ...pretrain, entries: [{ ...pretrain.entries[0], loss: '2.5' }] },
      /the pretrain report's entries\[0\]\.loss is "2\.5", not a number/,
    ],
    [
      'an absolute research log',
      { ...v1('icl'), meta: metaNow('icl'), paper: { ...paper, researchLog: '/home/me/log.md' } },
      /the icl report's paper\.researchLog \("\/home\/me\/log\.md"\) is not a repository-relative path/,
    ],
    ['JSON text that does not parse', '{"meta": ', /report\.json: is not valid JSON/],
  ])('refuses %s in one line', (_, json, message) => {
    const error = dataError(() => readReport(json));
    expect(error.oneLine()).toMatch(message);
    expect(error.oneLine()).not.toMatch(/\n|"code"|expected":/);
  });

  it('says how to write a damaged report again, with its own command where it has one', () => {
    const error = dataError(() => readReport({ ...v1('icl'), meta: metaNow('icl'), paper: null, rows: 3 }));
    expect(error.oneLine()).toBe("report.json: the icl report's rows is 3, not an array; write it again: iclkr icl --seed 1");
  });

  it('readReportOf refuses a report of another kind', () => {
    const error = dataError(() => readReportOf('probe', v1('simulate')));
    expect(error.message).toBe('report.json: a simulate report, not a probe report');
    expect(readReportOf('simulate', v1('simulate')).rows[0].n).toBe(1);
  });
});

describe('insights reports', () => {
  const common = { model: 'models/default', source: 'world recall', mode: 'world', labels: ['token 32', 'token 33'], paper };
  const ci = [0.4, 0.6];
  const head = { layer: 1, head: 2, variant: 'line', heldOutAgreement: 0.9, heldOutAccuracy: 0.7 };
  const format = {
    meta: metaNow('insights'),
    experiment: 'format',
    ...common,
    variants: [{ name: 'natural', description: "the world's label tokens", labels: ['32', '33'] }],
    chance: 0.5,
    rows: [{ variant: 'natural', n: 4, prompts: 10, accuracy: 0.5, accuracyCi: ci, headAgreement: 0.9, head }],
  };
  const typo = { rate: 0.1, editRate: 0.098, n: 2, prompts: 10, accuracy: 0.5, accuracyCi: ci };
  const ood = {
    meta: metaNow('insights'),
    experiment: 'ood',
    ...common,
    mode: 'text',
    eta: null,
    boundsNote: null,
    sameInputs: null,
    epsEstimate: null,
    rows: [typo],
  };

  it('accepts each experiment and reads back through readReport', () => {
    expect(readReport(structuredClone(format))).toEqual(format);
    expect(readReport(JSON.stringify(ood))).toEqual(ood);
  });

  it('refuses an unknown experiment or a typo rate outside [0, 1] in one line', () => {
    expect(dataError(() => readReport({ ...format, experiment: 'length' })).oneLine()).toMatch(/insights report's experiment/);
    expect(dataError(() => readReport({ ...ood, rows: [{ ...typo, rate: 1.5 }] })).oneLine()).toMatch(/insights report's rows/);
  });
});

describe('ablation reports', () => {
  const row = { layer: 0, head: 1, accuracy: 0.5, agreement: 0.75, drop: 0.25 };
  const report = {
    meta: metaNow('ablation'),
    model: 'models/default',
    source: 'world recall',
    world: 'recall',
    shots: 16,
    length: 1,
    prompts: 100,
    mode: 'mean',
    referencePrompts: 100,
    baseline: { accuracy: 0.75 },
    majority: { accuracy: 0.6 },
    rows: [row],
    selected: { layer: 0, head: 1, variant: 'span', selectionAgreement: 0.9 },
    knockout: [{ target: 'same-class', accuracy: 0.5, agreement: 0.6, drop: 0.25, removedMass: 0.3 }],
    notes: ['a sentence'],
    paper: null,
  };

  it('accepts a report and reads it back through readReport', () => {
    expect(readReport(structuredClone(report))).toEqual(report);
  });

  it('refuses an unknown mode in one line', () => {
    expect(dataError(() => readReport({ ...report, mode: 'half' })).oneLine()).toMatch(/ablation report's mode/);
  });

  it('opens a version 1 report (always a world, no source) as version 2 with the world as its source', () => {
    const { source: _, ...v1 } = report;
    const read = readReport({ ...v1, meta: { ...report.meta, schemaVersion: 1 } });
    expect(read).toEqual({ ...report, meta: { ...report.meta, schemaVersion: 2 } });
  });

  it('takes a text report, with no world and no input length', () => {
    const text = { ...report, source: 'glue-dev.tsv (demonstrations from stsa.binary.train)', world: null, length: null };
    expect(readReport(structuredClone(text))).toEqual(text);
  });
});

describe('compare-retrievers reports', () => {
  const row = { strategy: 'knn', method: 'icl', n: 4, prompts: 20, accuracy: 0.5, ci: [0.3, 0.7], perSeed: [0.5] };
  const report = {
    meta: metaNow('compare-retrievers'),
    model: 'models/default',
    source: 'world recall',
    sourceKind: 'world',
    labels: ['token 32', 'token 33'],
    seeds: [0],
    strategies: ['knn'],
    shots: [4],
    methods: [{ name: 'icl', description: 'the model' }],
    pool: 64,
    layer: 1,
    head: { layer: 1, head: 2, keyPosition: 'delimiter', variant: 'line', chosenBy: 'given', probe: null },
    rows: [row],
    paper,
  };

  it('accepts a report and reads it back through readReport', () => {
    expect(readReport(structuredClone(report))).toEqual(report);
  });

  it('refuses a row without its interval in one line', () => {
    expect(dataError(() => readReport({ ...report, rows: [{ ...row, ci: null }] })).oneLine()).toMatch(/compare-retrievers report's rows/);
  });

  describe('schemaFailureInWords', () => {
    it('puts a schema failure of our own output in one line naming the field, and leaves other errors alone', () => {
      const parsed = kernelRegressReportSchema.safeParse({
        meta: metaNow('kernel-regress'),
        ...BODIES_V1['kernel-regress'],
        metricNotes: {},
        bandwidth: Number.NaN,
      });
      expect(parsed.success).toBe(false);
      const line = schemaFailureInWords(parsed.error);
      expect(line).toMatch(/^an output failed its own schema: bandwidth: invalid input: expected number, received nan/);
      expect(line).not.toContain('\n');
      expect(schemaFailureInWords(new Error('x'))).toBeUndefined();
    });

    it('opens a version 2 kernel-regress report with no skipped bandwidths and no metric notes', () => {
      const v2 = {
        ...v1('kernel-regress'),
        meta: { ...metaNow('kernel-regress'), schemaVersion: 2 },
        loo: { grid: [1, 2], losses: [0.5, 0.4], search: 'grid' },
      };
      const report = readReportOf('kernel-regress', v2);
      expect(report.loo).toEqual({ grid: [1, 2], losses: [0.5, 0.4], search: 'grid', skipped: [] });
      expect(report.metricNotes).toEqual({});
    });
  });
});
