import { z } from 'zod';

/**
 * The current layout version of each report kind; bump a kind's number when its shape changes,
 * and add the step from the old shape to `REPORT_MIGRATIONS` (report-versions.ts).
 */
export const REPORT_VERSIONS = {
  'kernel-regress': 3,
  simulate: 2,
  icl: 2,
  probe: 3,
  pretrain: 1,
  seeds: 1,
  reproduce: 1,
  insights: 1,
  'compare-retrievers': 1,
  ablation: 2,
} as const;

/** A report kind: what the `meta.kind` of a report.json says. */
export type ReportKind = keyof typeof REPORT_VERSIONS;

/** Every report kind, in the order the commands list them. */
export const REPORT_KINDS: readonly ReportKind[] = [
  'kernel-regress',
  'simulate',
  'icl',
  'probe',
  'pretrain',
  'seeds',
  'reproduce',
  'insights',
  'compare-retrievers',
  'ablation',
];

/** The layout version a report of `kind` is written in today. */
export function reportVersion<K extends ReportKind>(kind: K): (typeof REPORT_VERSIONS)[K] {
  return REPORT_VERSIONS[kind];
}

/** What every report records about the run that made it: enough to reproduce it. */
export const reportMetaSchema = z.object({
  /** The layout version of this kind of report (`reportVersion(kind)` when written). */
  schemaVersion: z.number().int().positive(),
  kind: z.string(),
  createdAt: z.string(),
  seed: z.number().int().nullable(),
  backend: z.string(),
  /** Threads the backend computed on (absent in reports written before it was recorded). */
  threads: z.number().int().nonnegative().optional(),
  versions: z.record(z.string(), z.string()),
  settings: z.record(z.string(), z.unknown()),
  seconds: z.number().nonnegative(),
  /** The exact command line that wrote the report (null where unknown, e.g. the web app or a version 1 report). */
  command: z.string().nullable(),
  /** The git commit of the iclkr checkout that wrote it (null outside a checkout or in a version 1 report). */
  gitCommit: z.string().nullable(),
});

/** The `meta` block of a report. */
export type ReportMeta = z.infer<typeof reportMetaSchema>;

/** Builds a versioned report schema: `meta` (with `kind` and its current `schemaVersion` fixed) plus the experiment's own fields. */
export function defineReport<K extends ReportKind, B extends z.ZodRawShape>(kind: K, body: B) {
  return z.object({ meta: reportMetaSchema.extend({ schemaVersion: z.literal(REPORT_VERSIONS[kind]), kind: z.literal(kind) }), ...body });
}

/** True for a path that is absolute (POSIX, Windows drive or UNC) or climbs out with `..`. */
function leavesRepository(path: string): boolean {
  return /^([a-zA-Z]:)?[\\/]/.test(path) || path.split(/[\\/]/).includes('..');
}

/** The paper's reference numbers beside ours, and in words what is the same and what differs. */
export const paperSchema = z.object({
  /** Authors, year, title and arXiv id of the paper compared with. */
  citation: z.string(),
  /** Which of its experiments (table or figure) this report repeats, in words. */
  experiment: z.string(),
  /** One line per compared number: the paper's, ours (null where ours is not comparable or not run), and a note. */
  values: z.array(z.object({ name: z.string(), paper: z.number().nullable(), ours: z.number().nullable(), note: z.string().nullable() })),
  /** Sentences: what is the same in the setting. */
  same: z.array(z.string()),
  /** Sentences: what differs, and why our numbers may differ. */
  differs: z.array(z.string()),
  /** The research log behind the comparison, relative to the repository root (never absolute). */
  researchLog: z
    .string()
    .refine((p) => !leavesRepository(p), { message: 'is not a repository-relative path' })
    .nullable(),
});

/** The `paper` block of a report. */
export type Paper = z.infer<typeof paperSchema>;

/** A classification prediction: the label and the normalised weight the estimator gave each label. */
export const classPredictionSchema = z.object({
  label: z.string(),
  weights: z.record(z.string(), z.number()),
});

