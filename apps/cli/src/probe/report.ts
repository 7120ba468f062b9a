/** The probe report: report.json's body from the experiment's result, its SVG figures and the console summary. */
import { linePlot, type ProbeHead, type ProbeReport } from '@iclkr/core';
import { type HeadCorrelation, headGrid, heatmapSvg, type ProbeResult } from '@iclkr/probing';
import { fmt, table } from '../output.js';

/** Where the prompts came from, for the report body. */
export interface ProbeSource {
  readonly model: string;
  readonly source: string;
  readonly shots: number;
  readonly labels: readonly string[];
}

const correlation = (c: HeadCorrelation | undefined) => ({ pearson: c?.pearson ?? null, spearman: c?.spearman ?? null });

/** The report (without meta) from the experiment's result. */
export function probeReportBody(result: ProbeResult, source: ProbeSource): Omit<ProbeReport, 'meta'> {
  const { summary } = result;
  const kernels = Object.keys(result.trueCorrelation);
  const at = (list: readonly HeadCorrelation[], layer: number, head: number) => list.find((c) => c.layer === layer && c.head === head);
  const heads: ProbeHead[] = summary.heads.map((h) => ({
    ...h,
    outputCorrelation: correlation(at(result.outputCorrelation, h.layer, h.head)),
    trueCorrelation: Object.fromEntries(kernels.map((k) => [k, correlation(at(result.trueCorrelation[k], h.layer, h.head))])),
  }));
  const probe = (r: ProbeResult['keys']) => ({ examples: r.examples, heads: r.heads.map((h) => ({ ...h })) });
  return {
    model: source.model,
    source: source.source,
    shots: source.shots,
    prompts: summary.prompts,
    labels: [...source.labels],
    modelAccuracy: summary.modelAccuracy,
    majority: summary.majority,
    oracle: summary.oracle ?? null,
    bestHead: summary.bestHead,
    heldOut: { ...summary.heldOut, oracle: summary.heldOut.oracle ?? null },
    heads,
    kernel: kernels[0] ?? null,
    baselines: result.baselines,
    attentionMap: { resolution: result.map.resolution, cells: [...result.map.cells], values: result.map.values.map((l) => l.map((h) => Array.from(h))) },
    probes: { offsets: [...result.keys.offsets], keys: probe(result.keys), values: probe(result.values) },
  };
}

/** A short name of a map cell for the attention map's columns. */
function cellName(cell: { kind: string; line: number; offset: number }, resolution: number): string {
  if (cell.kind === 'x' || cell.kind === 'query') return cell.offset === Math.floor(resolution / 2) ? `${cell.kind === 'x' ? 'x' : 'xq'}${cell.kind === 'x' ? cell.line + 1 : ''}` : '';
  if (cell.kind === 'y') return `y${cell.line + 1}`;
  return '';
}

/** The figures, by file name: head heatmaps (agreement, accuracy, kernel correlation), the attention map, probe accuracy per offset. */
export function probeFigures(report: Omit<ProbeReport, 'meta'>): Record<string, string> {
  const grid = (pick: (h: ProbeHead) => number | null) => headGrid(report.heads, pick);
  const figures: Record<string, string> = {
    'agreement.svg': heatmapSvg(grid((h) => h.agreement), { title: 'Attention vote: agreement with the model', min: 0, max: 1 }),
    'accuracy.svg': heatmapSvg(grid((h) => h.accuracy), { title: 'Attention vote: accuracy against the gold label', min: 0, max: 1 }),
    'output-correlation.svg': heatmapSvg(grid((h) => h.outputCorrelation.pearson), {
      title: 'Pearson(a_i, P(o|x_test)·P(o|x_i)): attention against output similarity',
      min: -1,
      max: 1,
    }),
  };
  if (report.kernel !== null) {
    figures['kernel-correlation.svg'] = heatmapSvg(grid((h) => h.kernelCorrelation), { title: `Pearson(a_i, K(x_test, x_i)): attention against the ${report.kernel} kernel`, min: -1, max: 1 });
  }
  const map = report.attentionMap;
  const rowNames = map.values.flatMap((byHead, l) => byHead.map((_, h) => `L${l}H${h}`));
  figures['attention-map.svg'] = heatmapSvg(
    map.values.flat(),
    {
      title: `Mean attention of the final position (inputs resampled to ${map.resolution} cells)`,
      rowLabel: 'layer, head',
      colLabel: 'prompt position',
      rowNames,
      colNames: map.cells.map((c) => cellName(c, map.resolution)),
    },
  );
  for (const which of ['keys', 'values'] as const) {
    const probes = report.probes[which];
    figures[`probe-${which}.svg`] = linePlot({
      title: which === 'keys' ? 'Key probes: held-out accuracy predicting argmax_o P(o | x_i)' : 'Value probes: held-out accuracy predicting y_i',
      xLabel: 'offset from the label position',
      yLabel: 'accuracy',
      xScale: 'linear',
      yRange: [0, 1],
      series: probes.heads.map((h) => ({ name: `L${h.layer}H${h.head}`, points: report.probes.offsets.map((o, i) => [o, h.accuracy[i]] as const) })),
    });
  }
  return figures;
}

