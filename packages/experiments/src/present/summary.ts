/** One place that knows each report kind's title, summary, tables and figures: what the CLI prints and the page shows. */
import { displayName, type Figure } from '../figures/figure.js';
import { iclFigures } from '../figures/icl.js';
import { pretrainFigures } from '../figures/pretrain.js';
import { probeFigures, voteScope } from '../figures/probe.js';
import { simulateFigures } from '../figures/simulate.js';
import { formatNumber as f, type Table } from './format.js';
import type { IclReport, PresentedReport, PretrainReport, ProbeReport, ReproduceReport, SeedsReport, SimulateReport } from './reports.js';
import { seedsFigures, seedsSummary, seedsTables } from './seeds.js';
import { reproduceContent, reproduceSummary } from './reproduce.js';
import { iclTables, pretrainTables, probeTables, simulateTables } from './tables.js';

/** A report ready to show: a title (no paths), summary paragraphs, tables and figures. */
export interface Presentation {
  readonly title: string;
  readonly summary: string[];
  readonly tables: Table[];
  readonly figures: Figure[];
}

function simulateSummary(r: SimulateReport): string[] {
  const last = r.rows[r.rows.length - 1];
  return [
    `World ${displayName(r.world)}, ${String(r.settings.kernel ?? 'kernel')} kernel, ` +
      `${String(r.settings.prompts ?? '?')} prompts per n, seed ${r.meta.seed ?? '-'}, ${f(r.meta.seconds)} s.`,
    ...(last
      ? [
          `At n = ${last.n}: L1 ${f(last.l1)}, ` +
            `accuracy against the Bayes argmax ${f(last.accVsBayes)} (the plain label vote ${f(last.voteAccVsBayes)}).`,
        ]
      : []),
  ];
}

function iclSummary(r: IclReport): string[] {
  const prompts = [...new Set(r.rows.map((x) => x.prompts))].join(' / ');
  return [
    `${displayName(r.model)} on world ${displayName(r.world)}: ` +
      `${prompts} prompts per row, seed ${r.meta.seed ?? '-'}, ${f(r.meta.seconds)} s.`,
  ];
}

function probeSummary(r: ProbeReport): string[] {
  const h = r.heldOut;
  const b = r.bestHead;
  return [
    `${displayName(r.model)} on ${r.source}: ${r.prompts} prompts with n = ${r.shots}, ${f(r.meta.seconds)} s. ` +
      `Heads are chosen on ${r.prompts - h.prompts} prompts and scored on the other ${h.prompts}.`,
    `Held out: the model's accuracy ${f(h.modelAccuracy)}, the majority vote's ${f(h.majority.accuracy)}; ` +
      `best head (a_i over [x_i, y_i]) L${b.layer}H${b.head}: agreement ${f(b.heldOutAgreement)}, accuracy ${f(b.heldOutAccuracy)}.`,
    voteScope(r).heldOut
      ? `The head heatmaps score each head's vote on the ${h.prompts} held-out prompts.`
      : `The head heatmaps score each head's vote on all ${r.prompts} prompts (this report has no held-out scores per head).`,
  ];
}

function pretrainSummary(r: PretrainReport): string[] {
  const last = r.entries[r.entries.length - 1];
  const size = Object.entries(r.modelConfig)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return [
    `Pre-training on ${displayName(r.world)} (${size}).`,
    ...(last
      ? [
          `${r.stopped ? 'Stopped' : 'Finished'} at step ${f(last.step)} (${f(last.tokens)} tokens, ` +
            `${f(last.seconds)} s): loss ${f(last.loss)}, validation loss ${f(last.valLoss)}.`,
        ]
      : ['No log entries.']),
  ];
}

/** The title, summary, tables and figures of any report, by its `meta.kind`. */
export function presentReport(report: PresentedReport): Presentation {
  switch (report.meta.kind) {
    case 'simulate': {
      const r = report as SimulateReport;
      return {
        title: `iclkr simulate: ${displayName(r.world)}`,
        summary: simulateSummary(r),
        tables: simulateTables(r),
        figures: simulateFigures(r),
      };
    }
    case 'icl': {
      const r = report as IclReport;
      return {
        title: `iclkr icl: ${displayName(r.model)} on ${displayName(r.world)}`,
        summary: iclSummary(r),
        tables: iclTables(r),
        figures: iclFigures(r),
      };
    }
    case 'probe': {
      const r = report as ProbeReport;
      return {
        title: `iclkr probe: ${displayName(r.model)} on ${r.source}`,
        summary: probeSummary(r),
        tables: probeTables(r),
        figures: probeFigures(r),
      };
    }
    case 'pretrain': {
      const r = report as PretrainReport;
      return {
        title: `iclkr pretrain: ${displayName(r.world)}`,
        summary: pretrainSummary(r),
        tables: pretrainTables(r),
        figures: pretrainFigures(r),
      };
    }
    case 'seeds': {
      const r = report as SeedsReport;
      return {
        title: `iclkr ${r.experiment} on ${r.seeds.length} seeds`,
        summary: seedsSummary(r),
        tables: seedsTables(r),
        figures: seedsFigures(r),
      };
    }
    case 'reproduce': {
      const r = report as ReproduceReport;
      const { tables, figures } = reproduceContent(r, presentReport);
      return {
        title: 'iclkr reproduce: the paper on the built-in defaults',
        summary: reproduceSummary(r),
        tables: [...tables],
        figures: [...figures],
      };
    }
    default:
      throw new Error(`no presentation for a report of kind '${(report as { meta: { kind: string } }).meta.kind}'`);
  }
}