/** Output of `iclkr kernel-regress`: the bandwidth used, per-query predictions, test metrics. */
export const kernelRegressReportSchema = defineReport('kernel-regress', {
  bandwidth: z.number().positive().nullable(),
  mode: z.enum(['classify', 'regress']),
  kernel: z.string(),
  predictions: z.union([z.array(z.number()), z.array(classPredictionSchema)]),
  /** Test metrics; null where undefined (a correlation with a constant series, since version 3), the reason in metricNotes. */
  metrics: z.record(z.string(), z.number().nullable()),
  metricNotes: z.record(z.string(), z.string()),
  /** The leave-one-out search; `skipped`: bandwidths whose loss overflowed float32 (since version 3). */
  loo: z.object({ grid: z.array(z.number()), losses: z.array(z.number()), search: z.string(), skipped: z.array(z.number()) }).nullable(),
});

/** The typed form of a kernel-regress report. */
export type KernelRegressReport = z.infer<typeof kernelRegressReportSchema>;

/** A 95% interval [low, high]. */
const interval = z.tuple([z.number(), z.number()]);

/** Distances and accuracies of one estimator form at one n, with 95% intervals over prompts. */
export const convergenceStatsSchema = z.object({
  l1: z.number(),
  tv: z.number(),
  kl: z.number(),
  accVsBayes: z.number(),
  accVsLabel: z.number(),
  ci: z.object({ l1: interval, tv: interval, kl: interval, accVsBayes: interval, accVsLabel: interval }),
});

/** One row of the convergence table: n demonstrations, the normalised estimator, the 1/n form, and Bayes itself. */
export const convergenceRowSchema = convergenceStatsSchema.extend({
  n: z.number().int().nonnegative(),
  /** The theorem's unnormalised (1/n) sum_i K(x_i, x) e(y_i), scored the same way. */
  unnormalized: convergenceStatsSchema,
  /** Accuracy of the Bayes argmax against the sampled label (the ceiling). */
  bayesAccVsLabel: z.number(),
  /** Accuracy against the Bayes argmax of the plain label vote (K = 1): what the labels say without any kernel. */
  voteAccVsBayes: z.number(),
  /** Prompts left out because they have probability 0 under every in-distribution task. */
  excluded: z.number().int().nonnegative(),
});

/** Output of `iclkr simulate`: the paper's Table 3 experiment on a world. */
export const simulateReportSchema = defineReport('simulate', {
  world: z.string(),
  rows: z.array(convergenceRowSchema),
  /** Every choice made: distance definitions, input length, Sigma samples, ridge, kernel, mode. */
  settings: z.record(z.string(), z.unknown()),
  /** Estimates of the bound's eta = sup ||T_x||_F and eps_theta per task (null where not computed). */
  bounds: z.object({ eta: z.number().nullable(), epsTheta: z.array(z.number()).nullable() }),
  seconds: z.number().nonnegative(),
  /** The paper's Table 3 beside our rows (null in reports written before it was recorded). */
  paper: paperSchema.nullable(),
});

/** One row of the convergence table. */
export type ConvergenceRow = z.infer<typeof convergenceRowSchema>;
/** Distances and accuracies of one estimator form. */
export type ConvergenceStats = z.infer<typeof convergenceStatsSchema>;
/** The typed form of a simulate report. */
export type SimulateReport = z.infer<typeof simulateReportSchema>;

/** One row of the in-context evaluation: a model against the label, exact Bayes and two baselines at n demonstrations of length k. */
export const iclRowSchema = z.object({
  n: z.number().int().nonnegative(),
  k: z.number().int().positive(),
  ood: z.boolean(),
  prompts: z.number().int().positive(),
  /** The model's argmax (over the label tokens where the world has labels) against the sampled label. */
  accuracy: z.number(),
  /** The exact Bayesian predictive's argmax against the sampled label. */
  bayesAccuracy: z.number(),
  /** How often the model's argmax equals Bayes's. */
  agreementWithBayes: z.number(),
  /** Majority label of the demonstrations (ties broken at random; n = 0 guesses). */
  majorityAccuracy: z.number().nullable(),
  /** Majority over the demonstrations of x_test's class (else all of them); null where the world has no classes. */
  oracleAccuracy: z.number().nullable(),
  /** Mean KL(Bayes || model) in nats over the scored tokens. */
  klFromBayes: z.number(),
  /** 95% interval of the accuracy over prompts. */
  accuracyCi: interval,
});

