/** The probe report: report.json's body from the experiment's result, its SVG figures and the console summary. */
import { linePlot, type ProbeHead, type ProbeReport } from '@iclkr/core';
import { type HeadCorrelation, headGrid, heatmapSvg, type ProbeResult, VOTE_VARIANTS } from '@iclkr/probing';
import { fmt, table } from '../output.js';

/** Where the prompts came from, for the report body. */
export interface ProbeSource {
  readonly model: string;
  readonly source: string;
  readonly shots: number;
  readonly labels: readonly string[];
}

/** The key/value probes a report holds, in the order they are shown. */
const PROBES = ['keys', 'values', 'keyClasses'] as const;

const correlation = (c: HeadCorrelation | null | undefined) => ({ pearson: c?.pearson ?? null, spearman: c?.spearman ?? null });

/** The report (without meta) from the experiment's result. */
export function probeReportBody(result: ProbeResult, source: ProbeSource): Omit<ProbeReport, 'meta'> {
  const { summary } = result;
  const kernels = Object.keys(result.trueCorrelation);
  const at = (list: readonly HeadCorrelation[], layer: number, head: number) => list.find((c) => c.layer === layer && c.head === head);
  const heads: ProbeHead[] = summary.heads.map((h) => {
    const variants = Object.fromEntries(
      VOTE_VARIANTS.map((v) => [
        v,
        {
          ...h.variants[v],
          outputCorrelation: correlation(result.outputCorrelation && at(result.outputCorrelation[v], h.layer, h.head)),
          trueCorrelation: Object.fromEntries(kernels.map((k) => [k, correlation(at(result.trueCorrelation[k][v], h.layer, h.head))])),
        },
      ]),
    ) as ProbeHead['variants'];
    return { layer: h.layer, head: h.head, ...variants.span, variants };
  });
  const probe = (r: ProbeResult['keyClasses']) => r && { examples: r.examples, chance: r.chance, heads: r.heads.map((h) => ({ ...h })) };
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
    bestByVariant: summary.bestByVariant,
    heldOut: { ...summary.heldOut, oracle: summary.heldOut.oracle ?? null },
    heads,
    kernel: kernels[0] ?? null,
    baselines: result.baselines,
    attentionMap: { resolution: result.map.resolution, cells: [...result.map.cells], values: result.map.values.map((l) => l.map((h) => Array.from(h))) },
    probes: { offsets: [...(result.values ?? result.keys ?? { offsets: [] }).offsets], keys: probe(result.keys), values: probe(result.values), keyClasses: probe(result.keyClasses) },
  };
}

/** Short names of segment kinds for figure columns. */
const SEGMENT_NAMES: Record<string, string> = { x: 'x', y: 'y', delimiter: 'd', literal: 't', query: 'xq' };

/** The attention map by segment: per [layer, head] row, the mean map value over each segment's cells, in prompt order. */
export function segmentMap(map: ProbeReport['attentionMap']): { names: string[]; values: number[][] } {
  const keys: string[] = [];
  const columns = new Map<string, number[]>();
  map.cells.forEach((c, j) => {
    const key = `${SEGMENT_NAMES[c.kind] ?? c.kind}${c.kind === 'query' ? '' : c.line + 1}`;
    if (!columns.has(key)) {
      columns.set(key, []);
      keys.push(key);
    }
    columns.get(key)!.push(j);
  });
  const values = map.values.flat().map((row) => keys.map((k) => columns.get(k)!.reduce((sum, j) => sum + row[j], 0) / columns.get(k)!.length));
  return { names: keys, values };
}

/** The figures, by file name: head heatmaps (agreement, accuracy, kernel correlation), the attention map, probe accuracy per offset. */
export function probeFigures(report: Omit<ProbeReport, 'meta'>): Record<string, string> {
  const grid = (pick: (h: ProbeHead) => number | null) => headGrid(report.heads, pick);
  const figures: Record<string, string> = {
    'agreement.svg': heatmapSvg(grid((h) => h.agreement), { title: 'Attention vote (a_i over [x_i, y_i]): agreement with the model', min: 0, max: 1 }),
    'accuracy.svg': heatmapSvg(grid((h) => h.accuracy), { title: 'Attention vote (a_i over [x_i, y_i]): accuracy against the gold label', min: 0, max: 1 }),
    'agreement-line.svg': heatmapSvg(grid((h) => h.variants.line.agreement), { title: 'Attention vote (a_i over the line with its delimiter): agreement with the model', min: 0, max: 1 }),
  };
  if (report.heads.some((h) => h.outputCorrelation.pearson !== null)) {
    figures['output-correlation.svg'] = heatmapSvg(grid((h) => h.outputCorrelation.pearson), {
      title: 'Pearson(a_i, P(o|x_test)·P(o|x_i)): attention against output similarity',
      min: -1,
      max: 1,
    });
  }
  if (report.kernel !== null) {
    figures['kernel-correlation.svg'] = heatmapSvg(grid((h) => h.kernelCorrelation), { title: `Pearson(a_i, K(x_test, x_i)): attention against the ${report.kernel} kernel`, min: -1, max: 1 });
    figures['kernel-correlation-line.svg'] = heatmapSvg(grid((h) => h.variants.line.kernelCorrelation), {
      title: `Pearson(a_i, K(x_test, x_i)), a_i over the line: attention against the ${report.kernel} kernel`,
      min: -1,
      max: 1,
    });
  }
  const map = report.attentionMap;
  const rowNames = map.values.flatMap((byHead, l) => byHead.map((_, h) => `L${l}H${h}`));
  figures['attention-map.svg'] = heatmapSvg(map.values.flat(), {
    title: `Mean attention of the final position (inputs resampled to ${map.resolution} cells)`,
    rowLabel: 'layer, head',
    colLabel: 'prompt position (x_i, y_i, delimiter, ..., x_test)',
    rowNames,
    colNames: map.cells.map((c) => `${SEGMENT_NAMES[c.kind] ?? c.kind}${c.kind === 'query' ? '' : c.line + 1}`),
  });
  const segments = segmentMap(map);
  figures['attention-segments.svg'] = heatmapSvg(segments.values, {
    title: 'Mean attention per token of each prompt segment (x_i, y_i, delimiter d_i, x_test)',
    rowLabel: 'layer, head',
    colLabel: 'segment',
    rowNames,
    colNames: segments.names,
  });
  const titles = {
    keys: 'Key probes: held-out accuracy predicting argmax_o P(o | x_i)',
    values: 'Value probes: held-out accuracy predicting y_i',
    keyClasses: "Key probes: held-out accuracy predicting x_i's class",
  };
  for (const which of PROBES) {
    const probes = report.probes[which];
    if (probes === null) continue;
    figures[`probe-${which === 'keyClasses' ? 'key-classes' : which}.svg`] = linePlot({
      title: `${titles[which]} (chance ${fmt(probes.chance)})`,
      xLabel: 'offset from the label position',
      yLabel: 'accuracy',
      xScale: 'linear',
      yRange: [0, 1],
      series: probes.heads.map((h) => ({ name: `L${h.layer}H${h.head}`, points: report.probes.offsets.map((o, i) => [o, h.accuracy[i]] as const) })),
    });
  }
  return figures;
}

