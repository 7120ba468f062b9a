/** The simulate report's figures: distances and accuracies of the kernel estimator against n, beside the paper's Table 3. */
import type { ConvergenceRow, ConvergenceStats } from '@iclkr/core';
import type { Paper, SimulateReport } from '../present/reports.js';
import { coincidenceNames, displayName, type Figure, figureTitle, finishSpec, nAxis, PALETTE, type SeriesStyle } from './figure.js';
import { type SeriesPoint, seriesChart } from './series.js';

/** The paper's Table 3 as series by n, read from the report's paper block (names like `distance at n = 4`); empty where it has none. */
export function paperTable3(paper: Paper | null | undefined): { distance: Map<number, number>; accuracy: Map<number, number> } {
  const distance = new Map<number, number>();
  const accuracy = new Map<number, number>();
  for (const v of paper?.values ?? []) {
    const n = /\bn\s*=\s*(\d+)/i.exec(v.name);
    // Only where our world is comparable (simulatePaper leaves `ours` null elsewhere): no reference line for another world.
    if (n === null || v.paper === null || v.ours === null) continue;
    if (/distance/i.test(v.name)) distance.set(Number(n[1]), v.paper);
    else if (/accuracy/i.test(v.name)) accuracy.set(Number(n[1]), v.paper);
  }
  return { distance, accuracy };
}

type Stat = keyof Omit<ConvergenceStats, 'ci'>;

/** One series: its values by n, with their 95% intervals where the report has them. */
interface Series {
  readonly name: string;
  readonly values: Map<number, number | null>;
  readonly intervals?: Map<number, readonly [number, number]>;
}

function statSeries(name: string, rows: readonly ConvergenceRow[], pick: (r: ConvergenceRow) => ConvergenceStats, stat: Stat): Series {
  return {
    name,
    values: new Map(rows.map((r) => [r.n, pick(r)[stat]])),
    intervals: new Map(rows.map((r) => [r.n, pick(r).ci[stat]])),
  };
}

const STYLE = {
  normalised: { color: PALETTE[0], dash: [], shape: 'circle' },
  unnormalised: { color: PALETTE[1], dash: [6, 3], shape: 'square' },
  vote: { color: PALETTE[4], dash: [2, 2], shape: 'triangle-up' },
  bayes: { color: PALETTE[6], dash: [8, 3, 2, 3], shape: 'diamond' },
  paper: { color: '#222222', dash: [4, 4], shape: 'cross' },
  tv: { color: PALETTE[2], dash: [], shape: 'square' },
} as const;

/** Points of the series in one panel, each series shifted by a few pixels (an equal value stays visible), with the legend names. */
function panelPoints(panel: string | undefined, series: readonly Series[], shift: (n: number, s: number) => number): SeriesPoint[] {
  const spread = 0.06;
  return series.flatMap((s, i) => {
    const offset = (i - (series.length - 1) / 2) * spread;
    return [...s.values].flatMap(([n, value]) => {
      if (value === null || !Number.isFinite(value)) return [];
      const interval = s.intervals?.get(n);
      return [
        {
          series: s.name,
          x: n,
          xShown: shift(n, offset),
          value,
          low: interval?.[0] ?? null,
          high: interval?.[1] ?? null,
          ...(panel ? { panel } : {}),
        },
      ];
    });
  });
}

/** Series renamed where they coincide with an earlier one in the same panel. */
function named(series: readonly Series[]): Series[] {
  const names = coincidenceNames(series);
  return series.map((s) => ({ ...s, name: names.get(s.name) ?? s.name }));
}

const WIDTH = 300;
const HEIGHT = 220;

/**
 * The simulate figures: `distance` (the normalised estimator beside the paper's Table 3, and the
 * theorem's 1/n form in its own panel) and `accuracy` (against the Bayes argmax and against the
 * sampled label), each with 95% bands on a log2 n axis ticked at the report's n.
 */
