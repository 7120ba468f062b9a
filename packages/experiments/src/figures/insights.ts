/**
 * The insights figures: format (accuracy and the best head's agreement against n per label
 * variant), OOD (accuracy per task against eta^2 eps_theta, or against the typo rate) and order
 * (how often the prediction and the head's vote change across orders, and the spread).
 */
import type { InsightsReport, InsightsTaskRow, InsightsTypoRow } from '@iclkr/core';
import { displayName, type Figure, figureTitle, finishSpec, nAxis, PALETTE, type SeriesStyle } from './figure.js';
import { type SeriesPoint, seriesChart } from './series.js';

type Of<E extends InsightsReport['experiment']> = Extract<InsightsReport, { experiment: E }>;

const WIDTH = 320;
const HEIGHT = 220;
const SHAPES = ['circle', 'square', 'triangle-up', 'diamond', 'cross', 'triangle-down'];
const DASHES = [[], [6, 3], [2, 2], [8, 3, 2, 3], [4, 4], [1, 3]];

/** A style per series name, in order. */
function styles(names: readonly string[]): SeriesStyle[] {
  return names.map((name, i) => ({
    name,
    color: PALETTE[i % PALETTE.length],
    dash: DASHES[i % DASHES.length],
    shape: SHAPES[i % SHAPES.length],
  }));
}

/** Where the report's prompts came from, for titles. */
const where = (r: InsightsReport) =>
  `${displayName(r.model)} on ${r.mode === 'world' ? r.source.replace(/^world /, '') : displayName(r.source.split(' ')[0])}`;

/** format: accuracy (with its band) and the best head's held-out agreement against n, one series per label variant. */
function formatFigures(r: Of<'format'>): Figure[] {
  const variants = r.variants.map((v) => v.name);
  const axis = nAxis(r.rows.map((x) => x.n));
  const panels = ["ICL accuracy (gold in the variant's label space)", "best head's vote agreement with the model (held out)"];
  const points: SeriesPoint[] = r.rows.flatMap((x) => {
    const offset = (variants.indexOf(x.variant) - (variants.length - 1) / 2) * 0.06;
    const at = { series: x.variant, x: x.n, xShown: axis.shifted(x.n, offset) };
    return [
      { ...at, value: x.accuracy, low: x.accuracyCi[0], high: x.accuracyCi[1], panel: panels[0] },
      ...(x.headAgreement === null ? [] : [{ ...at, value: x.headAgreement, low: null, high: null, panel: panels[1] }]),
    ];
  });
  const prompts = [...new Set(r.rows.map((x) => x.prompts))].join(' / ');
  return [
    {
      name: 'format',
      title: `Label formats (${where(r)})`,
      spec: finishSpec({
        title: figureTitle(
          `Label words varied on the same prompts: ${where(r)}`,
          [`${prompts} prompts per point; the band is the accuracy's 95% interval; the dashed line is chance (${r.chance.toFixed(3)}).`],
          2 * (WIDTH + 60),
        ),
        ...seriesChart({
          points,
          styles: styles(variants),
          legendTitle: 'labels',
          x: { title: 'demonstrations n', scale: axis.scale, axis: axis.axis },
          y: { title: 'share of prompts', domain: [0, 1] },
          panels,
          rules: [{ value: r.chance, label: 'chance', panel: panels[0] }],
          width: WIDTH,
          height: HEIGHT,
        }),
      }),
    },
  ];
}

/**
 * OOD in a world: each task's accuracy against n (a line per task, coloured by in or out of
 * distribution) and, where the bias terms differ, its accuracy at the largest n against eta^2 eps_theta.
 */
