/** A reproduce report shown: our numbers beside the paper's first, then every section's own tables and figures under its title. */
import type { ReproduceReport } from '@iclkr/core';
import type { Figure } from '../figures/figure.js';
import { formatNumber as f, type Table } from './format.js';
import type { PresentedReport } from './reports.js';

/** One section's title, tables and figures (what `presentReport` gives for its own report). */
export interface SectionPresentation {
  readonly tables: readonly Table[];
  readonly figures: readonly Figure[];
}

/** The comparison with the paper: every number of ours that the paper has, with the range across seeds where several ran. */
export function reproduceTable(report: ReproduceReport): Table {
  const seeds = report.seeds.length;
  return {
    title: "Our numbers beside the paper's",
    header: [
      'section',
      'quantity',
      'paper',
      seeds > 1 ? `ours (mean of ${seeds} seeds)` : 'ours',
      ...(seeds > 1 ? ['min', 'max'] : []),
      'ours - paper',
    ],
    rows: report.summary.map((r) => [
      r.section,
      r.quantity,
      f(r.paper),
      f(r.ours),
      ...(seeds > 1 ? [f(r.min), f(r.max)] : []),
      r.ours === null ? '-' : f(r.ours - r.paper),
    ]),
    note:
      "What differs in each setting is listed below the tables; a section's own page section says why in full. " +
      'The paper gives Table 3 for its own HMM world (ours: the calibrated paper-table3 world) and probes GPT-J on SST-2 text ' +
      '(ours: the built-in model on its world, and your model on SST-2 where you brought one).',
    key: 2,
  };
}

/** The summary of a reproduce report: what ran, on how many seeds, how long it took. */
export function reproduceSummary(report: ReproduceReport): string[] {
  const seeds = report.seeds.length === 1 ? `seed ${report.seeds[0]}` : `seeds ${report.seeds.join(', ')}`;
  return [
    `The paper's experiments on the built-in defaults (${report.quick ? 'quick' : 'full'} run, ${seeds}), ${f(report.meta.seconds)} s: ` +
      `${report.sections.map((s) => s.name).join(', ')}.`,
    ...[...new Set(report.differs.map((d) => d.section))].map(
      (section) => `${section}: ${report.differs.find((d) => d.section === section)!.text}`,
    ),
  ];
}

/** The reproduce report's tables and figures: the comparison, then each section's, titled and named by its section. */
export function reproduceContent(report: ReproduceReport, present: (r: PresentedReport) => SectionPresentation): SectionPresentation {
  const sections = report.sections.map((s) => ({ s, shown: present(s.report as PresentedReport) }));
  return {
    tables: [
      reproduceTable(report),
      ...sections.flatMap(({ s, shown }) => shown.tables.map((t) => ({ ...t, title: `${s.name}: ${t.title}` }))),
    ],
    figures: sections.flatMap(({ s, shown }) =>
      shown.figures.map((fig) => ({ ...fig, name: `${s.name}-${fig.name}`, title: `${s.name}: ${fig.title}` })),
    ),
  };
}
