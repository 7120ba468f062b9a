/** The insight experiments (SPEC §4: label format, out-of-distribution inputs, demonstration order) as insights reports. */
import { type InsightsReport, insightsReportSchema, OptionError } from '@iclkr/core';
import { THEOREM_KERNEL_DEFAULTS } from '@iclkr/theory';
import type { ExperimentIo } from '../io.js';
import { type RunContext, reportMeta } from '../meta.js';
import type { InsightsSettings } from './common.js';
import { formatExperiment } from './format.js';
import { DEFAULT_TYPO_RATES, textOodRows, worldOodRows } from './ood.js';
import { orderRows } from './order.js';
import { formatPaper, oodPaper, orderPaper } from './paper.js';
import { type TextPrompts, WorldPrompts } from './prompts.js';

/** The three insight experiments. */
export const INSIGHTS_EXPERIMENTS = ['format', 'ood', 'order'] as const;

/** One of the insight experiments. */
export type InsightsExperiment = (typeof INSIGHTS_EXPERIMENTS)[number];

/** Defaults of the experiments' own settings. */
export const INSIGHTS_DEFAULTS = {
  shots: [1, 2, 4, 8],
  orderShots: [2, 3, 4, 8],
  prompts: 200,
  selectFrac: 0.7,
  batch: 64,
  rates: DEFAULT_TYPO_RATES,
  tasks: 6,
  epsSamples: 300,
  sigmaSamples: THEOREM_KERNEL_DEFAULTS.samples,
  permutations: 24,
} as const;

/** What to run: the experiment, its prompts (a world's or text), the shared numbers and the experiment's own. */
export interface InsightsRunSettings extends InsightsSettings {
  readonly experiment: InsightsExperiment;
  readonly source: WorldPrompts | TextPrompts;
  /** The model's name in the report (its folder). */
  readonly modelName: string;
  /** OOD on text: typo rates in [0, 1]. */
  readonly rates?: readonly number[];
  /** OOD in a world: out-of-distribution tasks scored (and as many in-distribution ones), and eps_theta's samples. */
  readonly tasks?: number;
  readonly epsSamples?: number;
  readonly sigmaSamples?: number;
  /** Order: orders per prompt, at most. */
  readonly permutations?: number;
  /** Settings the caller adds to the report's meta (e.g. the world or data files it named). */
  readonly recorded?: Readonly<Record<string, unknown>>;
}

/** Runs one insight experiment (progress stages `format`, `ood` with `sigma` and `eps_theta`, or `order`) and returns its report. */
export function runInsights(settings: InsightsRunSettings, io: ExperimentIo, run: RunContext): InsightsReport {
  const started = performance.now();
  const { experiment, source: space, modelName, recorded, ...numbers } = settings;
  const bad = numbers.shots.find((n) => !Number.isInteger(n) || n < 1);
  if (bad !== undefined || numbers.shots.length === 0)
    throw new OptionError(`--shots ${numbers.shots.join(',')} needs every n >= 1`, 'pass --shots 1,2,4,8 or other positive counts');
  const common = { model: modelName, source: space.source, mode: space.mode, labels: [...space.names] };
  const meta = (extra: Record<string, unknown>) =>
    reportMeta('insights', run, {
      seed: numbers.seed,
      settings: { experiment, model: modelName, source: space.source, ...recorded, ...numbers, ...extra },
      started,
    });
  if (experiment === 'format') {
    const { variants, rows } = formatExperiment(space, numbers, io);
    const body = { experiment, ...common, variants, chance: 1 / space.classes, rows } as const;
    return insightsReportSchema.parse({ meta: meta({}), ...body, paper: formatPaper(body) });
  }
  if (experiment === 'ood') {
    if (space instanceof WorldPrompts) {
      const extra = {
        tasks: settings.tasks ?? INSIGHTS_DEFAULTS.tasks,
        epsSamples: settings.epsSamples ?? INSIGHTS_DEFAULTS.epsSamples,
        sigmaSamples: settings.sigmaSamples ?? INSIGHTS_DEFAULTS.sigmaSamples,
      };
      const { rows, eta, boundsNote, sameInputs, epsEstimate } = worldOodRows(space, { ...numbers, ...extra }, io);
      const body = { experiment, ...common, eta, boundsNote, sameInputs, epsEstimate, rows } as const;
      return insightsReportSchema.parse({ meta: meta(extra), ...body, paper: oodPaper(body) });
    }
    const rates = [...(settings.rates ?? INSIGHTS_DEFAULTS.rates)];
    const rows = textOodRows(space, { ...numbers, rates }, io);
    const body = { experiment, ...common, eta: null, boundsNote: null, sameInputs: null, epsEstimate: null, rows } as const;
    return insightsReportSchema.parse({ meta: meta({ rates }), ...body, paper: oodPaper(body) });
  }
  const permutations = settings.permutations ?? INSIGHTS_DEFAULTS.permutations;
  const rows =
    space instanceof WorldPrompts ? orderRows(space, { ...numbers, permutations }, io) : orderRows(space, { ...numbers, permutations }, io);
  const body = { experiment, ...common, rows } as const;
  return insightsReportSchema.parse({ meta: meta({ permutations }), ...body, paper: orderPaper(body) });
}
