/** Nadaraya-Watson from a training table to a test table, as a report. */
import { type KernelRegressReport, kernelRegressReportSchema, type NumericTable } from '@iclkr/core';
import { type KernelRegressionSettings, kernelRegression } from '@iclkr/kernels';
import type { ExperimentIo } from './io.js';
import { type RunContext, reportMeta } from './meta.js';

/** Runs the regression (progress stages `loo` and `predict`); `sources` names the tables in the report's settings. */
export function runKernelRegress(
  train: NumericTable,
  test: NumericTable,
  settings: Omit<KernelRegressionSettings, 'onProgress'>,
  sources: { readonly train: string; readonly test: string },
  io: ExperimentIo,
  run: RunContext,
): KernelRegressReport {
  const started = performance.now();
  const result = kernelRegression(train, test, {
    ...settings,
    onProgress: (stage, done, total) => io.progress(done, total, stage === 'loo' ? 'leave-one-out' : stage),
  });
  return kernelRegressReportSchema.parse({
    meta: reportMeta('kernel-regress', run, {
      seed: null,
      settings: { ...sources, target: train.targetName, ...settings, mode: result.mode },
      started,
    }),
    kernel: settings.kernel,
    ...result,
  });
}