/** Output of `iclkr icl` (and the quick probes of `iclkr pretrain`). */
export const iclReportSchema = defineReport('icl', {
  world: z.string(),
  model: z.string(),
  rows: z.array(iclRowSchema),
  /** What Bayes-optimal means here and how the model compares (null in reports written before it was recorded). */
  paper: paperSchema.nullable(),
});

/** One row of an ICL evaluation. */
export type IclRow = z.infer<typeof iclRowSchema>;
/** The typed form of an icl report. */
export type IclReport = z.infer<typeof iclReportSchema>;

/** Agreement with the model's prediction and accuracy against the gold label. */
const scoreSchema = z.object({ agreement: z.number(), accuracy: z.number() });

/** A correlation averaged over prompts (null where no prompt defines it). */
const correlationSchema = z.object({ pearson: z.number().nullable(), spearman: z.number().nullable() });

/** Where a head's a_i is read: [x_i, y_i] (the paper's), y_i alone, or the whole line with its delimiter. */
const voteVariantSchema = z.enum(['span', 'label', 'line']);

/** One head's scores in one variant of a_i. */
const variantScoresSchema = z.object({
  /** The vote argmax_y sum_i a_i e(y_i) against the model's prediction and the gold label. */
  agreement: z.number(),
  accuracy: z.number(),
  /** Pearson over demonstrations of a_i with the world's true kernel K(x_test, x_i), per-prompt mean; null for text. */
  kernelCorrelation: z.number().nullable(),
  /** Mean total variation and KL(model || vote) between the model's label distribution and the normalised vote. */
  tv: z.number(),
  kl: z.number(),
  /** a_i against the model's own similarity P(o | x_test)^T P(o | x_i). */
  outputCorrelation: correlationSchema,
  /** a_i against each true kernel of the world, by name. */
  trueCorrelation: z.record(z.string(), correlationSchema),
  /** The same vote's agreement and accuracy on the held-out prompts only (null in reports written before it was recorded). */
  heldOut: scoreSchema.nullable(),
});

/** One head of the probing report: the span variant's scores at the top level, every variant's under `variants`. */
export const probeHeadSchema = variantScoresSchema.extend({
  layer: z.number().int().nonnegative(),
  head: z.number().int().nonnegative(),
  variants: z.object({ span: variantScoresSchema, label: variantScoresSchema, line: variantScoresSchema }),
});

/** The head chosen on the selection prompts in one variant, scored on the held-out prompts. */
const bestHeadSchema = z.object({
  layer: z.number().int().nonnegative(),
  head: z.number().int().nonnegative(),
  variant: voteVariantSchema,
  selectionAgreement: z.number(),
  selectionAccuracy: z.number(),
  heldOutAgreement: z.number(),
  heldOutAccuracy: z.number(),
  kernelCorrelation: z.number().nullable(),
});

/** Held-out accuracy per offset of one head's key or value probe. */
const probeAccuracySchema = z.object({
  examples: z.number().int().nonnegative(),
  /** Share of the most frequent target: the accuracy of always guessing it. */
  chance: z.number(),
  heads: z.array(z.object({ layer: z.number().int(), head: z.number().int(), accuracy: z.array(z.number()), lambda: z.array(z.number()) })),
});

/** A half-open token range [start, end) of one kind of a prompt's text; `line` is the demonstration index (n for the query line). */
const promptSegmentSchema = z.object({
  kind: z.enum(['literal', 'x', 'y', 'delimiter', 'query']),
  line: z.number().int().nonnegative(),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
});

/** One held-out prompt as the model saw it, for the web app's head view: its tokens, their spans and every head's final-position attention. */
export const probeSampleSchema = z.object({
  /** The prompt's index among the probed prompts (always a held-out one). */
  prompt: z.number().int().nonnegative(),
  /** The prompt's token ids, and each token's text decoded alone (a world's tokens: the id). */
  ids: z.array(z.number().int().nonnegative()),
  tokens: z.array(z.string()),
  /** Segments tiling [0, ids.length) in order: template text, each x_i, y_i and delimiter, and x_test. */
  segments: z.array(promptSegmentSchema),
  /** The label id of each demonstration, and of the query's gold label. */
  labels: z.array(z.number().int().nonnegative()),
  gold: z.number().int().nonnegative(),
  /** The model's next-token distribution over the label words at the final position (renormalised). */
  model: z.array(z.number()),
  /** The final position's attention per [layer][head][position] over the prompt's positions (6 significant digits). */
  attention: z.array(z.array(z.array(z.number()))),
});

