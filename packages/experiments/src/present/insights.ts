/** The insights report's title, summary and tables, the same on the console and in the HTML page. */
import type { InsightsReport, InsightsTaskRow, InsightsTypoRow } from '@iclkr/core';
import { displayName } from '../figures/figure.js';
import { formatInterval, formatNumber as f, type Table } from './format.js';

type Of<E extends InsightsReport['experiment']> = Extract<InsightsReport, { experiment: E }>;

const EXPERIMENT_TITLES = { format: 'label formats', ood: 'out-of-distribution inputs', order: 'demonstration order' } as const;

/** The page title: the experiment and the model (never a path). */
export function insightsTitle(r: InsightsReport): string {
  const on = r.mode === 'world' ? r.source : displayName(r.source.split(' (')[0]);
  return `iclkr insights ${r.experiment} (${EXPERIMENT_TITLES[r.experiment]}): ${displayName(r.model)} on ${on}`;
}

const head = (h: { layer: number; head: number; variant: string } | null) => (h === null ? '-' : `L${h.layer}H${h.head} (${h.variant})`);
const largestN = (rows: readonly { n: number }[]) => Math.max(...rows.map((r) => r.n));

/** The summary paragraphs. */
export function insightsSummary(r: InsightsReport): string[] {
  const lines = [`${displayName(r.model)} on ${r.source}: seed ${r.meta.seed ?? '-'}, ${f(r.meta.seconds)} s.`];
  if (r.experiment === 'format') {
    const n = largestN(r.rows);
    const at = r.rows.filter((x) => x.n === n);
    lines.push(
      `At n = ${n}: ${at.map((x) => `${x.variant} ${f(x.accuracy)}`).join(', ')} (chance ${f(r.chance)}); ` +
        `the best head agrees with the model on ${at.map((x) => f(x.headAgreement)).join(' / ')} of the held-out prompts.`,
    );
  } else if (r.experiment === 'ood' && r.mode === 'world') {
    const rows = r.rows as InsightsTaskRow[];
    const n = largestN(rows);
    const mean = (ood: boolean) => {
      const xs = rows.filter((x) => x.n === n && x.ood === ood);
      return xs.reduce((s, x) => s + x.accuracy, 0) / xs.length;
    };
    lines.push(
      `At n = ${n}: mean accuracy ${f(mean(true))} on ${rows.filter((x) => x.n === n && x.ood).length} out-of-distribution tasks, ` +
        `${f(mean(false))} on as many in-distribution ones; eta = ${f(r.eta)}.`,
      ...(r.sameInputs
        ? [
            'Every task draws x alike here, so eps_theta = 0 exactly for every task (the rows hold 0); the Monte Carlo estimator ' +
              `gives ${f(r.epsEstimate)} for any of them, its bias at these sample counts.`,
          ]
        : []),
    );
  } else if (r.experiment === 'ood') {
    const rows = (r.rows as InsightsTypoRow[]).filter((x) => x.n === largestN(r.rows));
    lines.push(`At n = ${rows[0]?.n}: accuracy ${rows.map((x) => `${f(x.accuracy)} at rate ${x.rate}`).join(', ')}.`);
  } else {
    const x = r.rows.find((row) => row.n === largestN(r.rows))!;
    lines.push(
      `At n = ${x.n} (${x.permutations} orders per prompt): the prediction changes on ${formatInterval(x.predictionChange, x.predictionChangeCi)} ` +
        `of the prompts, the gold probability spreads by ${formatInterval(x.spread, x.spreadCi)}, the best head's vote ` +
        `changes on ${f(x.headVoteChange)}; kernel regression predicts 0 for each.`,
    );
  }
  return lines;
}

function formatTables(r: Of<'format'>): Table[] {
  return [
    {
      title: 'Accuracy and the best head per label variant',
      header: ['variant', 'n', 'prompts', 'accuracy [95% CI]', 'best head', 'head agreement (held out)', 'head accuracy (held out)'],
      rows: r.rows.map((x) => [
        x.variant,
        String(x.n),
        String(x.prompts),
        formatInterval(x.accuracy, x.accuracyCi),
        head(x.head),
        f(x.headAgreement),
        f(x.head?.heldOutAccuracy ?? null),
      ]),
      key: 2,
      note:
        "Accuracy is the model's argmax over the variant's label tokens against the gold label written in that variant, over all prompts; " +
        `chance is ${f(r.chance)}. Each row chooses its best head and reading of a_i (span [x_i, y_i], label y_i, or line [x_i, delimiter]) ` +
        'on a selection split of its prompts and scores it on the rest.',
    },
    {
      title: 'The label variants',
      header: ['variant', 'labels', 'what they are'],
      rows: r.variants.map((v) => [v.name, v.labels === null ? 'per prompt' : v.labels.join(', '), v.description]),
      note: null,
    },
  ];
}

