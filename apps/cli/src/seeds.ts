/** Running one experiment on each of several seeds (`--seeds`), or on the one `--seed`. */
import { OptionError } from '@iclkr/core';
import { type RunContext, type SeededReport, seedsReport } from '@iclkr/experiments';
import type { SeedsReport } from '@iclkr/core';

/** The seeds of a run: --seeds when given (refused beside an explicit --seed), else the one --seed. */
export function seedsOf(values: { readonly seed: number; readonly seeds?: number[]; readonly given: ReadonlySet<string> }): number[] {
  if (values.seeds === undefined) return [values.seed];
  if (values.given.has('seed')) throw new OptionError('--seed and --seeds both given', 'pass --seeds S1,S2,... (or LOW-HIGH) alone');
  return values.seeds;
}

/**
 * Runs `one` on each seed in turn: with --seeds the seeds report (each seed's report and the
 * numbers across seeds), else the one seed's own report.
 */
export async function runSeeds<R extends SeededReport>(
  experiment: SeedsReport['experiment'],
  values: { readonly seed: number; readonly seeds?: number[]; readonly given: ReadonlySet<string> },
  run: RunContext,
  one: (seed: number) => Promise<R>,
): Promise<R | SeedsReport> {
  const seeds = seedsOf(values);
  const started = performance.now();
  const reports: R[] = [];
  for (const seed of seeds) reports.push(await one(seed));
  return values.seeds === undefined ? reports[0] : seedsReport(experiment, seeds, reports, run, { settings: {}, started });
}
