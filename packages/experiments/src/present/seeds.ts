/** A seeds report shown: the numbers across seeds beside the paper's, each seed's best head (probe), the mean and range against n. */
import type { ProbeReport, SeedsReport } from '@iclkr/core';
import { probeFigures } from '../figures/probe.js';
import { type Figure, figureTitle, finishSpec, nAxis, PALETTE } from '../figures/figure.js';
import { type SeriesPoint, seriesChart } from '../figures/series.js';
import { seedsPaperValue } from '../seeds.js';
import { formatNumber as f, type Table } from './format.js';

/** The tables of a seeds report: every headline number across seeds (with the paper's beside it), and for probe each seed's best head. */
export function seedsTables(report: SeedsReport): Table[] {
  const paper = report.aggregate.map((a) => seedsPaperValue(report, a));
  const withPaper = paper.some((p) => p !== null);
  const tables: Table[] = [
    {
      title: `${report.experiment} across seeds ${report.seeds.join(', ')}`,
      header: ['row', 'metric', 'mean', 'min', 'max', ...report.seeds.map((s) => `seed ${s}`), ...(withPaper ? ['paper'] : [])],
      rows: report.aggregate.map((a, i) => [
        a.key,
        a.metric,
        f(a.mean),
        f(a.min),
        f(a.max),
        ...a.perSeed.map((v) => f(v)),
        ...(withPaper ? [f(paper[i])] : []),
      ]),
      note: `Mean, min and max: across the seeds. ${report.coverage[0].toUpperCase()}${report.coverage.slice(1)}.`,
      key: 2,
    },
  ];
  if (report.experiment === 'probe') {
    tables.push({
      title: 'The best head of each seed (chosen on its selection prompts, scored on its held-out ones)',
      header: ['seed', 'best head', 'held-out agreement', 'held-out accuracy', "model's held-out accuracy"],
      rows: report.reports.map((r, i) => {
        const probe = r as Extract<SeedsReport['reports'][number], { bestHead: unknown }>;
        const b = probe.bestHead;
        return [
          String(report.seeds[i]),
          `L${b.layer}H${b.head}`,
          f(b.heldOutAgreement),
          f(b.heldOutAccuracy),
          f(probe.heldOut.modelAccuracy),
        ];
      }),
      note: null,
    });
  }
  return tables;
}

/** The summary of a seeds report: what ran on how many seeds, and how far the headline number moves between them. */
export function seedsSummary(report: SeedsReport): string[] {
  const first = report.aggregate[0];
  const spread =
    first === undefined ? '' : ` ${first.metric} at ${first.key}: mean ${f(first.mean)}, from ${f(first.min)} to ${f(first.max)}.`;
  return [`${report.experiment} on ${report.seeds.length} seeds (${report.seeds.join(', ')}), ${f(report.meta.seconds)} s.${spread}`];
}

/** The number of demonstrations in an aggregate's key (`... n = 8`), if it has one. */
function nOf(key: string): number | null {
  const m = /\bn = (\d+)$/.exec(key);
  return m === null ? null : Number(m[1]);
}

/**
 * The figures of a seeds report: for simulate and icl the headline accuracy's mean across seeds
 * against n with its range as a band; for probe the first seed's own figures.
 */
export function seedsFigures(report: SeedsReport): Figure[] {
  const metric = report.experiment === 'simulate' ? 'accuracy vs Bayes argmax' : report.experiment === 'icl' ? 'model accuracy' : null;
  if (metric === null) {
    // A probe's heatmaps and maps do not average across seeds: draw the first seed's, named by it.
    const first = report.reports[0] as ProbeReport | undefined;
    const seed = report.seeds[0];
    return first === undefined
      ? []
      : probeFigures(first).map((fig) => ({ ...fig, name: `seed-${seed}-${fig.name}`, title: `seed ${seed}: ${fig.title}` }));
  }
  const rows = report.aggregate.filter((a) => a.metric === metric && nOf(a.key) !== null && a.mean !== null);
  if (rows.length === 0) return [];
  const world = report.reports[0] !== undefined && 'world' in report.reports[0] ? report.reports[0].world : 'all prompts';
  const group = (key: string) => key.replace(/,? ?n = \d+$/, '') || world;
  const groups = [...new Set(rows.map((a) => group(a.key)))];
  const axis = nAxis(rows.map((a) => nOf(a.key)!));
  const points: SeriesPoint[] = rows.map((a) => ({
    series: group(a.key),
    x: nOf(a.key)!,
    xShown: nOf(a.key)!,
    value: a.mean!,
    low: a.min,
    high: a.max,
  }));
  const styles = groups.map((name, i) => ({ name, color: PALETTE[i % PALETTE.length], dash: [] as number[], shape: 'circle' }));
  return [
    {
      name: 'seeds',
      title: `${metric} across seeds`,
      spec: finishSpec({
        title: figureTitle(
          `${metric[0].toUpperCase()}${metric.slice(1)} across ${report.seeds.length} seeds`,
          [`Line: the mean over seeds ${report.seeds.join(', ')}; band: the least to the greatest seed (not an interval over prompts).`],
          640,
        ),
        ...seriesChart({
          points,
          styles,
          legendTitle: report.experiment === 'simulate' ? 'world' : 'prompts',
          x: { title: 'demonstrations n', scale: axis.scale, axis: axis.axis },
          y: { title: metric, domain: [0, 1] },
          width: 360,
          height: 240,
        }),
      }),
    },
  ];
}