/** One held-out prompt of a probe report. */
export type ProbeSample = z.infer<typeof probeSampleSchema>;

/** Output of `iclkr probe`: the paper's attention analyses on one model and one prompt source. */
export const probeReportSchema = defineReport('probe', {
  model: z.string(),
  /** The world (preset or file) or the text data the prompts came from. */
  source: z.string(),
  shots: z.number().int().positive(),
  prompts: z.number().int().positive(),
  labels: z.array(z.string()),
  /** The model's ICL accuracy (argmax over the label words). */
  modelAccuracy: z.number(),
  majority: scoreSchema,
  oracle: scoreSchema.nullable(),
  /** The best head of the paper's span variant. */
  bestHead: bestHeadSchema,
  /** The best head of every variant, chosen on the same selection prompts. */
  bestByVariant: z.object({ span: bestHeadSchema, label: bestHeadSchema, line: bestHeadSchema }),
  /** The model and the baselines on the held-out prompts, beside bestHead. */
  heldOut: z.object({
    prompts: z.number().int().positive(),
    modelAccuracy: z.number(),
    majority: scoreSchema,
    oracle: scoreSchema.nullable(),
  }),
  heads: z.array(probeHeadSchema),
  /** The true kernel behind `kernelCorrelation` (null for text). */
  kernel: z.string().nullable(),
  /** Explicit kernel-regression votes on the same prompts, on all and on the held-out prompts. */
  baselines: z.array(z.object({ name: z.string(), description: z.string(), all: scoreSchema, heldOut: scoreSchema })),
  /** Mean final-position attention per [layer][head][cell]; inputs resampled to `resolution` cells. */
  attentionMap: z.object({
    resolution: z.number().int().positive(),
    cells: z.array(z.object({ kind: z.string(), line: z.number().int(), offset: z.number().int() })),
    values: z.array(z.array(z.array(z.number()))),
  }),
  /** Ridge probes at offsets around each label position: keys predict argmax_o P(o | x_i) (and x_i's class), values predict y_i. */
  probes: z.object({
    offsets: z.array(z.number().int()),
    /** Keys predicting argmax_o P(o | x_i) (null where the inputs were not run alone). */
    keys: probeAccuracySchema.nullable(),
    /** Values predicting y_i (null without saved keys and values). */
    values: probeAccuracySchema.nullable(),
    /** Keys predicting x_i's input class, in worlds with classes (else null). */
    keyClasses: probeAccuracySchema.nullable(),
  }),
  /** GPT-J's best head and the journal version's Table 2 beside ours (null in reports written before it was recorded). */
  paper: paperSchema.nullable(),
  /** A bounded sample of held-out prompts with every head's attention (`--sample-prompts`; empty in reports before version 3). */
  samples: z.array(probeSampleSchema),
});

/** One head of a probe report. */
export type ProbeHead = z.infer<typeof probeHeadSchema>;
/** The typed form of a probe report. */
export type ProbeReport = z.infer<typeof probeReportSchema>;

/** One evaluation of `iclkr pretrain`: losses, optimiser state, speed and the quick ICL probe at a step. */
export const pretrainLogEntrySchema = z.object({
  step: z.number(),
  tokens: z.number(),
  /** Mean training loss over the steps since the previous entry. */
  loss: z.number(),
  /** Loss on the fixed validation batches. */
  valLoss: z.number(),
  lr: z.number(),
  gradNorm: z.number(),
  tokensPerSecond: z.number(),
  /** Wall-clock seconds of training so far (this run and the ones it resumed). */
  seconds: z.number(),
  /** The quick ICL probe: the model's accuracy and the baselines per n. */
  icl: z.array(iclRowSchema.pick({ n: true, accuracy: true, majorityAccuracy: true, oracleAccuracy: true, bayesAccuracy: true })),
});

