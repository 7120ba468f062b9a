/** The probe report's figures: head heatmaps (vote agreement, accuracy, correlations), the attention map and the key/value probes. */
import type { ProbeHead } from '@iclkr/core';
import { formatNumber } from '../present/format.js';
import { heldOutScores, type ProbeReport, type Scores } from '../present/reports.js';
import { displayName, type Figure, figureTitle, finishSpec, MAX_FIGURE_WIDTH, PALETTE } from './figure.js';
import { type HeadPanel, headHeatmap } from './heatmap.js';

/** The three places a head's a_i is read, in the order the figures show them. */
export const VARIANTS = ['span', 'label', 'line'] as const;

/** Where a variant reads a_i, as a panel title. */
export const VARIANT_NAMES: Record<(typeof VARIANTS)[number], string> = {
  span: "over [x_i, y_i] (the paper's)",
  label: 'at y_i alone',
  line: 'over the line and delimiter',
};

/** Which prompts a head's vote scores come from: the held-out ones where every head has them, else all. */
export function voteScope(report: ProbeReport): { heldOut: boolean; prompts: number; words: string } {
  const heldOut = report.heads.length > 0 && report.heads.every((h) => VARIANTS.every((v) => heldOutScores(h.variants[v]) !== null));
  return heldOut
    ? { heldOut, prompts: report.heldOut.prompts, words: `held out (${report.heldOut.prompts} prompts)` }
    : { heldOut, prompts: report.prompts, words: `all prompts (${report.prompts})` };
}

/** A head's vote score in a variant on the scope's prompts. */
function voteScore(h: ProbeHead, variant: (typeof VARIANTS)[number], heldOut: boolean): Scores {
  return (heldOut ? heldOutScores(h.variants[variant]) : null) ?? h.variants[variant];
}

/** The head heatmaps: vote agreement and accuracy per variant (held out where the report has it), then each correlation per variant. */
function headFigures(report: ProbeReport): Figure[] {
  const scope = voteScope(report);
  const selection = report.prompts - report.heldOut.prompts;
  const panels = (pick: (h: ProbeHead, v: (typeof VARIANTS)[number]) => number | null): HeadPanel[] =>
    VARIANTS.map((v) => ({
      label: VARIANT_NAMES[v],
      cells: report.heads.map((h) => ({ layer: h.layer, head: h.head, value: pick(h, v) })),
      best: report.bestByVariant[v] ?? null,
    }));
  const base = scope.heldOut ? report.heldOut : { modelAccuracy: report.modelAccuracy, majority: report.majority, oracle: report.oracle };
  const baselines =
    `On the same prompts: the model's accuracy ${formatNumber(base.modelAccuracy)}; ` +
    `majority vote agreement ${formatNumber(base.majority.agreement)}, accuracy ${formatNumber(base.majority.accuracy)}` +
    (base.oracle
      ? `; same-class oracle agreement ${formatNumber(base.oracle.agreement)}, accuracy ${formatNumber(base.oracle.accuracy)}.`
      : '.');
  const outlined = `Outlined: the head chosen on the ${selection} selection prompts in each panel.`;
  const vote = 'Panels: where a_i, the largest attention from the last position, is read. The vote is argmax_y sum_i a_i e(y_i).';
  const figures: Figure[] = [
    headHeatmap({
      name: 'agreement',
      title: `Attention vote: agreement with the model's prediction, ${scope.words}`,
      subtitle: [vote, outlined, baselines],
      legendTitle: 'agreement',
      scale: 'unit',
      panels: panels((h, v) => voteScore(h, v, scope.heldOut).agreement),
    }),
    headHeatmap({
      name: 'accuracy',
      title: `Attention vote: accuracy against the gold label, ${scope.words}`,
      subtitle: [vote, outlined, baselines],
      legendTitle: 'accuracy',
      scale: 'unit',
      panels: panels((h, v) => voteScore(h, v, scope.heldOut).accuracy),
    }),
  ];
  const all = `all prompts (${report.prompts})`;
  const pearson = 'Per prompt, the Pearson correlation over the demonstrations; the mean over prompts. Panels: where a_i is read.';
  const kernels = [...new Set(report.heads.flatMap((h) => Object.keys(h.trueCorrelation)))];
  for (const kernel of kernels) {
    const values = panels((h, v) => h.variants[v].trueCorrelation[kernel]?.pearson ?? null);
    if (values.every((p) => p.cells.every((c) => c.value === null))) continue;
    figures.push(
      headHeatmap({
        name: `correlation-${kernel.replace(/[^A-Za-z0-9_-]/g, '-')}`,
        title: `Pearson(a_i, K(x_test, x_i)): attention against the world's ${kernel} kernel, ${all}`,
        subtitle: [pearson, outlined, ...(kernel === report.kernel ? ["This is the report's headline kernel."] : [])],
        legendTitle: 'Pearson r',
        scale: 'diverging',
        panels: values,
      }),
    );
  }
  const output = panels((h, v) => h.variants[v].outputCorrelation.pearson);
  if (output.some((p) => p.cells.some((c) => c.value !== null))) {
    figures.push(
      headHeatmap({
        name: 'correlation-output',
        title: `Pearson(a_i, P(o | x_test) · P(o | x_i)): attention against the model's output similarity, ${all}`,
        subtitle: [pearson, outlined],
        legendTitle: 'Pearson r',
        scale: 'diverging',
        panels: output,
      }),
    );
  }
  return figures;
}