export function simulateFigures(report: SimulateReport): Figure[] {
  const { rows } = report;
  const ns = rows.map((r) => r.n);
  const axis = nAxis(ns);
  const table3 = paperTable3(report.paper);
  const inRange = (m: Map<number, number>) => new Map([...m].filter(([n]) => ns.includes(n)));
  const own = (r: ConvergenceRow) => r;
  const unnormalised = (r: ConvergenceRow) => r.unnormalized;
  const kernel = typeof report.settings.kernel === 'string' ? `${report.settings.kernel} kernel` : 'kernel estimator';
  const prompts = typeof report.settings.prompts === 'number' ? `${report.settings.prompts} prompts per n` : 'prompts per n';
  const world = displayName(report.world);
  const referenced = table3.distance.size > 0 || table3.accuracy.size > 0;
  const paperNote = (what: string) =>
    referenced
      ? `Black crosses: the paper's Table 3 ${what} at our n.`
      : 'No paper reference: the world is not the calibrated paper-table3 world.';
  const shifted = 'Points of series that share an n are drawn a few pixels apart so that equal values stay visible.';

  const paperDistance: Series = { name: "paper's distance (Table 3)", values: inRange(table3.distance) };
  const normalisedPanel = named([
    statSeries('L1, normalised', rows, own, 'l1'),
    statSeries('TV, normalised', rows, own, 'tv'),
    ...(paperDistance.values.size > 0 ? [paperDistance] : []),
  ]);
  const unnormalisedPanel = named([
    statSeries('L1, 1/n form', rows, unnormalised, 'l1'),
    statSeries('TV, 1/n form', rows, unnormalised, 'tv'),
  ]);
  const distanceStyles: SeriesStyle[] = [
    { name: normalisedPanel[0].name, ...STYLE.normalised },
    { name: normalisedPanel[1].name, ...STYLE.tv },
    ...(normalisedPanel[2] ? [{ name: normalisedPanel[2].name, ...STYLE.paper }] : []),
    { name: unnormalisedPanel[0].name, ...STYLE.unnormalised },
    { name: unnormalisedPanel[1].name, ...STYLE.vote, shape: 'square' },
  ];
  const distancePanels = ['normalised estimator', "1/n form (the theorem's; own scale)"];
  const figureWidth = 2 * (WIDTH + 60) + 28;
  const distance: Figure = {
    name: 'distance',
    title: `Distance to the Bayesian predictive (${world})`,
    spec: finishSpec({
      title: figureTitle(
        `Distance of the ${kernel} estimate to the exact Bayesian predictive, ${world}`,
        [
          `Mean over ${prompts} with 95% intervals (bands). L1 = sum over labels of |estimate - Bayes|, TV = L1 / 2.`,
          paperNote('distance (the paper does not define it)'),
          shifted,
        ],
        figureWidth,
      ),
      ...seriesChart({
        points: [
          ...panelPoints(distancePanels[0], normalisedPanel, axis.shifted),
          ...panelPoints(distancePanels[1], unnormalisedPanel, axis.shifted),
        ],
        styles: distanceStyles,
        legendTitle: 'distance',
        x: { title: 'demonstrations n', scale: axis.scale, axis: axis.axis },
        y: { title: 'distance to Bayes', zero: true },
        panels: distancePanels,
        independentY: true,
        width: WIDTH,
        height: HEIGHT,
      }),
    }),
  };

  const paperAccuracy: Series = { name: "paper's accuracy (Table 3)", values: inRange(table3.accuracy) };
  const vsBayes = named([
    statSeries('normalised estimator', rows, own, 'accVsBayes'),
    statSeries('1/n form', rows, unnormalised, 'accVsBayes'),
    { name: 'plain label vote (K = 1)', values: new Map(rows.map((r) => [r.n, r.voteAccVsBayes])) },
    ...(paperAccuracy.values.size > 0 ? [paperAccuracy] : []),
  ]);
  const vsLabel = named([
    statSeries('normalised estimator', rows, own, 'accVsLabel'),
    { name: 'Bayes argmax (the ceiling)', values: new Map(rows.map((r) => [r.n, r.bayesAccVsLabel])) },
  ]);
  const accuracyStyles: SeriesStyle[] = [
    { name: vsBayes[0].name, ...STYLE.normalised },
    { name: vsBayes[1].name, ...STYLE.unnormalised },
    { name: vsBayes[2].name, ...STYLE.vote },
    ...(vsBayes[3] ? [{ name: vsBayes[3].name, ...STYLE.paper }] : []),
    { name: vsLabel[1].name, ...STYLE.bayes },
  ];
  const accuracyPanels = ['against the Bayes argmax', 'against the sampled label'];
  const accuracy: Figure = {
    name: 'accuracy',
    title: `Accuracy of the kernel estimator (${world})`,
    spec: finishSpec({
      title: figureTitle(
        `Accuracy of the ${kernel} estimate, ${world}`,
        [
          `Share of ${prompts} where the estimate's argmax matches (95% Wilson intervals as bands; ties share the credit).`,
          paperNote('accuracy'),
          shifted,
        ],
        figureWidth,
      ),
      ...seriesChart({
        points: [...panelPoints(accuracyPanels[0], vsBayes, axis.shifted), ...panelPoints(accuracyPanels[1], vsLabel, axis.shifted)],
        styles: accuracyStyles,
        legendTitle: 'estimate',
        x: { title: 'demonstrations n', scale: axis.scale, axis: axis.axis },
        y: { title: 'accuracy', domain: [0, 1] },
        panels: accuracyPanels,
        width: WIDTH,
        height: HEIGHT,
      }),
    }),
  };
  return [distance, accuracy];
}
