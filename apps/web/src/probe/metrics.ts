/** What the probe explorer's heatmaps show: per vote variant, the vote's agreement and accuracy and each correlation of a_i. */
import type { ProbeHead, ProbeReport } from '@iclkr/core';

/** Where a head's a_i is read (the report's variants). */
export type Variant = 'span' | 'label' | 'line';

/** Every variant with its name as the figures give it. */
export const VARIANT_LABELS: Record<Variant, string> = {
  span: "a_i over [x_i, y_i] (the paper's)",
  label: 'a_i at y_i alone',
  line: 'a_i over the line and delimiter',
};

/** One heatmap: its `data-metric` (the value's path in a report head), title, scale and what prompts it is computed on. */
export interface HeadMetric {
  readonly path: string;
  readonly title: string;
  readonly scale: 'unit' | 'diverging';
  readonly scope: string;
}

/** The value at a dotted path in a head (`variants.span.heldOut.agreement`), null where absent. */
export function headValue(head: ProbeHead, path: string): number | null {
  let value: unknown = head;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return null;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === 'number' ? value : null;
}

/** The heatmaps of a report in a variant: scores on the held-out prompts (all prompts where the report lacks them), then correlations. */
export function headMetrics(report: ProbeReport, variant: Variant): HeadMetric[] {
  const v = `variants.${variant}`;
  const heldOut = report.heads.length > 0 && report.heads.every((h) => h.variants[variant].heldOut !== null);
  const scope = heldOut
    ? `held-out prompts (${report.heldOut.prompts} of ${report.prompts})`
    : `all ${report.prompts} prompts (no held-out scores per head in this report)`;
  const scores = heldOut ? `${v}.heldOut` : v;
  const all = `all ${report.prompts} prompts, per-prompt Pearson r over the demonstrations, mean`;
  const kernels = [...new Set(report.heads.flatMap((h) => Object.keys(h.variants[variant].trueCorrelation)))];
  const metrics: HeadMetric[] = [
    { path: `${scores}.agreement`, title: "vote agreement with the model's prediction", scale: 'unit', scope },
    { path: `${scores}.accuracy`, title: 'vote accuracy against the gold label', scale: 'unit', scope },
    ...kernels.map((k) => ({
      path: `${v}.trueCorrelation.${k}.pearson`,
      title: `Pearson(a_i, the world's ${k} kernel K(x_test, x_i))`,
      scale: 'diverging' as const,
      scope: all,
    })),
    { path: `${v}.outputCorrelation.pearson`, title: "Pearson(a_i, the model's output similarity)", scale: 'diverging', scope: all },
  ];
  return metrics.filter((m) => report.heads.some((h) => headValue(h, m.path) !== null));
}