/** Output of `iclkr pretrain`: the world, the model's config, the recipe and the training log. */
export const pretrainReportSchema = defineReport('pretrain', {
  world: z.string(),
  modelConfig: z.record(z.string(), z.unknown()),
  recipe: z.record(z.string(), z.unknown()),
  /** True when the run was interrupted before its last step (the checkpoint is complete). */
  stopped: z.boolean(),
  entries: z.array(pretrainLogEntrySchema),
  /** What the paper has to compare with, if anything (it does not pre-train on a CPU). */
  paper: paperSchema.nullable(),
});

/** One entry of a pretrain report's log. */
export type PretrainLogEntry = z.infer<typeof pretrainLogEntrySchema>;
/** The typed form of a pretrain report. */
export type PretrainReport = z.infer<typeof pretrainReportSchema>;

/** One number of an experiment across seeds: its value per seed (null where a seed has none), mean, least and greatest. */
export const seedAggregateSchema = z.object({
  /** Which row it belongs to, e.g. `n = 8` or `in-distribution, k = 1, n = 8`. */
  key: z.string(),
  /** What it measures, e.g. `accuracy vs Bayes argmax`. */
  metric: z.string(),
  perSeed: z.array(z.number().nullable()),
  mean: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
});

/** One experiment (simulate, icl or probe) run on several seeds: each seed's own report, and every number's mean and range across seeds. */
export const seedsReportSchema = defineReport('seeds', {
  experiment: z.enum(['simulate', 'icl', 'probe']),
  seeds: z.array(z.number().int().nonnegative()),
  /** Each seed's report, in the order of `seeds` (their intervals are over that seed's prompts). */
  reports: z.array(z.union([simulateReportSchema, iclReportSchema, probeReportSchema])),
  aggregate: z.array(seedAggregateSchema),
  /** In words, what the per-seed intervals and the across-seed ranges cover. */
  coverage: z.string(),
});

/** One number across seeds. */
export type SeedAggregate = z.infer<typeof seedAggregateSchema>;
/** The typed form of a seeds report. */
export type SeedsReport = z.infer<typeof seedsReportSchema>;

/** One row of a retriever comparison: a method's accuracy with n demonstrations chosen by a strategy. */
export const compareRetrieversRowSchema = z.object({
  strategy: z.string(),
  /** `icl` for the model's in-context prediction; else the kernel-regression classifier or baseline. */
  method: z.string(),
  n: z.number().int().nonnegative(),
  /** Prompts scored (over every seed). */
  prompts: z.number().int().positive(),
  accuracy: z.number(),
  /** 95% Wilson interval of the accuracy over the prompts. */
  ci: interval,
  /** The accuracy per seed, in the order of the report's seeds. */
  perSeed: z.array(z.number()),
});

/** Output of `iclkr compare-retrievers`: ICL accuracy per strategy x n beside kernel regression over the same demonstrations. */
export const compareRetrieversReportSchema = defineReport('compare-retrievers', {
  model: z.string(),
  /** The world or the data set, in words. */
  source: z.string(),
  /** `world`: each prompt's pool is drawn from its own task; `text`: one pool for every query. */
  sourceKind: z.enum(['world', 'text']),
  labels: z.array(z.string()),
  seeds: z.array(z.number().int()),
  strategies: z.array(z.string()),
  shots: z.array(z.number().int().nonnegative()),
  methods: z.array(z.object({ name: z.string(), description: z.string() })),
  /** Pool size: demonstrations per prompt (world) or in the shared pool (text). */
  pool: z.number().int().positive(),
  /** The layer whose mean-pooled hidden states hidden-knn and nw-hidden read. */
  layer: z.number().int().nonnegative(),
  /** The head attention-kernel and the head method read, and how it was chosen. */
  head: z
    .object({
      layer: z.number().int().nonnegative(),
      head: z.number().int().nonnegative(),
      keyPosition: z.enum(['label', 'delimiter']),
      variant: z.string(),
      /** `given` (--head) or `probe` (the probe's choice on its selection split). */
      chosenBy: z.enum(['given', 'probe']),
      /** The probe's scores of the head (null when given). */
      probe: z
        .object({
          prompts: z.number().int().positive(),
          shots: z.number().int().positive(),
          selection: z.object({ agreement: z.number(), accuracy: z.number() }),
          heldOut: z.object({ agreement: z.number(), accuracy: z.number() }),
        })
        .nullable(),
    })
    .nullable(),
  rows: z.array(compareRetrieversRowSchema),
  paper: paperSchema.nullable(),
});