/** What the t_i columns are, for subtitles of prompts laid out by a template (text prompts). */
const TEMPLATE_TEXT_NOTE = "t_i: the template's own text in line i (e.g. 'Review:' and 'Sentiment:'); the last t is the query line's.";

/** The subtitle line that explains t_i, when the map has template text. */
function templateNote(map: ProbeReport['attentionMap']): string[] {
  return map.cells.some((c) => c.kind === 'literal') ? [TEMPLATE_TEXT_NOTE] : [];
}

/** The name of a prompt segment: x_i, y_i, d_i (delimiter), t_i (format text) and x_test, numbered from 1. */
function segmentName(cell: { kind: string; line: number }): string {
  if (cell.kind === 'query') return 'x_test';
  const letter = { x: 'x', y: 'y', delimiter: 'd', literal: 't' }[cell.kind] ?? cell.kind;
  return `${letter}${cell.line + 1}`;
}

/** The most cells an attention-map figure draws (rows x columns); longer spans are pooled to stay under it. */
const MAX_MAP_CELLS = 12_000;

/** The most (layer, head) rows the attention map draws; bigger models get one row per layer (the mean over its heads). */
const MAX_MAP_ROWS = 64;

/** The map's columns, with runs of one segment pooled (mean of `pool` neighbours) where the grid would exceed MAX_MAP_CELLS. */
function pooledMap(
  map: ProbeReport['attentionMap'],
  rows: readonly (readonly number[])[],
): { cells: { kind: string; line: number; name: string }[]; rows: number[][]; pool: number } {
  const runs: { kind: string; line: number; name: string; members: number[] }[] = [];
  map.cells.forEach((c, j) => {
    const last = runs[runs.length - 1];
    const name = segmentName(c);
    if (last && last.name === name) last.members.push(j);
    else runs.push({ kind: c.kind, line: c.line, name, members: [j] });
  });
  // The smallest pool that fits: one-cell runs (y_i, d_i) cannot shrink, so count what each pool leaves.
  const columns = (p: number) => runs.reduce((sum, r) => sum + Math.ceil(r.members.length / p), 0);
  const longest = Math.max(1, ...runs.map((r) => r.members.length));
  let pool = 1;
  while (pool < longest && rows.length * columns(pool) > MAX_MAP_CELLS) pool++;
  const groups = runs.flatMap((r) =>
    Array.from({ length: Math.ceil(r.members.length / pool) }, (_, g) => ({
      kind: r.kind,
      line: r.line,
      name: r.name,
      members: r.members.slice(g * pool, (g + 1) * pool),
    })),
  );
  return {
    cells: groups.map(({ kind, line, name }) => ({ kind, line, name })),
    rows: rows.map((r) => groups.map((g) => g.members.reduce((s, j) => s + r[j], 0) / g.members.length)),
    pool,
  };
}

/** Row names of the map: L{layer}H{head}, in the report's order. */
function mapRowNames(map: ProbeReport['attentionMap']): string[] {
  return map.values.flatMap((byHead, l) => byHead.map((_, h) => `L${l}H${h}`));
}

/** Every `every`-th of the names, so that row labels do not overlap on short rows. */
function thinned(names: readonly string[], rowHeight: number): string[] {
  const every = Math.max(1, Math.ceil(12 / rowHeight));
  return names.filter((_, i) => i % every === 0);
}

