/** The in-context evaluation as a report: a model's accuracy per (n, k) against the label, exact Bayes and two baselines. */
import { type IclReport, iclReportSchema } from '@iclkr/core';
import type { HookedModel } from '@iclkr/probing';
import type { World } from '@iclkr/theory';
import type { ExperimentIo } from '../io.js';
import { type RunContext, reportMeta, throwIfAborted } from '../meta.js';
import { iclPaper } from '../paper.js';
import { evaluateIcl, type IclSettings } from './evaluate.js';

/** What to evaluate: the model and world (loaded by the caller), their names for the report, and the grid of (n, k). */
export interface IclRunSettings extends IclSettings {
  readonly model: HookedModel;
  /** The model's name in the report (its folder). */
  readonly modelName: string;
  readonly world: World;
  /** How the world was named (a preset, a file, or the model's own), as the report's settings record it. */
  readonly worldSource: string;
}

/** Runs the evaluation (progress stage `icl`, a step per row) and returns its report. */
export function runIcl(settings: IclRunSettings, io: ExperimentIo, run: RunContext): IclReport {
  const started = performance.now();
  const { model, modelName, world, worldSource, ...grid } = settings;
  const rows = evaluateIcl(model, world, grid, (done, total) => {
    throwIfAborted(io.signal);
    io.progress(done, total, 'icl');
  });
  const body = { world: world.spec.name ?? worldSource, model: modelName, rows };
  return iclReportSchema.parse({
    meta: reportMeta('icl', run, { seed: grid.seed, settings: { model: modelName, world: worldSource, ...grid }, started }),
    ...body,
    paper: iclPaper(body),
  });
}