/** One row of a compare-retrievers report. */
export type CompareRetrieversRow = z.infer<typeof compareRetrieversRowSchema>;
/** The typed form of a compare-retrievers report. */
export type CompareRetrieversReport = z.infer<typeof compareRetrieversReportSchema>;

/** One head of an ablation: the model with that head alone ablated. */
export const ablationRowSchema = z.object({
  layer: z.number().int().nonnegative(),
  head: z.number().int().nonnegative(),
  /** ICL accuracy against the sampled label. */
  accuracy: z.number(),
  /** How often the ablated model's prediction equals its own unablated prediction. */
  agreement: z.number(),
  /** The unablated accuracy minus this accuracy (positive: the head helps). */
  drop: z.number(),
});

/** One attention knock-out of the selected head: its final-position attention to some demonstrations removed. */
export const ablationKnockoutSchema = z.object({
  /**
   * Worlds: `same-class`, to the demonstrations of x_test's class; `other-class`, the same mass from the other demonstrations.
   * Text: `most-attended`, to the demonstrations it attends to most; `least-attended`, the same mass from the least-attended.
   */
  target: z.string(),
  accuracy: z.number(),
  agreement: z.number(),
  drop: z.number(),
  /** The head's attention mass removed, averaged over prompts. */
  removedMass: z.number(),
});

/** Output of `iclkr ablate`: per-head ablation and the selected head's attention knock-out on task-world or text prompts. */
export const ablationReportSchema = defineReport('ablation', {
  model: z.string(),
  /** Where the prompts come from, in words: a world, or the text data with its demonstration pool and template. */
  source: z.string(),
  /** The task world's name; null on text. */
  world: z.string().nullable(),
  shots: z.number().int().nonnegative(),
  /** Input length k in a world; null on text. */
  length: z.number().int().positive().nullable(),
  prompts: z.number().int().positive(),
  /** `mean`: the head's output replaced by its mean over a reference batch; `zero`: by zeros. */
  mode: z.enum(['mean', 'zero']),
  /** Prompts of the mean's reference batch (0 for zero-ablation). */
  referencePrompts: z.number().int().nonnegative(),
  /** The unablated model. */
  baseline: z.object({ accuracy: z.number() }),
  /** The demonstrations' majority label. */
  majority: z.object({ accuracy: z.number() }),
  rows: z.array(ablationRowSchema),
  /** The head `iclkr probe` selects on its selection split (same prompts, seed and split). */
  selected: z.object({ layer: z.number().int(), head: z.number().int(), variant: z.string(), selectionAgreement: z.number() }),
  /** Empty where a world's inputs have no classes. */
  knockout: z.array(ablationKnockoutSchema),
  /** Sentences: what the numbers say (the selected head's drop against the others'). */
  notes: z.array(z.string()),
  paper: paperSchema.nullable(),
});

/** One head's row of an ablation report. */
export type AblationRow = z.infer<typeof ablationRowSchema>;
/** One knock-out of an ablation report. */
export type AblationKnockout = z.infer<typeof ablationKnockoutSchema>;
/** The typed form of an ablation report. */
export type AblationReport = z.infer<typeof ablationReportSchema>;

/** One of our numbers beside the paper's in a reproduce report: the mean over seeds with its range where several seeds ran. */
export const reproduceSummaryRowSchema = z.object({
  section: z.string(),
  quantity: z.string(),
  paper: z.number(),
  ours: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  note: z.string().nullable(),
});