/**
 * The attention map: (layer, head) rows x prompt-cell columns, ticks at each x_i's middle, each y_i
 * and x_test; rules between demonstrations.
 */
function attentionMapFigure(report: ProbeReport): Figure {
  const map = report.attentionMap;
  const byLayer = map.values.flat().length > MAX_MAP_ROWS;
  const heads = map.values[0]?.length ?? 0;
  const mapRows = byLayer
    ? map.values.map((layer) => layer[0].map((_, j) => layer.reduce((s, h) => s + h[j], 0) / layer.length))
    : map.values.flat();
  const { cells, rows, pool } = pooledMap(map, mapRows);
  const names = byLayer ? map.values.map((_, l) => `L${l}`) : mapRowNames(map);
  const cellWidth = Math.max(1, Math.min(8, Math.floor(900 / cells.length)));
  const rowHeight = Math.max(2, Math.min(16, Math.floor(640 / names.length)));
  const width = cellWidth * cells.length;
  const height = rowHeight * names.length;
  const max = Math.max(1e-9, ...rows.flat().filter(Number.isFinite));
  const values = rows.flatMap((r, i) =>
    r.map((v, j) => ({ row: names[i], j, j1: j + 1, value: v, segment: cells[j].name, label: formatNumber(v) })),
  );
  // Ticks: the middle of each x_i and x_test run, and every y_i cell; the rest are described in the subtitle.
  const ticks: { at: number; name: string }[] = [];
  let start = 0;
  cells.forEach((c, j) => {
    const next = cells[j + 1];
    if (next && next.name === c.name) return;
    if (c.kind === 'x' || c.kind === 'query' || c.kind === 'y') ticks.push({ at: (start + j + 1) / 2, name: c.name });
    start = j + 1;
  });
  const boundaries = cells.flatMap((c, j) => (j > 0 && c.line !== cells[j - 1].line ? [j] : []));
  const labelExpr = `[${ticks.map((t) => `'${t.name}'`).join(',')}][indexof([${ticks.map((t) => t.at).join(',')}], datum.value)]`;
  const resolution =
    pool > 1
      ? `x spans resampled to ${map.resolution} cells, pooled by ${pool} to keep the figure small`
      : `x spans resampled to ${map.resolution} cells`;
  const figureWidth = Math.max(640, width + 120);
  return {
    name: 'attention-map',
    title: 'Mean attention of the final position over the prompt',
    spec: finishSpec({
      title: figureTitle(
        `Mean attention of the final position over the prompt, ` +
          `per layer and head (${report.prompts} prompts, n\u00a0=\u00a0${report.shots})`,
        [
          `Columns in prompt order: each demonstration i is x_i (${resolution}), ` +
            `y_i and its delimiter d_i (one cell each, d_i right of y_i); x_test last.`,
          ...templateNote(map),
          `White lines separate demonstrations. Colour: mean attention weight per cell` +
            `${byLayer ? `; one row per layer, the mean over its ${heads} heads (per head: the segment figure)` : ''}.`,
        ],
        Math.min(MAX_FIGURE_WIDTH, figureWidth),
      ),
      data: { values },
      width,
      height,
      layer: [
        {
          mark: { type: 'rect' },
          encoding: {
            x: {
              field: 'j',
              type: 'quantitative',
              scale: { domain: [0, cells.length], nice: false, zero: false },
              title: 'prompt position (x_i resampled, y_i, d_i, ..., x_test)',
              axis: { values: ticks.map((t) => t.at), labelExpr, grid: false, labelAngle: 0, labelOverlap: false, labelFontSize: 10 },
            },
            x2: { field: 'j1' },
            y: {
              field: 'row',
              type: 'ordinal',
              sort: names,
              title: byLayer ? 'layer (mean over heads)' : 'layer, head',
              axis: { values: thinned(names, rowHeight), labelFontSize: rowHeight >= 10 ? 10 : 9 },
            },
            color: {
              field: 'value',
              type: 'quantitative',
              title: 'attention',
              scale: { domain: [0, max], scheme: 'viridis', nice: false },
              legend: { format: '.3~r', gradientLength: Math.max(120, Math.min(height, 240)) },
            },
            tooltip: [
              { field: 'row', title: 'layer, head' },
              { field: 'segment', title: 'segment' },
              { field: 'label', title: 'attention' },
            ],
          },
        },
        {
          data: { values: boundaries.map((b) => ({ b })) },
          mark: { type: 'rule', color: 'white', strokeWidth: 1 },
          encoding: { x: { field: 'b', type: 'quantitative' } },
        },
      ],
    }),
  };
}