/** The per-head table: both vote variants, kernel and output correlations. */
export function headTable(report: Omit<ProbeReport, 'meta'>): { header: string[]; cells: string[][] } {
  const header = ['layer', 'head', 'agreement', 'accuracy', 'label agreement', 'label accuracy', 'TV', `r(a, ${report.kernel ?? 'kernel'})`, 'r(a, output sim)'];
  const cells = report.heads.map((h) => [
    String(h.layer),
    String(h.head),
    fmt(h.agreement),
    fmt(h.accuracy),
    fmt(h.labelAgreement),
    fmt(h.labelAccuracy),
    fmt(h.tv),
    fmt(h.kernelCorrelation),
    fmt(h.outputCorrelation.pearson),
  ]);
  return { header, cells };
}

/** The console summary: the best head's held-out numbers beside the model, the baselines and every head. */
export function probeSummaryText(report: ProbeReport): string {
  const b = report.bestHead;
  const h = report.heldOut;
  const lines = [
    `model ${report.model} on ${report.source}: ${report.prompts} prompts, n = ${report.shots}, ${fmt(report.meta.seconds)} s`,
    `model's ICL accuracy ${fmt(report.modelAccuracy)}; majority vote: accuracy ${fmt(report.majority.accuracy)}, agreement ${fmt(report.majority.agreement)}` +
      (report.oracle ? `; same-class oracle: accuracy ${fmt(report.oracle.accuracy)}` : ''),
    `best head L${b.layer}H${b.head} (chosen on ${report.prompts - h.prompts} prompts, scored on ${h.prompts} held out): agreement ${fmt(b.heldOutAgreement)}, accuracy ${fmt(b.heldOutAccuracy)}` +
      `, r(a, ${report.kernel ?? 'true kernel'}) ${fmt(b.kernelCorrelation)}`,
    `  held out: model ${fmt(h.modelAccuracy)}, majority ${fmt(h.majority.accuracy)} (agreement ${fmt(h.majority.agreement)})` +
      (h.oracle ? `, oracle ${fmt(h.oracle.accuracy)}` : '') +
      `; best head minus majority: ${fmt(b.heldOutAccuracy - h.majority.accuracy)}`,
  ];
  const heads = headTable(report);
  const baselines = table(
    ['kernel-regression baseline', 'agreement', 'accuracy', 'held-out accuracy'],
    report.baselines.map((x) => [x.name, fmt(x.all.agreement), fmt(x.all.accuracy), fmt(x.heldOut.accuracy)]),
  );
  const probes = table(
    ['probe', 'head', ...report.probes.offsets.map((o) => `offset ${o}`)],
    (['keys', 'values'] as const).flatMap((w) => report.probes[w].heads.map((p) => [w, `L${p.layer}H${p.head}`, ...p.accuracy.map(fmt)])),
  );
  return `${lines.join('\n')}\n${table(heads.header, heads.cells)}${baselines}${probes}`;
}