/** Output of `iclkr reproduce`: every experiment of the paper on the built-in defaults, each its own report, ours beside the paper's. */
export const reproduceReportSchema = defineReport('reproduce', {
  quick: z.boolean(),
  seeds: z.array(z.number().int().nonnegative()),
  sections: z.array(
    z.object({
      name: z.string(),
      title: z.string(),
      report: z.union([
        simulateReportSchema,
        iclReportSchema,
        probeReportSchema,
        seedsReportSchema,
        compareRetrieversReportSchema,
        ablationReportSchema,
      ]),
    }),
  ),
  summary: z.array(reproduceSummaryRowSchema),
  /** Per section, what differs from the paper's setting (from its paper block). */
  differs: z.array(z.object({ section: z.string(), text: z.string() })),
});

/** One row of a reproduce report's comparison with the paper. */
export type ReproduceSummaryRow = z.infer<typeof reproduceSummaryRowSchema>;
/** The typed form of a reproduce report. */
export type ReproduceReport = z.infer<typeof reproduceReportSchema>;

/** What every insights report shares: the model, where its prompts came from, and the classes' names. */
const insightsCommon = {
  model: z.string(),
  /** The prompts' source in words: a world, or text data with its demonstration pool and template. */
  source: z.string(),
  mode: z.enum(['world', 'text']),
  /** The classes' natural names (a world's label tokens, or the text's label words), in class order. */
  labels: z.array(z.string()),
  /** The paper's claim beside what we measured (SPEC §4). */
  paper: paperSchema,
};

/**
 * The best head of a set of prompts with its held-out scores: the head and the reading of a_i (`span` [x_i, y_i], the
 * paper's; `label` y_i; `line` [x_i, delimiter]) with the best agreement on their selection split, as probe scores them.
 */
export const insightsHeadSchema = z.object({
  layer: z.number().int().nonnegative(),
  head: z.number().int().nonnegative(),
  variant: z.enum(['span', 'label', 'line']),
  heldOutAgreement: z.number(),
  heldOutAccuracy: z.number(),
});

/** One label-word variant of the format experiment. */
export const insightsVariantSchema = z.object({
  name: z.string(),
  description: z.string(),
  /** The word or token of each class in this variant (null where it is chosen per prompt). */
  labels: z.array(z.string()).nullable(),
});

/** One row of the format experiment: a variant at n demonstrations. */
export const insightsFormatRowSchema = z.object({
  variant: z.string(),
  n: z.number().int().positive(),
  prompts: z.number().int().positive(),
  /** The model's argmax over the variant's label tokens against the gold label in that variant's label space. */
  accuracy: z.number(),
  accuracyCi: interval,
  /** The best head's vote agreement with the model, on the held-out prompts (null where no head could be chosen). */
  headAgreement: z.number().nullable(),
  head: insightsHeadSchema.nullable(),
});

/** One row of the OOD experiment on a world: one task at n demonstrations, beside the theory's bias term. */
export const insightsTaskRowSchema = z.object({
  task: z.number().int().nonnegative(),
  name: z.string(),
  /** True for a task out of the pre-training distribution (prior 0), false for an in-distribution reference task. */
  ood: z.boolean(),
  n: z.number().int().positive(),
  prompts: z.number().int().positive(),
  accuracy: z.number(),
  accuracyCi: interval,
  /**
   * The bound's eps_theta = ||Sigma_theta - Sigma||_F / ||Sigma||_F: exactly 0 where every task draws x alike, else its
   * Monte Carlo estimate (null where the theorem's kernel does not fit).
   */
  epsTheta: z.number().nullable(),
  /** The bias term eta^2 eps_theta. */
  bias: z.number().nullable(),
});

/** One row of the OOD experiment on text: typo noise at `rate` on the queries, at n demonstrations. */
export const insightsTypoRowSchema = z.object({
  rate: z.number().min(0).max(1),
  /** The edits made per eligible character of the queries (letters and digits), as applied. */
  editRate: z.number(),
  n: z.number().int().positive(),
  prompts: z.number().int().positive(),
  accuracy: z.number(),
  accuracyCi: interval,
});