/** The attention map by segment: per (layer, head), the mean attention per cell of each segment, in prompt order. */
function attentionSegmentsFigure(report: ProbeReport): Figure {
  const map = report.attentionMap;
  const names = mapRowNames(map);
  const order: string[] = [];
  const members = new Map<string, number[]>();
  map.cells.forEach((c, j) => {
    const name = segmentName(c);
    if (!members.has(name)) {
      members.set(name, []);
      order.push(name);
    }
    members.get(name)!.push(j);
  });
  const rows = map.values.flat();
  const printed = names.length <= 64 && order.length <= 40;
  const cellWidth = printed ? 36 : Math.max(6, Math.min(24, Math.floor(900 / order.length)));
  const rowHeight = printed ? 20 : Math.max(2, Math.min(16, Math.floor(640 / names.length)));
  const values = rows.flatMap((r, i) =>
    order.map((name) => {
      const js = members.get(name)!;
      const value = js.reduce((s, j) => s + r[j], 0) / js.length;
      return { row: names[i], segment: name, value, label: formatNumber(value, 2) };
    }),
  );
  const max = Math.max(1e-9, ...values.map((v) => v.value).filter(Number.isFinite));
  // Names like 'd10' need about 26 px across: narrower cells get upright labels, which never collide.
  const x = {
    field: 'segment',
    type: 'ordinal',
    sort: order,
    title: 'segment (x_i, y_i, delimiter d_i, ..., x_test)',
    axis: { labelAngle: cellWidth < 28 ? -90 : 0, labelOverlap: false },
  };
  const y = { field: 'row', type: 'ordinal', sort: names, title: 'layer, head', axis: { values: thinned(names, rowHeight) } };
  const width = cellWidth * order.length;
  return {
    name: 'attention-segments',
    title: 'Mean attention per token of each prompt segment',
    spec: finishSpec({
      title: figureTitle(
        `Mean attention per token of each prompt segment (${report.prompts} prompts, n\u00a0=\u00a0${report.shots})`,
        [
          "The attention map averaged over each segment's cells: x_i, its label y_i, its delimiter d_i, and x_test.",
          ...templateNote(map),
          ...(printed ? ['Values printed with 2 significant digits.'] : []),
        ],
        Math.max(640, Math.min(MAX_FIGURE_WIDTH, width + 120)),
      ),
      data: { values },
      width,
      height: rowHeight * names.length,
      layer: [
        {
          mark: { type: 'rect' },
          encoding: {
            x,
            y,
            color: {
              field: 'value',
              type: 'quantitative',
              title: 'attention',
              scale: { domain: [0, max], scheme: 'viridis', nice: false },
              legend: { format: '.3~r', gradientLength: 160 },
            },
            tooltip: [y, x, { field: 'label', title: 'attention' }],
          },
        },
        ...(printed
          ? [
              {
                mark: { type: 'text', fontSize: 9, baseline: 'middle' },
                encoding: {
                  x,
                  y,
                  text: { field: 'label' },
                  fill: { condition: { test: `datum.value < ${max * 0.5}`, value: 'white' }, value: 'black' },
                },
              },
            ]
          : []),
      ],
    }),
  };
}

/** The key/value probes a report holds, their names and what they predict. */
const PROBES = [
  { key: 'keys', name: 'key probe', target: 'argmax_o P(o | x_i)' },
  { key: 'values', name: 'value probe', target: 'y_i' },
  { key: 'keyClasses', name: 'key probe', target: "x_i's class" },
] as const;

/** Why a probe is not drawn, or null when it is: a chance of 1 leaves nothing to learn. */
export function probeSkipped(probe: { chance: number } | null): string | null {
  if (probe === null) return 'not run';
  return probe.chance >= 1 - 1e-12 ? 'chance is 1: every example has the same target, nothing to learn' : null;
}

