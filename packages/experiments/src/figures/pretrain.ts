/** The pretrain report's figures: the losses against steps, and the quick ICL probe's accuracy per n beside its baselines. */
import { formatNumber } from '../present/format.js';
import type { PretrainReport } from '../present/reports.js';
import { displayName, type Figure, figureTitle, finishSpec, PALETTE, type SeriesStyle } from './figure.js';
import { type SeriesPoint, seriesChart } from './series.js';

const WIDTH = 420;
const HEIGHT = 240;

/** The x axis of steps: linear, ticks chosen by vega, integer labels. */
function stepAxis(steps: readonly number[]) {
  const hi = Math.max(1, ...steps);
  return { title: 'training step', scale: { domain: [0, hi], nice: false, zero: true }, axis: { format: ',d', grid: true, tickCount: 8 } };
}

/**
 * The pretrain figures: `loss` (training and validation loss against the step) and `icl`
 * (the quick ICL probe: the model's accuracy per n against the step, beside the majority of the
 * demonstrations, the same-class oracle and exact Bayes; one panel per n).
 */
export function pretrainFigures(report: PretrainReport): Figure[] {
  const entries = [...report.entries].sort((a, b) => a.step - b.step);
  if (entries.length === 0) return [];
  const steps = entries.map((e) => e.step);
  const x = stepAxis(steps);
  const world = displayName(report.world);
  const last = entries[entries.length - 1];
  const point = (series: string, step: number, value: number | null, panel?: string): SeriesPoint[] =>
    value === null || !Number.isFinite(value)
      ? []
      : [{ series, x: step, xShown: step, value, low: null, high: null, ...(panel ? { panel } : {}) }];
  const lossStyles: SeriesStyle[] = [
    { name: 'training loss (mean since the previous entry)', color: PALETTE[0], dash: [], shape: 'circle' },
    { name: 'validation loss', color: PALETTE[1], dash: [6, 3], shape: 'square' },
  ];
  const loss: Figure = {
    name: 'loss',
    title: `Pre-training loss (${world})`,
    spec: finishSpec({
      title: figureTitle(
        `Pre-training loss on ${world}`,
        [
          `Cross-entropy in nats per token. After ${formatNumber(last.step)} steps (${formatNumber(last.tokens)} tokens): ` +
            `training ${formatNumber(last.loss)}, validation ${formatNumber(last.valLoss)}.` +
            `${report.stopped ? ' The run was stopped before its last step.' : ''}`,
        ],
        WIDTH + 80,
      ),
      ...seriesChart({
        points: entries.flatMap((e) => [...point(lossStyles[0].name, e.step, e.loss), ...point(lossStyles[1].name, e.step, e.valLoss)]),
        styles: lossStyles,
        legendTitle: 'loss',
        x,
        y: { title: 'loss (nats per token)', zero: false },
        width: WIDTH,
        height: HEIGHT,
      }),
    }),
  };
  const ns = [...new Set(entries.flatMap((e) => e.icl.map((r) => r.n)))].sort((a, b) => a - b);
  if (ns.length === 0) return [loss];
  const iclStyles: SeriesStyle[] = [
    { name: 'model', color: PALETTE[0], dash: [], shape: 'circle' },
    { name: 'majority of the demonstrations', color: '#7f7f7f', dash: [2, 2], shape: 'triangle-up' },
    { name: "same-class oracle (majority of x_test's class)", color: PALETTE[4], dash: [8, 3, 2, 3], shape: 'diamond' },
    { name: 'exact Bayes', color: PALETTE[1], dash: [6, 3], shape: 'square' },
  ];
  const panelName = (n: number) => `n = ${n} demonstrations`;
  const points = entries.flatMap((e) =>
    e.icl.flatMap((r) => [
      ...point('model', e.step, r.accuracy, panelName(r.n)),
      ...point('majority of the demonstrations', e.step, r.majorityAccuracy, panelName(r.n)),
      ...point("same-class oracle (majority of x_test's class)", e.step, r.oracleAccuracy, panelName(r.n)),
      ...point('exact Bayes', e.step, r.bayesAccuracy, panelName(r.n)),
    ]),
  );
  const styles = iclStyles.filter((s) => points.some((p) => p.series === s.name));
  const panelWidth = ns.length > 2 ? 260 : 340;
  const icl: Figure = {
    name: 'icl',
    title: `Quick ICL probe during pre-training (${world})`,
    spec: finishSpec({
      title: figureTitle(
        `In-context accuracy during pre-training on ${world}: the quick ICL probe at each evaluation`,
        ["Accuracy against the sampled label on the probe's prompts, one panel per number of demonstrations n."],
        ns.length * (panelWidth + 60),
      ),
      ...seriesChart({
        points,
        styles,
        legendTitle: 'predictor',
        x,
        y: { title: 'accuracy', domain: [0, 1] },
        panels: ns.map(panelName),
        width: panelWidth,
        height: 200,
      }),
    }),
  };
  return [loss, icl];
}