/** One row of the order experiment: n demonstrations, each prompt run in several orders. */
export const insightsOrderRowSchema = z.object({
  n: z.number().int().positive(),
  prompts: z.number().int().positive(),
  /** Orders run per prompt: min(--permutations, n!), the given order first. */
  permutations: z.number().int().positive(),
  /** The model's accuracy in the given (unpermuted) order, and over every order run. */
  accuracy: z.number(),
  accuracyCi: interval,
  permutedAccuracy: z.number(),
  /** Share of prompts whose prediction differs in some order from the given order's. */
  predictionChange: z.number(),
  predictionChangeCi: interval,
  /** Mean over prompts of max - min of the gold label's probability across orders. */
  spread: z.number(),
  spreadCi: interval,
  /** Mean over prompts of the standard deviation of the gold label's probability across orders. */
  spreadSd: z.number(),
  spreadSdCi: interval,
  /** The best head (chosen on the given orders' selection split); the share of prompts whose head vote changes across orders. */
  head: insightsHeadSchema.nullable(),
  headVoteChange: z.number().nullable(),
  headVoteChangeCi: interval.nullable(),
  /** Mean over prompts of max - min of the gold label's share of the head's normalised vote across orders. */
  headSpread: z.number().nullable(),
  headSpreadCi: interval.nullable(),
});

/** Output of `iclkr insights format|ood|order`: the paper's practical insights (SPEC §4) measured on a model. */
export const insightsReportSchema = z.discriminatedUnion('experiment', [
  defineReport('insights', {
    experiment: z.literal('format'),
    ...insightsCommon,
    variants: z.array(insightsVariantSchema),
    /** 1 / the number of classes: a uniform guess's accuracy. */
    chance: z.number(),
    rows: z.array(insightsFormatRowSchema),
  }),
  defineReport('insights', {
    experiment: z.literal('ood'),
    ...insightsCommon,
    /** The bound's eta = sup ||T_x||_F (world prompts where the theorem's kernel fits; else null). */
    eta: z.number().nullable(),
    /** How eps_theta was estimated, or why it was not (null on text). */
    boundsNote: z.string().nullable(),
    /**
     * True where every task draws x from the same distribution (same start, emissions and input-state transitions), so
     * Sigma_theta = Sigma and eps_theta = 0 exactly: the estimates are then sampling noise (null on text).
     */
    sameInputs: z.boolean().nullable(),
    /**
     * Where sameInputs: the Monte Carlo estimate of eps_theta (the rows then hold the exact 0), the same for every task on
     * the same draws; its size is the estimator's bias at these sample counts. Null otherwise.
     */
    epsEstimate: z.number().nullable(),
    rows: z.union([z.array(insightsTaskRowSchema), z.array(insightsTypoRowSchema)]),
  }),
  defineReport('insights', {
    experiment: z.literal('order'),
    ...insightsCommon,
    rows: z.array(insightsOrderRowSchema),
  }),
]);

/** One row of an insights report's format experiment. */
export type InsightsFormatRow = z.infer<typeof insightsFormatRowSchema>;
/** One task row of an insights report's OOD experiment on a world. */
export type InsightsTaskRow = z.infer<typeof insightsTaskRowSchema>;
/** One typo-rate row of an insights report's OOD experiment on text. */
export type InsightsTypoRow = z.infer<typeof insightsTypoRowSchema>;
/** One row of an insights report's order experiment. */
export type InsightsOrderRow = z.infer<typeof insightsOrderRowSchema>;
/** The best head of an insights row. */
export type InsightsHead = z.infer<typeof insightsHeadSchema>;
/** The typed form of an insights report (any of its three experiments). */
export type InsightsReport = z.infer<typeof insightsReportSchema>;

/** The current schema of each report kind. */
export const REPORT_SCHEMAS = {
  'kernel-regress': kernelRegressReportSchema,
  simulate: simulateReportSchema,
  icl: iclReportSchema,
  probe: probeReportSchema,
  pretrain: pretrainReportSchema,
  seeds: seedsReportSchema,
  reproduce: reproduceReportSchema,
  insights: insightsReportSchema,
  'compare-retrievers': compareRetrieversReportSchema,
  ablation: ablationReportSchema,
} as const satisfies Record<ReportKind, z.ZodType>;

/** The typed form of a report of kind `K`. */
export type ReportOf<K extends ReportKind> = z.infer<(typeof REPORT_SCHEMAS)[K]>;

/** Any report iclkr writes, told apart by `meta.kind`. */
export type AnyReport = { [K in ReportKind]: ReportOf<K> }[ReportKind];