/** The key/value probes: held-out accuracy against the integer offset from the label position, one line per head, chance as a rule. */
function probesFigure(report: ProbeReport): Figure | null {
  const { offsets } = report.probes;
  const drawn = PROBES.filter((p) => report.probes[p.key] !== null && probeSkipped(report.probes[p.key]) === null);
  const skipped = PROBES.filter((p) => report.probes[p.key] !== null && probeSkipped(report.probes[p.key]) !== null);
  if (drawn.length === 0) return null;
  const heads = report.probes[drawn[0].key]!.heads.map((h) => ({ layer: h.layer, head: h.head, name: `L${h.layer}H${h.head}` }));
  const byHead = heads.length <= PALETTE.length;
  const layers = [...new Set(heads.map((h) => h.layer))].sort((a, b) => a - b);
  const width = Math.max(200, Math.min(300, offsets.length * 60));
  const height = 200;
  const panel = (p: (typeof PROBES)[number]) => {
    const probe = report.probes[p.key]!;
    const values = probe.heads.flatMap((h) =>
      offsets.map((o, i) => ({
        offset: o,
        accuracy: h.accuracy[i],
        head: `L${h.layer}H${h.head}`,
        layer: h.layer,
        label: formatNumber(h.accuracy[i]),
      })),
    );
    const x = {
      field: 'offset',
      type: 'ordinal',
      sort: [...offsets],
      title: 'offset from the label position (tokens)',
      axis: { labelAngle: 0, grid: true },
    };
    const y = { field: 'accuracy', type: 'quantitative', title: 'held-out accuracy', scale: { domain: [0, 1], nice: false } };
    const color = byHead
      ? {
          field: 'head',
          type: 'nominal',
          title: 'head',
          sort: heads.map((h) => h.name),
          scale: { range: PALETTE },
          legend: { orient: 'right' },
        }
      : {
          field: 'layer',
          type: 'quantitative',
          title: 'layer',
          scale: { scheme: 'viridis', domain: [layers[0], layers[layers.length - 1]] },
          legend: { orient: 'right', format: 'd', gradientLength: 160 },
        };
    return {
      title: {
        text: [`${p.name}: ${p.target}`, `${probe.examples} examples, chance ${formatNumber(probe.chance)}`],
        anchor: 'middle',
        fontSize: 12,
      },
      width,
      height,
      layer: [
        {
          data: { values },
          mark: {
            type: 'line',
            ...(byHead ? { point: { filled: true, size: 30 } } : {}),
            strokeWidth: byHead ? 1.5 : 1,
            opacity: byHead ? 0.85 : 0.6,
          },
          encoding: {
            x,
            y,
            color,
            detail: { field: 'head' },
            tooltip: [{ field: 'head' }, { field: 'offset', title: 'offset' }, { field: 'label', title: 'accuracy' }],
          },
        },
        {
          data: { values: [{ chance: probe.chance, label: `chance ${formatNumber(probe.chance)}` }] },
          layer: [
            {
              mark: { type: 'rule', color: '#333333', strokeDash: [4, 3], strokeWidth: 1.5 },
              encoding: { y: { field: 'chance', type: 'quantitative' } },
            },
            {
              mark: { type: 'text', align: 'right', baseline: 'bottom', dy: -2, fontSize: 10, color: '#333333' },
              encoding: { y: { field: 'chance', type: 'quantitative' }, x: { value: width - 2 }, text: { field: 'label' } },
            },
          ],
        },
      ],
    };
  };
  const notes = [
    'Ridge probes on the key or value vectors at offsets around each label position; accuracy on held-out examples.',
    ...skipped.map((p) => `Not drawn: the ${p.name} for ${p.target} (${probeSkipped(report.probes[p.key])}).`),
  ];
  const figureWidth = Math.min(MAX_FIGURE_WIDTH, drawn.length * (width + 70) + 100);
  return {
    name: 'probes',
    title: 'What keys and values hold: probe accuracy by offset',
    spec: finishSpec({
      title: figureTitle('What keys and values hold: held-out probe accuracy by offset from the label position', notes, figureWidth),
      hconcat: drawn.map(panel),
      resolve: { scale: { color: 'shared' } },
    }),
  };
}

/**
 * The probe figures: `agreement` and `accuracy` (the attention vote per head and variant, held
 * out where the report has it), `correlation-<kernel>` and `correlation-output` (diverging, -1..1),
 * `attention-map`, `attention-segments` and `probes` (key/value probe accuracy by offset).
 */
export function probeFigures(report: ProbeReport): Figure[] {
  const figures = [...headFigures(report), attentionMapFigure(report), attentionSegmentsFigure(report)];
  const probes = probesFigure(report);
  if (probes) figures.push(probes);
  return figures;
}

/** The model's and the prompts' names for titles (never a path). */
export function probeNames(report: ProbeReport): { model: string; source: string } {
  return { model: displayName(report.model), source: report.source.replace(/(\S*[\\/]\S*)/g, (p) => displayName(p)) };
}
