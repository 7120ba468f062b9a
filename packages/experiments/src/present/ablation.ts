/** The ablation report's summary and tables. */
import type { AblationReport } from '@iclkr/core';
import { displayName } from '../figures/figure.js';
import { formatNumber as f, type Table } from './format.js';

/** Model, prompts, baseline, and the report's notes (the selected head's drop against the others', the knock-out pair). */
export function ablationSummary(r: AblationReport): string[] {
  const on = r.world !== null ? `world ${displayName(r.world)}` : r.source;
  return [
    `${displayName(r.model)} on ${on}: ${r.prompts} prompts with n = ${r.shots}${r.length !== null ? `, k = ${r.length}` : ''}, ` +
      `${r.mode}-ablation, seed ${r.meta.seed ?? '-'}, ${f(r.meta.seconds)} s. Unablated accuracy ${f(r.baseline.accuracy)}, ` +
      `majority of the demonstrations ${f(r.majority.accuracy)}.`,
    ...r.notes,
  ];
}

/** One row per head, then the knock-out pair. */
export function ablationTables(r: AblationReport): Table[] {
  const selected = (layer: number, head: number) => layer === r.selected.layer && head === r.selected.head;
  const tables: Table[] = [
    {
      title: `Each head ${r.mode}-ablated alone`,
      header: ['layer', 'head', 'accuracy', 'drop', 'agreement with unablated', 'probe selects'],
      key: 2,
      rows: r.rows.map((x) => [
        String(x.layer),
        String(x.head),
        f(x.accuracy),
        f(x.drop),
        f(x.agreement),
        selected(x.layer, x.head) ? 'yes' : '',
      ]),
      note: `Unablated accuracy ${f(r.baseline.accuracy)}, majority ${f(r.majority.accuracy)}; drop = unablated minus ablated accuracy, over all ${r.prompts} prompts.`,
    },
  ];
  if (r.knockout.length > 0) {
    tables.push({
      title: `Attention knock-out of the probe's head L${r.selected.layer}H${r.selected.head} (final position)`,
      header: ['target', 'attention removed', 'accuracy', 'drop', 'agreement with unablated'],
      rows: r.knockout.map((k) => [k.target, f(k.removedMass), f(k.accuracy), f(k.drop), f(k.agreement)]),
      note:
        r.world !== null
          ? "same-class: its attention to the demonstrations of x_test's class set to zero and the row renormalised; " +
            'other-class: the same mass taken from the other demonstrations in proportion to their attention (all of it where they hold less).'
          : 'most-attended: its attention to the quarter of the demonstrations it attends to most set to zero and the row renormalised; ' +
            'least-attended: the same mass taken from the others, the least-attended first (all of it where they hold less).',
    });
  }
  return tables;
}
