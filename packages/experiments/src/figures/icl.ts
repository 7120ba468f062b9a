/** The icl report's figure: the model's in-context accuracy against n beside exact Bayes and the baselines. */
import type { IclRow } from '@iclkr/core';
import type { IclReport } from '../present/reports.js';
import { coincidenceNames, displayName, type Figure, figureTitle, finishSpec, nAxis, PALETTE, type SeriesStyle } from './figure.js';
import { type SeriesPoint, seriesChart } from './series.js';

/** A predictor the figure draws: its style, its accuracy in a row, and the row's 95% interval where the report has one. */
interface Predictor extends SeriesStyle {
  pick(row: IclRow): number | null;
  band?(row: IclRow): readonly [number, number];
}

const PREDICTORS: readonly Predictor[] = [
  { name: 'model', color: PALETTE[0], dash: [], shape: 'circle', pick: (r) => r.accuracy, band: (r) => r.accuracyCi },
  { name: 'exact Bayes', color: PALETTE[1], dash: [6, 3], shape: 'square', pick: (r) => r.bayesAccuracy },
  { name: 'majority of the demonstrations', color: '#7f7f7f', dash: [2, 2], shape: 'triangle-up', pick: (r) => r.majorityAccuracy },
  {
    name: "same-class oracle (majority of x_test's class)",
    color: PALETTE[4],
    dash: [8, 3, 2, 3],
    shape: 'diamond',
    pick: (r) => r.oracleAccuracy,
  },
];

/** The model's name for titles: the folder's basename, or 'built-in model'. */
export function modelName(model: string): string {
  return displayName(model);
}

const WIDTH = 320;
const HEIGHT = 220;

/**
 * The icl figure `accuracy`: accuracy against n (symlog axis: n = 0 shown, one tick per n) of the
 * model (95% band), exact Bayes, the majority of the demonstrations and the same-class oracle;
 * one panel per task distribution (in / out of distribution) and per input length k.
 */
export function iclFigures(report: IclReport): Figure[] {
  const rows = report.rows;
  const axis = nAxis(rows.map((r) => r.n));
  const tasks = (ood: boolean) => (ood ? 'out-of-distribution tasks' : 'in-distribution tasks');
  const panels = [...new Set(rows.map((r) => r.ood))].sort().map(tasks);
  const ks = [...new Set(rows.map((r) => r.k))].sort((a, b) => a - b);
  const rowName = (k: number) => `input length k = ${k}`;
  const predictors = PREDICTORS.filter((p) => rows.some((r) => p.pick(r) !== null));
  const points: SeriesPoint[] = [];
  const names = new Map<string, string>();
  for (const ood of [false, true]) {
    for (const k of ks) {
      const group = rows.filter((r) => r.ood === ood && r.k === k).sort((a, b) => a.n - b.n);
      if (group.length === 0) continue;
      const series = predictors.map((p) => ({ name: p.name, values: new Map(group.map((r) => [r.n, p.pick(r)])) }));
      for (const [name, renamed] of coincidenceNames(series))
        if (group.length > 1 && renamed.endsWith('at every n')) names.set(name, renamed);
      predictors.forEach((p, i) => {
        const offset = (i - (predictors.length - 1) / 2) * 0.06;
        for (const r of group) {
          const value = p.pick(r);
          if (value === null) continue;
          const band = p.band?.(r);
          points.push({
            series: p.name,
            x: r.n,
            xShown: axis.shifted(r.n, offset),
            value,
            low: band?.[0] ?? null,
            high: band?.[1] ?? null,
            panel: tasks(ood),
            ...(ks.length > 1 ? { row: rowName(k) } : {}),
          });
        }
      });
    }
  }
  const prompts = [...new Set(rows.map((r) => r.prompts))];
  const model = modelName(report.model);
  const world = displayName(report.world);
  const width = panels.length * (WIDTH + 60) + (panels.length - 1) * 28;
  const subtitle = [
    `${prompts.join(' / ')} prompts per point; the band is the model's 95% interval.` +
      (ks.length === 1 ? ` Input length k = ${ks[0]}.` : ''),
    'Points that share an n are drawn a few pixels apart so that equal values stay visible.',
    ...(names.size > 0 ? [`Coinciding in every panel: ${[...names.values()].join('; ')}.`] : []),
  ];
  return [
    {
      name: 'accuracy',
      title: `In-context accuracy (${model} on ${world})`,
      spec: finishSpec({
        title: figureTitle(`In-context accuracy against the sampled label: ${model} on ${world}`, subtitle, width),
        ...seriesChart({
          points,
          styles: predictors,
          legendTitle: 'predictor',
          x: { title: 'demonstrations n', scale: axis.scale, axis: axis.axis },
          y: { title: 'accuracy', domain: [0, 1] },
          panels,
          ...(ks.length > 1 ? { rows: ks.map(rowName) } : {}),
          width: WIDTH,
          height: HEIGHT,
        }),
      }),
    },
  ];
}
