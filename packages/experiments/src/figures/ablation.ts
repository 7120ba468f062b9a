/** The ablation report's figures: layer x head heatmaps of the accuracy drop and of the agreement with the unablated model. */
import type { AblationReport } from '@iclkr/core';
import type { Figure } from './figure.js';
import { headHeatmap } from './heatmap.js';

/** The drop heatmap (diverging: a negative drop is a gain) and the agreement heatmap, the probe's head outlined. */
export function ablationFigures(report: AblationReport): Figure[] {
  const best = { layer: report.selected.layer, head: report.selected.head };
  const how = report.mode === 'mean' ? `mean-ablated (its mean over ${report.referencePrompts} reference prompts)` : 'zero-ablated';
  const subtitle = [
    `Each head ${how} alone, on ${report.prompts} prompts with n = ${report.shots}; the unablated accuracy is ${report.baseline.accuracy.toFixed(3)}, the majority vote's ${report.majority.accuracy.toFixed(3)}.`,
    `Outlined: the head iclkr probe selects (L${best.layer}H${best.head}).`,
  ];
  return [
    headHeatmap({
      name: 'drop',
      title: 'Accuracy drop when one head is ablated',
      subtitle,
      legendTitle: 'accuracy drop',
      scale: 'diverging',
      panels: [
        {
          label: 'unablated accuracy minus ablated',
          cells: report.rows.map((r) => ({ layer: r.layer, head: r.head, value: r.drop })),
          best,
        },
      ],
    }),
    headHeatmap({
      name: 'agreement',
      title: "Agreement with the model's own unablated prediction when one head is ablated",
      subtitle,
      legendTitle: 'agreement',
      scale: 'unit',
      panels: [{ label: 'agreement', cells: report.rows.map((r) => ({ layer: r.layer, head: r.head, value: r.agreement })), best }],
    }),
  ];
}