function taskFigure(r: Of<'ood'>, rows: readonly InsightsTaskRow[]): Figure {
  const ns = [...new Set(rows.map((x) => x.n))].sort((a, b) => a - b);
  const last = ns[ns.length - 1];
  const axis = nAxis(ns);
  const groups = ['out-of-distribution task', 'in-distribution task'];
  const data = rows.map((x) => ({
    n: x.n,
    task: x.name,
    group: x.ood ? groups[0] : groups[1],
    bias: x.bias,
    eps: x.epsTheta,
    accuracy: x.accuracy,
    low: x.accuracyCi[0],
    high: x.accuracyCi[1],
  }));
  const color = {
    field: 'group',
    type: 'nominal',
    title: 'task',
    scale: { domain: groups, range: [PALETTE[2], PALETTE[0]] },
    legend: { orient: 'bottom' },
  };
  const y = { field: 'accuracy', type: 'quantitative', title: 'accuracy', scale: { domain: [0, 1], nice: false } };
  const tooltip = [
    { field: 'task', type: 'nominal' },
    { field: 'group', type: 'nominal' },
    { field: 'n', type: 'quantitative' },
    { field: 'accuracy', type: 'quantitative', format: '.3~r' },
    { field: 'bias', type: 'quantitative', title: 'eta^2 eps_theta', format: '.3~r' },
  ];
  const byN = {
    title: { text: 'accuracy per task against n', anchor: 'middle', fontSize: 12 },
    width: WIDTH,
    height: HEIGHT,
    data: { values: data },
    layer: [
      {
        mark: { type: 'line', strokeWidth: 1.5, opacity: 0.8 },
        encoding: {
          x: { field: 'n', type: 'quantitative', title: 'demonstrations n', scale: axis.scale, axis: axis.axis },
          y,
          color,
          detail: { field: 'task' },
        },
      },
      {
        mark: { type: 'point', filled: true, size: 36 },
        encoding: { x: { field: 'n', type: 'quantitative', scale: axis.scale, axis: axis.axis }, y, color, tooltip },
      },
    ],
  };
  const biases = new Set(rows.map((x) => x.bias));
  const scatter = {
    title: { text: `accuracy at n = ${last} against eta^2 eps_theta`, anchor: 'middle', fontSize: 12 },
    width: WIDTH,
    height: HEIGHT,
    data: { values: data.filter((x) => x.n === last && x.bias !== null) },
    layer: [
      {
        mark: { type: 'rule', opacity: 0.5 },
        encoding: {
          x: { field: 'bias', type: 'quantitative', title: 'eta^2 eps_theta', scale: { zero: false, nice: true } },
          y: { field: 'low', type: 'quantitative' },
          y2: { field: 'high' },
          color,
        },
      },
      { mark: { type: 'point', filled: true, size: 50 }, encoding: { x: { field: 'bias', type: 'quantitative' }, y, color, tooltip } },
    ],
  };
  const spread = biases.size > 1 && !biases.has(null);
  const subtitle = [
    `Each task's accuracy is over its own ${rows[0]?.prompts ?? 0} prompts.`,
    r.sameInputs
      ? `Every task here draws x alike, so eta^2 eps_theta = 0 for every task: the bias term cannot tell in from out of distribution.`
      : spread
        ? "Right: each task at the largest n against the bias term of the theorem's bound (95% interval as a bar)."
        : `No spread of eta^2 eps_theta to plot: ${r.boundsNote ?? 'not computed'}.`,
  ];
  return {
    name: 'ood',
    title: `Out-of-distribution tasks and eta^2 eps_theta (${where(r)})`,
    spec: finishSpec({
      ...(spread ? { hconcat: [byN, scatter], resolve: { scale: { color: 'shared' } } } : { ...byN, title: undefined }),
      title: figureTitle(`Accuracy per task, in and out of distribution: ${where(r)}`, subtitle, spread ? 2 * WIDTH + 60 : WIDTH + 240),
    }),
  };
}

