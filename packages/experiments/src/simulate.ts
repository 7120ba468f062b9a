/** The paper's Table 3 experiment as a report: the kernel estimator against the exact Bayesian predictive on a world. */
import { type SimulateReport, simulateReportSchema } from '@iclkr/core';
import { type ConvergenceSettings, runConvergence, type World } from '@iclkr/theory';
import type { ExperimentIo } from './io.js';
import { simulatePaper } from './paper.js';
import { type RunContext, reportMeta, throwIfAborted } from './meta.js';

/** What to simulate: the world (built or loaded by the caller), where it came from, and the experiment's settings. */
export interface SimulateSettings extends ConvergenceSettings {
  readonly world: World;
  /** Where the world came from, as the report's settings record it: `{ preset, param? }` or `{ world: path }`. */
  readonly source: { readonly preset?: string; readonly param?: Readonly<Record<string, unknown>>; readonly world?: string };
}

/** Runs the convergence experiment (progress stages `Sigma` and `prompts`; each row of n to `onRow` when done) and returns its report. */
export function runSimulate(
  settings: SimulateSettings,
  io: ExperimentIo,
  run: RunContext,
  onRow?: (row: SimulateReport['rows'][number]) => void,
): SimulateReport {
  const started = performance.now();
  const { world, source, ...convergence } = settings;
  throwIfAborted(io.signal);
  const result = runConvergence(
    world,
    convergence,
    (stage, done, total) => {
      throwIfAborted(io.signal);
      io.progress(done, total, stage);
    },
    onRow,
  );
  return simulateReportSchema.parse({
    meta: reportMeta('simulate', run, { seed: settings.seed, settings: { ...source, ...convergence }, started }),
    world: world.spec.name ?? source.preset ?? source.world ?? 'world',
    ...result,
    settings: { ...result.settings, ...(world.spec.generator ? { generator: world.spec.generator } : {}) },
    paper: simulatePaper(result.rows, {
      ...source,
      kernel: String(result.settings.kernel),
      inputLength: Number(result.settings.inputLength),
      prompts: settings.prompts,
      ood: settings.ood,
    }),
  });
}