function taskTables(r: Of<'ood'>, rows: readonly InsightsTaskRow[]): Table[] {
  const ns = [...new Set(rows.map((x) => x.n))].sort((a, b) => a - b);
  const tasks = [...new Map(rows.map((x) => [x.task, x])).values()].sort((a, b) => Number(b.ood) - Number(a.ood) || a.task - b.task);
  return [
    {
      title: 'Accuracy per task beside the bias term eta^2 eps_theta',
      header: ['task', 'name', 'tasks', 'eps_theta', 'eta^2 eps_theta', ...ns.map((n) => `accuracy, n = ${n} [95% CI]`)],
      rows: tasks.map((t) => [
        String(t.task),
        t.name,
        t.ood ? 'out of distribution' : 'in distribution',
        f(t.epsTheta),
        f(t.bias),
        ...ns.map((n) => {
          const x = rows.find((y) => y.task === t.task && y.n === n);
          return x === undefined ? '-' : formatInterval(x.accuracy, x.accuracyCi);
        }),
      ]),
      key: 2,
      note: `Each task's accuracy is over ${rows[0]?.prompts ?? 0} prompts of that task alone; eta = ${f(r.eta)}. ${r.boundsNote ?? ''}`,
    },
  ];
}

function typoTables(rows: readonly InsightsTypoRow[]): Table[] {
  return [
    {
      title: 'Accuracy with typo noise on the queries',
      header: ['rate', 'edits per letter or digit', 'n', 'prompts', 'accuracy [95% CI]'],
      rows: rows.map((x) => [String(x.rate), f(x.editRate), String(x.n), String(x.prompts), formatInterval(x.accuracy, x.accuracyCi)]),
      key: 3,
      note:
        'Seeded swaps, drops and insertions on the queries only (the demonstrations stay clean); every rate and n has the same queries ' +
        'and demonstrations. The edit column counts the edits made.',
    },
  ];
}

function orderTables(r: Of<'order'>): Table[] {
  return [
    {
      title: 'How much the order of the demonstrations moves the model',
      header: [
        'n',
        'prompts',
        'orders',
        'accuracy (given order)',
        'accuracy (all orders)',
        'prediction changes [95% CI]',
        'gold prob. spread [95% CI]',
        'gold prob. sd [95% CI]',
        'best head',
        'head vote changes [95% CI]',
        'head vote spread [95% CI]',
      ],
      rows: r.rows.map((x) => [
        String(x.n),
        String(x.prompts),
        String(x.permutations),
        formatInterval(x.accuracy, x.accuracyCi),
        f(x.permutedAccuracy),
        formatInterval(x.predictionChange, x.predictionChangeCi),
        formatInterval(x.spread, x.spreadCi),
        formatInterval(x.spreadSd, x.spreadSdCi),
        head(x.head),
        formatInterval(x.headVoteChange, x.headVoteChangeCi),
        formatInterval(x.headSpread, x.headSpreadCi),
      ]),
      note:
        'Each prompt runs in min(--permutations, n!) orders of the same demonstrations, the given order first. A prediction or vote ' +
        "changes when some order's argmax differs from the given order's; spread is max - min over the orders, sd their standard deviation, " +
        'each averaged over prompts. The best head and reading of a_i are chosen on a selection split of the given orders. ' +
        'Kernel regression predicts 0 throughout.',
    },
  ];
}

/** The tables of an insights report. */
export function insightsTables(r: InsightsReport): Table[] {
  if (r.experiment === 'format') return formatTables(r);
  if (r.experiment === 'order') return orderTables(r);
  return r.mode === 'world' ? taskTables(r, r.rows as InsightsTaskRow[]) : typoTables(r.rows as InsightsTypoRow[]);
}