/** The per-head table: the three a_i variants' agreement and accuracy, then kernel and output correlations of the span and line variants. */
export function headTable(report: Omit<ProbeReport, 'meta'>): { header: string[]; cells: string[][] } {
  const kernel = report.kernel ?? 'kernel';
  const header = [
    'layer',
    'head',
    'agreement',
    'accuracy',
    'label: agr.',
    'label: acc.',
    'line: agr.',
    'line: acc.',
    `r(a, ${kernel})`,
    `line: r(a, ${kernel})`,
    'r(a, output sim)',
  ];
  const cells = report.heads.map((h) => [
    String(h.layer),
    String(h.head),
    fmt(h.agreement),
    fmt(h.accuracy),
    fmt(h.variants.label.agreement),
    fmt(h.variants.label.accuracy),
    fmt(h.variants.line.agreement),
    fmt(h.variants.line.accuracy),
    fmt(h.kernelCorrelation),
    fmt(h.variants.line.kernelCorrelation),
    fmt(h.outputCorrelation.pearson),
  ]);
  return { header, cells };
}

/** One line per variant: the best head chosen on the selection prompts and its held-out scores. */
function bestHeadLines(report: ProbeReport): string[] {
  const h = report.heldOut;
  const names = { span: 'a_i over [x_i, y_i], the paper\'s', label: 'a_i at y_i', line: 'a_i over the line with its delimiter' };
  return VOTE_VARIANTS.map((v) => {
    const b = report.bestByVariant[v];
    return (
      `best head (${names[v]}): L${b.layer}H${b.head}, held out: agreement ${fmt(b.heldOutAgreement)}, accuracy ${fmt(b.heldOutAccuracy)} ` +
      `(${fmt(b.heldOutAccuracy - h.majority.accuracy)} over majority), r(a, ${report.kernel ?? 'true kernel'}) ${fmt(b.kernelCorrelation)}`
    );
  });
}

/** The console summary: the best heads' held-out numbers beside the model, the baselines and every head. */
export function probeSummaryText(report: ProbeReport): string {
  const h = report.heldOut;
  const lines = [
    `model ${report.model} on ${report.source}: ${report.prompts} prompts, n = ${report.shots}, ${fmt(report.meta.seconds)} s`,
    `model's ICL accuracy ${fmt(report.modelAccuracy)}; majority vote: accuracy ${fmt(report.majority.accuracy)}, agreement ${fmt(report.majority.agreement)}` +
      (report.oracle ? `; same-class oracle: accuracy ${fmt(report.oracle.accuracy)}` : ''),
    `held out (${h.prompts} prompts; heads chosen on the other ${report.prompts - h.prompts}): model ${fmt(h.modelAccuracy)}, majority ${fmt(h.majority.accuracy)} (agreement ${fmt(h.majority.agreement)})` +
      (h.oracle ? `, oracle ${fmt(h.oracle.accuracy)}` : ''),
    ...bestHeadLines(report),
  ];
  const heads = headTable(report);
  const baselines = table(
    ['kernel-regression baseline', 'agreement', 'accuracy', 'held-out accuracy'],
    report.baselines.map((x) => [x.name, fmt(x.all.agreement), fmt(x.all.accuracy), fmt(x.heldOut.accuracy)]),
  );
  const probes = table(
    ['probe (chance)', 'head', ...report.probes.offsets.map((o) => `offset ${o}`)],
    PROBES.flatMap((w) => {
      const probes = report.probes[w];
      return probes === null ? [] : probes.heads.map((p) => [`${w} (${fmt(probes.chance)})`, `L${p.layer}H${p.head}`, ...p.accuracy.map(fmt)]);
    }),
  );
  return `${lines.join('\n')}\n${table(heads.header, heads.cells)}${baselines}${probes}`;
}
