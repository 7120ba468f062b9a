/**
 * @iclkr/experiments — the paper's experiments, each one function from typed settings to a typed
 * report, and one Vega-Lite spec per figure. Everything here also runs in a browser (a Web
 * Worker); file writing is in `@iclkr/experiments/node`.
 */

/** The io an experiment talks through: progress, an AbortSignal and a log. */
export { type ExperimentIo, silentIo } from './io.js';
/** Report provenance: the run context (backend, command line, git commit), the meta block, and cancellation. */
export { ExperimentAborted, libraryRun, type RunContext, reportMeta, throwIfAborted } from './meta.js';
/** The kernel-regression demo on seeded synthetic problems. */
export { type DemoRow, type DemoSettings, runDemo } from './demo.js';
/** Nadaraya-Watson from a training table to a test table, as a kernel-regress report. */
export { runKernelRegress } from './kernel-regress.js';
/** Table 3: the kernel estimator against the exact Bayesian predictive on a world, as a simulate report. */
export { runSimulate, type SimulateSettings } from './simulate.js';
/** A model's in-context accuracy against the label, exact Bayes, the majority label and the same-class oracle, per (n, k). */
export { checkPromptsFit, evaluateIcl, type IclSettings, promptLength, taskPool } from './icl/evaluate.js';
/** The in-context evaluation as an icl report. */
export { type IclRunSettings, runIcl } from './icl/run.js';
/** The insight experiments (SPEC §4: label format, OOD inputs, demonstration order) as insights reports. */
export {
  INSIGHTS_DEFAULTS,
  INSIGHTS_EXPERIMENTS,
  type InsightsExperiment,
  type InsightsRunSettings,
  runInsights,
} from './insights/run.js';
/** The insight experiments' prompts: a world's or text, drawn once and laid out with chosen labels, order and query. */
export { type BasePrompt, type PromptSpace, type TextPromptInput, TextPrompts, WorldPrompts } from './insights/prompts.js';
/** Their perturbations: the label derangement, seeded typo noise, and the orders a prompt's demonstrations run in. */
export { checkTypoRate, demonstrationOrders, derangement, factorial, type TypoResult, typoNoise } from './insights/noise.js';
/** Their model pass: label distributions and final-position attention rows of laid-out prompts, and every head's vote. */
export { headVotes, type LaidOutPrompt, type PromptScore, scorePrompts } from './insights/score.js';
/** The variants of the format experiment and the typo rates of the OOD one. */
export { TEXT_FORMAT_VARIANTS, UNRELATED_WORDS, WORLD_FORMAT_VARIANTS } from './insights/format.js';
export { DEFAULT_TYPO_RATES, inputsShareDistribution } from './insights/ood.js';
/** The orders each prompt of a draw runs in (seeded per prompt). */
export { promptOrders } from './insights/order.js';
/** The insights reports' paper blocks: the paper's SST-2 rewrites and the kernel view's predictions beside ours. */
export { formatPaper, INSIGHTS_RESEARCH_LOG, oodPaper, orderPaper, PAPER_REWRITES } from './insights/paper.js';
/** The world a model folder records. */
export { checkWorldVocabulary, modelWorld } from './world.js';
/** Probing prompts from a task world, with the world's true kernels (theorem, belief). */
export { TRUE_KERNELS, trueKernelNames, worldLabels, worldPrompts, type WorldPromptSettings } from './probe/world-prompts.js';
/** Probing prompts from text: queries, demonstrations from a pool, a template and label words. */
export {
  type ChooseDemonstrations,
  checkTextData,
  labelTokens,
  labelWords,
  type TextPromptSettings,
  textPrompts,
} from './probe/text-prompts.js';
/** Where a probe's prompts come from (a model on world or text prompts), and the probe experiment as a report. */
export {
  type ProbeSettings,
  type ProbeSource,
  type TextProbeInput,
  type TextPromptParts,
  textProbeSource,
  worldProbeSource,
} from './probe/sources.js';
/** The probe report's body from the analyses' result. */
export { probeReportBody } from './probe/report-body.js';
/** The paper's attention analyses as a probe report. */
export { runProbe } from './probe/run.js';
/** The causal test: per-head mean/zero ablation and the probe's head's attention knock-out (same- against other-class, or most- against least-attended), as an ablation report. */
export { KNOCKOUT_TARGETS } from './ablation/knockout.js';
export { ABLATION_MODES, type AblationMode, type AblationSettings, type AblationSource, runAblation } from './ablation/run.js';
/** The ablation report's layer x head heatmaps (accuracy drop, agreement), summary and tables. */
export { ablationFigures } from './figures/ablation.js';
export { ablationSummary, ablationTables } from './present/ablation.js';
/** Demonstration choice for text prompts: the pool subset, the model's view of each text, and the chooser. */
export {
  checkVocabulary,
  DemonstrationChooser,
  demonstrationLine,
  inputTokens,
  MODEL_POOL_DEFAULT,
  modelFeatures,
  modelLikelihoods,
  needsModel,
  type RetrievalSettings,
  selectionRecord,
  type TextModel,
} from './demonstrations.js';
/** Demonstrations chosen per text query, one JSON line each. */
export { type RetrieveSettings, retrieveQueries, runRetrieve } from './retrieve.js';
/**
 * Retrieval measured by in-context accuracy (iclkr compare-retrievers): per strategy and n the
 * model's accuracy beside the head's vote, kernel regression and the baselines on the same demonstrations.
 */
