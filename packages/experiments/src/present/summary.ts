/** One place that knows each report kind's title, summary, tables and figures: what the CLI prints and the page shows. */
import { ablationFigures } from '../figures/ablation.js';
import { compareRetrieversFigures, compareRetrieversSummary, compareRetrieversTables } from '../compare-retrievers/present.js';
import { displayName, type Figure } from '../figures/figure.js';
import { iclFigures } from '../figures/icl.js';
import { insightsFigures } from '../figures/insights.js';
import { pretrainFigures } from '../figures/pretrain.js';
import { probeFigures, voteScope } from '../figures/probe.js';
import { simulateFigures } from '../figures/simulate.js';
import { ablationSummary, ablationTables } from './ablation.js';
import { formatNumber as f, type Table } from './format.js';
import { insightsSummary, insightsTables, insightsTitle } from './insights.js';
import type { IclReport, PresentedReport, PretrainReport, ProbeReport, SimulateReport } from './reports.js';
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

/** How each report kind is shown: its title, summary, tables and figures from the report. */
type Presenter<R> = (report: R) => Presentation;

/** One presenter per kind from its title and three parts. */
function presenter<R>(
  title: (r: R) => string,
  summary: (r: R) => string[],
  tables: (r: R) => Table[],
  figures: (r: R) => Figure[],
): Presenter<R> {
  return (r) => ({ title: title(r), summary: summary(r), tables: tables(r), figures: figures(r) });
}

const PRESENTERS: { [K in PresentedReport['meta']['kind']]: Presenter<Extract<PresentedReport, { meta: { kind: K } }>> } = {
  simulate: presenter((r) => `iclkr simulate: ${displayName(r.world)}`, simulateSummary, simulateTables, simulateFigures),
  icl: presenter((r) => `iclkr icl: ${displayName(r.model)} on ${displayName(r.world)}`, iclSummary, iclTables, iclFigures),
  probe: presenter((r) => `iclkr probe: ${displayName(r.model)} on ${r.source}`, probeSummary, probeTables, probeFigures),
  pretrain: presenter((r) => `iclkr pretrain: ${displayName(r.world)}`, pretrainSummary, pretrainTables, pretrainFigures),
  seeds: presenter((r) => `iclkr ${r.experiment} on ${r.seeds.length} seeds`, seedsSummary, seedsTables, seedsFigures),
  'compare-retrievers': presenter(
    (r) => `iclkr compare-retrievers: ${displayName(r.model)} on ${r.source}`,
    compareRetrieversSummary,
    compareRetrieversTables,
    compareRetrieversFigures,
  ),
  insights: presenter(insightsTitle, insightsSummary, insightsTables, insightsFigures),
  ablation: presenter(
    (r) => `iclkr ablate: ${displayName(r.model)} on ${r.world !== null ? displayName(r.world) : r.source}`,
    ablationSummary,
    ablationTables,
    ablationFigures,
  ),
  reproduce: (r) => {
    const { tables, figures } = reproduceContent(r, presentReport);
    return {
      title: 'iclkr reproduce: the paper on the built-in defaults',
      summary: reproduceSummary(r),
      tables: [...tables],
      figures: [...figures],
    };
  },
};

/** The title, summary, tables and figures of any report, by its `meta.kind`. */
export function presentReport(report: PresentedReport): Presentation {
  const present = PRESENTERS[report.meta.kind] as Presenter<PresentedReport> | undefined;
  if (present === undefined) throw new Error(`no presentation for a report of kind '${report.meta.kind}'`);
  return present(report);
}