/** OOD on text: accuracy against the typo rate, one series per n. */
function typoFigure(r: Of<'ood'>, rows: readonly InsightsTypoRow[]): Figure {
  const ns = [...new Set(rows.map((x) => x.n))].sort((a, b) => a - b);
  const names = ns.map((n) => `n = ${n}`);
  const rates = [...new Set(rows.map((x) => x.rate))].sort((a, b) => a - b);
  const points: SeriesPoint[] = rows.map((x) => ({
    series: `n = ${x.n}`,
    x: x.rate,
    xShown: x.rate + (ns.indexOf(x.n) - (ns.length - 1) / 2) * 0.002,
    value: x.accuracy,
    low: x.accuracyCi[0],
    high: x.accuracyCi[1],
  }));
  const prompts = [...new Set(rows.map((x) => x.prompts))].join(' / ');
  return {
    name: 'typos',
    title: `Typo noise on the queries (${where(r)})`,
    spec: finishSpec({
      title: figureTitle(
        `Accuracy with typo noise on the queries: ${where(r)}`,
        [`${prompts} prompts per point, the same queries and demonstrations at every rate; the band is the 95% interval.`],
        WIDTH + 100,
      ),
      ...seriesChart({
        points,
        styles: styles(names),
        legendTitle: 'demonstrations',
        x: { title: 'typo rate (edits per letter or digit)', scale: { zero: true, nice: false }, axis: { values: rates, grid: true } },
        y: { title: 'accuracy', domain: [0, 1] },
        width: WIDTH,
        height: HEIGHT,
      }),
    }),
  };
}

/** order: the shares of prompts whose prediction and best-head vote change across orders, and the gold probability's spread. */
function orderFigures(r: Of<'order'>): Figure[] {
  const axis = nAxis(r.rows.map((x) => x.n));
  const series = [
    "model's prediction changes",
    "best head's vote changes",
    "spread (max - min) of the gold label's probability",
    "spread of the gold label's share of the head's vote",
  ];
  const points: SeriesPoint[] = r.rows.flatMap((x) => {
    const values: [number, number | null, readonly [number, number] | null][] = [
      [0, x.predictionChange, x.predictionChangeCi],
      [1, x.headVoteChange, x.headVoteChangeCi],
      [2, x.spread, x.spreadCi],
      [3, x.headSpread, x.headSpreadCi],
    ];
    return values.flatMap(([i, value, band]) =>
      value === null
        ? []
        : [
            {
              series: series[i],
              x: x.n,
              xShown: axis.shifted(x.n, (i - 1.5) * 0.05),
              value,
              low: band?.[0] ?? null,
              high: band?.[1] ?? null,
            },
          ],
    );
  });
  const present = series.filter((s) => points.some((p) => p.series === s));
  const orders = r.rows.map((x) => `${x.permutations} at n = ${x.n}`).join(', ');
  return [
    {
      name: 'order',
      title: `Order sensitivity (${where(r)})`,
      spec: finishSpec({
        title: figureTitle(
          `Demonstration order: ${where(r)}`,
          [
            `Orders per prompt: ${orders}; ${r.rows[0]?.prompts ?? 0} prompts per n; bands are 95% intervals over prompts.`,
            'Kernel regression ignores order: it predicts 0 for every series.',
          ],
          WIDTH + 380,
        ),
        ...seriesChart({
          points,
          styles: styles(present),
          legendTitle: 'across orders',
          x: { title: 'demonstrations n', scale: axis.scale, axis: axis.axis },
          y: { title: 'share of prompts / probability', domain: [0, 1] },
          width: WIDTH + 80,
          height: HEIGHT,
        }),
      }),
    },
  ];
}

/** The figures of an insights report, by its experiment. */
export function insightsFigures(report: InsightsReport): Figure[] {
  if (report.experiment === 'format') return formatFigures(report);
  if (report.experiment === 'order') return orderFigures(report);
  return report.mode === 'world'
    ? [taskFigure(report, report.rows as InsightsTaskRow[])]
    : [typoFigure(report, report.rows as InsightsTypoRow[])];
}