export {
  type CompareRetrieversSettings,
  type CompareSource,
  HEAD_PROMPTS_DEFAULT,
  runCompareRetrievers,
  WORLD_POOL_DEFAULT,
} from './compare-retrievers/run.js';
/** The comparison's engine: a side (world or text) supplies cases, pool views and prompts; every method scores the same choices. */
export {
  COMPARE_METHODS,
  type CompareMethod,
  type ComparisonSettings,
  type ComparisonSide,
  compareOnSide,
  METHOD_DESCRIPTIONS,
  type PromptCase,
} from './compare-retrievers/engine.js';
/** The world and text sides: per-prompt pools of the prompt's own task, or one shared pool of a text file. */
export { type KeyPosition, tokenWords, trueKernelOf, worldSide, type WorldSideSettings } from './compare-retrievers/world-side.js';
export { textPoolIndices, textQueryIndices, textSide, type TextSideSettings } from './compare-retrievers/text-side.js';
/**
 * What model-based selectors read, each sequence run alone (P(o | x), mean-pooled hidden states,
 * one head's keys and scaled queries), prompts' label distributions and head rows, heads and layers checked.
 */
export {
  type AloneRequest,
  type AloneViews,
  checkHead,
  checkLayer,
  defaultLayer,
  entropy,
  type HeadChoice,
  parseHead,
  type PromptViews,
  promptViews,
  runAlone,
} from './compare-retrievers/model-views.js';
/** The head attention-kernel reads by default: the probe's choice on its selection split (world or text prompts). */
export { type ChosenHead, chooseTextHead, chooseWorldHead, variantOf } from './compare-retrievers/head.js';
/** The compare-retrievers report's paper block, summary, tables and figures. */
export { compareRetrieversPaper } from './compare-retrievers/paper.js';
export { compareRetrieversFigures, compareRetrieversSummary, compareRetrieversTables } from './compare-retrievers/present.js';
/** Pre-training recipes: the world, model and optimisation that make in-context learning emerge. */
export { RECIPE_NAMES, RECIPES, type Recipe, type RecipeName } from './pretrain/recipes.js';
/** Training batches: fresh documents of a world, or random windows of a corpus. */
export { type BatchOptions, type BatchSource, corpusBatches, worldBatches } from './pretrain/batches.js';
/** The training loop: steps, validation, the quick ICL probe, checkpoints and a clean stop. */
export { type LogEntry, type LoopOptions, type Steppable, trainLoop } from './pretrain/loop.js';
/** Pre-training as an experiment returning its log as a pretrain report. */
export { type PretrainCheckpoint, type PretrainSettings, type PretrainStart, runPretrain, type TrainingLog } from './pretrain/run.js';
/**
 * The `paper` block of each report kind: the paper's numbers beside ours (computed from the
 * report's data) and what is the same and what differs.
 */
export {
  iclPaper,
  type IclPaperInput,
  PAPER_CITATION,
  PAPER_PROBE,
  type PretrainPaperInput,
  pretrainPaper,
  type ProbePaperInput,
  probePaper,
  RESEARCH_LOGS,
  type SimulatePaperSettings,
  simulatePaper,
} from './paper.js';
/**
 * A report figure (file name, title, Vega-Lite spec), the config every figure shares, and its
 * rendering to SVG by vega (no DOM: Node or a browser).
 */
export { FIGURE_CONFIG, type Figure, renderFigureSvg } from './figures/figure.js';
/** The simulate figures: distance and accuracy against n (both estimator forms, the label vote, the paper's Table 3), with 95% bands. */
export { simulateFigures } from './figures/simulate.js';
/** The icl figure: the model's accuracy against n beside exact Bayes and the baselines, per task distribution and k. */
export { iclFigures } from './figures/icl.js';
/** The insights figures: accuracy and head agreement per label variant, accuracy per task or typo rate, order sensitivity. */
export { insightsFigures } from './figures/insights.js';
/**
 * The probe figures: layer x head heatmaps (vote agreement and accuracy, held out; correlations),
 * the attention map, the key/value probes.
 */
export { probeFigures } from './figures/probe.js';
/** The pretrain figures: the losses against steps, and the quick ICL probe's accuracy per n beside its baselines. */
export { pretrainFigures } from './figures/pretrain.js';
/** A number for people (3 significant digits, '-' for null/NaN), a value with its interval, a report table and its console text. */
export { formatInterval, formatNumber, isNumericCell, type Table, textTable } from './present/format.js';
/** The tables of each report kind, the same on the console and in the HTML page; notes say which columns are held out. */
export { iclTables, pretrainTables, probeTables, simulateTables } from './present/tables.js';
/** The insights report's title, summary and tables. */
export { insightsSummary, insightsTables, insightsTitle } from './present/insights.js';
/** The self-contained HTML page of a report: summary, tables, figures, the comparison with the paper, settings and the run. */
export { type ReportPageInput, reportHtml } from './present/html.js';
/** Any report's title, summary, tables and figures, by its kind. */
export { type Presentation, presentReport } from './present/summary.js';
/** The report kinds that have a presentation (every kind with figures). */
export type { PresentedReport } from './present/reports.js';
/** One experiment on several seeds: each seed's report and every headline number's mean and range across seeds. */
export { aggregateSeeds, runSeeds, type SeededReport, seedsPaperValue, seedsReport } from './seeds.js';
/** The paper in one run: every section's report and our numbers beside the paper's. */
export { REPRODUCE_SECTIONS, REPRODUCE_TEXT, type ReproduceSection, type ReproduceSettings, runReproduce } from './reproduce.js';
/** What the web app's playgrounds and head view show, computed here: the model on one prompt, influence, agreement, a sampled prompt's head reading. */
export {
  type Demonstration,
  headAgreement,
  type Influence,
  influence,
  type PlaygroundPrompt,
  type PromptReading,
  promptIds,
  readPrompt,
  samplePlaygroundPrompt,
} from './playground/model.js';
export { type HeadReading, readHead } from './playground/head-reading.js';
