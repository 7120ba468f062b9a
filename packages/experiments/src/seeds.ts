/** One experiment on several seeds: each seed's report, and every headline number's mean and range across seeds. */
import {
  type IclReport,
  type ProbeReport,
  type SeedAggregate,
  type SeedsReport,
  type SimulateReport,
  seedsReportSchema,
} from '@iclkr/core';
import { type RunContext, reportMeta } from './meta.js';

/** The experiments that run on several seeds, with the report each seed gives. */
export type SeededReport = SimulateReport | IclReport | ProbeReport;

/** A number per seed under one (key, metric), with its mean, least and greatest (null where no seed has it). */
function aggregate(key: string, metric: string, perSeed: (number | null)[]): SeedAggregate {
  const present = perSeed.filter((v): v is number => v !== null && Number.isFinite(v));
  const mean = present.length === 0 ? null : present.reduce((s, v) => s + v, 0) / present.length;
  return {
    key,
    metric,
    perSeed,
    mean,
    min: present.length === 0 ? null : Math.min(...present),
    max: present.length === 0 ? null : Math.max(...present),
  };
}

/** The rows every seed's report has under `keyOf`, in the first report's order, each with its metrics across seeds. */
function byRow<R>(
  rowsPerSeed: readonly (readonly R[])[],
  keyOf: (row: R) => string,
  metrics: readonly (readonly [string, (row: R) => number | null])[],
): SeedAggregate[] {
  const keys = (rowsPerSeed[0] ?? []).map(keyOf);
  return keys.flatMap((key) =>
    metrics.map(([metric, pick]) =>
      aggregate(
        key,
        metric,
        rowsPerSeed.map((rows) => {
          const row = rows.find((r) => keyOf(r) === key);
          return row === undefined ? null : pick(row);
        }),
      ),
    ),
  );
}

/** The headline numbers of each seed's report, across seeds: per n (simulate), per row (icl), the held-out best head (probe). */
export function aggregateSeeds(experiment: SeedsReport['experiment'], reports: readonly SeededReport[]): SeedAggregate[] {
  if (experiment === 'simulate') {
    return byRow(
      (reports as SimulateReport[]).map((r) => r.rows),
      (row) => `n = ${row.n}`,
      [
        ['accuracy vs Bayes argmax', (row) => row.accVsBayes],
        ['L1 to Bayes', (row) => row.l1],
        ['accuracy vs Bayes argmax, 1/n form', (row) => row.unnormalized.accVsBayes],
        ['label vote accuracy vs Bayes argmax', (row) => row.voteAccVsBayes],
      ],
    );
  }
  if (experiment === 'icl') {
    return byRow(
      (reports as IclReport[]).map((r) => r.rows),
      (row) => `${row.ood ? 'out-of-distribution' : 'in-distribution'}, k = ${row.k}, n = ${row.n}`,
      [
        ['model accuracy', (row) => row.accuracy],
        ['exact Bayes accuracy', (row) => row.bayesAccuracy],
        ['model agrees with Bayes', (row) => row.agreementWithBayes],
        ['majority of demonstrations', (row) => row.majorityAccuracy],
      ],
    );
  }
  const probes = reports as ProbeReport[];
  const held = (metric: string, pick: (r: ProbeReport) => number | null) => aggregate('held out', metric, probes.map(pick));
  return [
    held("best head's agreement with the model", (r) => r.bestHead.heldOutAgreement),
    held("best head's accuracy", (r) => r.bestHead.heldOutAccuracy),
    held("model's ICL accuracy", (r) => r.heldOut.modelAccuracy),
    held('majority of demonstrations', (r) => r.heldOut.majority.accuracy),
    aggregate(
      'all prompts',
      "best head's correlation with the true kernel",
      probes.map((r) => r.bestHead.kernelCorrelation),
    ),
  ];
}

/** What the intervals and ranges of a seeds report cover. */
function coverage(experiment: SeedsReport['experiment'], seeds: number): string {
  const within =
    experiment === 'probe'
      ? "each seed's best head is chosen on that seed's selection prompts and scored on its held-out ones"
      : "each seed's 95% intervals are over that seed's prompts";
  return `${within}; mean, min and max are across the ${seeds} seeds (each seed rebuilds a preset world and draws its own prompts)`;
}

/** The seeds report of `experiment` from each seed's report (in the order of `seeds`). */
export function seedsReport(
  experiment: SeedsReport['experiment'],
  seeds: readonly number[],
  reports: readonly SeededReport[],
  run: RunContext,
  made: { readonly settings: Record<string, unknown>; readonly started: number },
): SeedsReport {
  return seedsReportSchema.parse({
    meta: reportMeta('seeds', run, { seed: null, settings: { experiment, seeds, ...made.settings }, started: made.started }),
    experiment,
    seeds: [...seeds],
    reports: [...reports],
    aggregate: aggregateSeeds(experiment, reports),
    coverage: coverage(experiment, seeds.length),
  });
}

/**
 * Runs `one` on each seed in turn (progress and cancellation are `one`'s): with several seeds the
 * seeds report, with `single` the one seed's own report.
 */
export async function runSeeds<R extends SeededReport>(
  experiment: SeedsReport['experiment'],
  seeds: readonly number[],
  single: boolean,
  run: RunContext,
  one: (seed: number) => Promise<R>,
): Promise<R | SeedsReport> {
  const started = performance.now();
  const reports: R[] = [];
  for (const seed of seeds) reports.push(await one(seed));
  return single ? reports[0] : seedsReport(experiment, seeds, reports, run, { settings: {}, started });
}

/** The paper's number beside a number across seeds, where the first seed's paper block sets one beside a comparable `ours`. */
export function seedsPaperValue(report: SeedsReport, a: SeedAggregate): number | null {
  const names: Record<string, string> = {
    'accuracy vs Bayes argmax': `accuracy against the Bayes argmax, ${a.key}`,
    'L1 to Bayes': `distance to the Bayes predictive, ${a.key}`,
    "best head's agreement with the model": 'best head: agreement with the model, held out (Table 2)',
    "best head's accuracy": 'best head: accuracy, held out (Table 2)',
    "model's ICL accuracy": 'ICL accuracy, held out (Table 2)',
  };
  const value = report.reports[0]?.paper?.values.find((v) => v.name === names[a.metric]);
  return value !== undefined && value.ours !== null ? value.paper : null;
}
