/** The tables of each report, the same on the console (`textTable`) and in the HTML page (`reportHtml`). */
import type { ConvergenceRow } from '@iclkr/core';
import { paperTable3 } from '../figures/simulate.js';
import { formatInterval, formatNumber as f, type Table } from './format.js';
import { heldOutScores, type IclReport, type PretrainReport, type ProbeReport, type SimulateReport } from './reports.js';

const VARIANTS = ['span', 'label', 'line'] as const;

/**
 * The simulate tables: the convergence table (one row per n: both estimator forms, the vote,
 * Bayes, and the paper's Table 3 beside ours where the report carries it) and the bound's constants.
 */
export function simulateTables(report: SimulateReport): Table[] {
  const table3 = paperTable3(report.paper);
  const paper = table3.distance.size > 0 || table3.accuracy.size > 0;
  const excluded = report.rows.some((r) => r.excluded > 0);
  const header = [
    'n',
    'L1',
    'TV',
    'KL',
    'acc. vs Bayes [95% CI]',
    'acc. vs label',
    'Bayes acc. vs label',
    'label vote acc. vs Bayes',
    'L1 (1/n form)',
    'acc. vs Bayes (1/n form)',
    ...(excluded ? ['excluded (impossible)'] : []),
    ...(paper ? ['paper distance', 'paper accuracy'] : []),
  ];
  const rows = report.rows.map((r: ConvergenceRow) => [
    String(r.n),
    f(r.l1),
    f(r.tv),
    f(r.kl),
    formatInterval(r.accVsBayes, r.ci.accVsBayes),
    f(r.accVsLabel),
    f(r.bayesAccVsLabel),
    f(r.voteAccVsBayes),
    f(r.unnormalized.l1),
    f(r.unnormalized.accVsBayes),
    ...(excluded ? [String(r.excluded)] : []),
    ...(paper ? [f(table3.distance.get(r.n) ?? null), f(table3.accuracy.get(r.n) ?? null)] : []),
  ]);
  const prompts = typeof report.settings.prompts === 'number' ? `${report.settings.prompts} prompts` : 'the prompts';
  const { eta, epsTheta } = report.bounds;
  return [
    {
      title: `Convergence to the Bayesian predictive (${report.world})`,
      header,
      rows,
      note:
        `Every column is over all ${prompts} of each n (the same prompts for every n). ` +
        `Distances are means of the normalised estimator's; ` +
        "'1/n form' is the theorem's unnormalised (1/n) sum_i K(x_i, x) e(y_i); " +
        'the label vote weighs every demonstration equally (K = 1).' +
        (paper ? " Paper columns: the paper's Table 3 (its distance is not specified)." : ''),
    },
    {
      title: "The bound's constants",
      header: ['constant', 'value'],
      rows: [['eta = sup ||T_x||_F', f(eta)], ...(epsTheta ?? []).map((e, i) => [`eps_theta, task ${i + 1}`, f(e)])],
      note: epsTheta === null ? 'eps_theta was not computed for this world.' : null,
    },
  ];
}

/** The icl table: one row per task distribution, input length k and n, the model beside exact Bayes and the two baselines. */
export function iclTables(report: IclReport): Table[] {
  const rows = [...report.rows].sort((a, b) => Number(a.ood) - Number(b.ood) || a.k - b.k || a.n - b.n);
  return [
    {
      title: 'In-context accuracy against the sampled label',
      header: [
        'tasks',
        'k',
        'n',
        'prompts',
        'model accuracy [95% CI]',
        'majority of demos',
        'same-class oracle',
        'exact Bayes',
        'model agrees with Bayes',
        'KL(Bayes || model), nats',
      ],
      rows: rows.map((r) => [
        r.ood ? 'out-of-distribution' : 'in-distribution',
        String(r.k),
        String(r.n),
        String(r.prompts),
        formatInterval(r.accuracy, r.accuracyCi),
        f(r.majorityAccuracy),
        f(r.oracleAccuracy),
        f(r.bayesAccuracy),
        f(r.agreementWithBayes),
        f(r.klFromBayes),
      ]),
      key: 3,
      note:
        "Every column is over all prompts of its row. Majority: the demonstrations' most frequent label (n = 0 guesses); " +
        "same-class oracle: the majority over the demonstrations of x_test's class; '-' where the world has no classes.",
    },
  ];
}

/**
 * The probe tables: the model and baselines, the best head per variant, every head, the
 * kernel-regression baselines and the key/value probes.
 */
export function probeTables(report: ProbeReport): Table[] {
  const held = report.heldOut;
  const selection = report.prompts - held.prompts;
  const kernel = report.kernel ?? 'true kernel';
  const heldOut = report.heads.length > 0 && report.heads.every((h) => VARIANTS.every((v) => heldOutScores(h.variants[v]) !== null));
  const tables: Table[] = [
    {
      title: 'The model and the label-vote baselines',
      header: [
        'predictor',
        `agreement (all ${report.prompts})`,
        `accuracy (all ${report.prompts})`,
        `agreement (held out ${held.prompts})`,
        `accuracy (held out ${held.prompts})`,
      ],
      rows: [
        ["the model's ICL prediction", '1', f(report.modelAccuracy), '1', f(held.modelAccuracy)],
        [
          'majority of the demonstrations',
          f(report.majority.agreement),
          f(report.majority.accuracy),
          f(held.majority.agreement),
          f(held.majority.accuracy),
        ],
        ...(report.oracle && held.oracle
          ? [
              [
                "same-class oracle (majority of x_test's class)",
                f(report.oracle.agreement),
                f(report.oracle.accuracy),
                f(held.oracle.agreement),
                f(held.oracle.accuracy),
              ],
            ]
          : []),
      ],
      note:
        `Agreement: with the model's prediction; accuracy: against the gold label. ` +
        `'all': all ${report.prompts} prompts; 'held out': the ${held.prompts} prompts not used to choose heads.`,
    },
    {
      title: 'Best head per a_i variant (chosen on the selection prompts)',
      header: [
        'a_i read over',
        'head',
        `agreement (selection ${selection})`,
        `accuracy (selection ${selection})`,
        `agreement (held out ${held.prompts})`,
        `accuracy (held out ${held.prompts})`,
        'held-out accuracy over majority',
        `r(a, ${kernel}) (all)`,
      ],
      rows: VARIANTS.map((v) => {
        const b = report.bestByVariant[v];
        const name = { span: "[x_i, y_i] (the paper's)", label: 'y_i alone', line: 'the line with its delimiter' }[v];
        return [
          name,
          `L${b.layer}H${b.head}`,
          f(b.selectionAgreement),
          f(b.selectionAccuracy),
          f(b.heldOutAgreement),
          f(b.heldOutAccuracy),
          f(b.heldOutAccuracy - held.majority.accuracy),
          f(b.kernelCorrelation),
        ];
      }),
      note:
        `Each variant's head is the one with the best agreement on the ${selection} selection prompts; ` +
        `its scores on the other ${held.prompts} are the honest ones. The correlation is over all prompts.`,
    },
  ];
  const scoreColumns = heldOut ? VARIANTS.flatMap((v) => [`${v}: agr. (held out)`, `${v}: acc. (held out)`]) : [];
  tables.push({
    title: 'Every head: the attention vote and its correlations',
    key: 2,
    header: [
      'layer',
      'head',
      ...scoreColumns,
      ...VARIANTS.flatMap((v) => [`${v}: agr. (all)`, `${v}: acc. (all)`]),
      `span: r(a, ${kernel})`,
      `line: r(a, ${kernel})`,
      'span: r(a, output sim.)',
    ],
    rows: report.heads.map((h) => [
      String(h.layer),
      String(h.head),
      ...(heldOut ? VARIANTS.flatMap((v) => [f(heldOutScores(h.variants[v])?.agreement), f(heldOutScores(h.variants[v])?.accuracy)]) : []),
      ...VARIANTS.flatMap((v) => [f(h.variants[v].agreement), f(h.variants[v].accuracy)]),
      f(h.kernelCorrelation),
      f(h.variants.line.kernelCorrelation),
      f(h.outputCorrelation.pearson),
    ]),
    note:
      "span: a_i over [x_i, y_i] (the paper's); label: at y_i; line: over the line with its delimiter. " +
      'agr.: agreement with the model; acc.: accuracy against the gold label. ' +
      (heldOut ? `'held out': the ${held.prompts} held-out prompts; ` : 'This report has no held-out scores per head; ') +
      `'all' and every correlation: all ${report.prompts} prompts. r: Pearson over demonstrations, mean over prompts.`,
  });
  tables.push({
    title: 'Explicit kernel-regression baselines',
    header: [
      'baseline',
      'what it is',
      `agreement (all ${report.prompts})`,
      `accuracy (all ${report.prompts})`,
      `agreement (held out ${held.prompts})`,
      `accuracy (held out ${held.prompts})`,
    ],
    rows: report.baselines.map((b) => [
      b.name,
      b.description,
      f(b.all.agreement),
      f(b.all.accuracy),
      f(b.heldOut.agreement),
      f(b.heldOut.accuracy),
    ]),
    note:
      "Votes over the demonstrations' labels weighted by a similarity computed outside the attention: " +
      "agreement with the model's prediction, accuracy against the gold label.",
  });
  const probes = [
    { key: 'keys', title: 'Key probes: predicting argmax_o P(o | x_i)' },
    { key: 'values', title: 'Value probes: predicting y_i' },
    { key: 'keyClasses', title: "Key probes: predicting x_i's class" },
  ] as const;
  for (const p of probes) {
    const probe = report.probes[p.key];
    if (probe === null) continue;
    const nothing = probe.chance >= 1 - 1e-12;
    tables.push({
      title: `${p.title} (chance ${f(probe.chance)})`,
      header: ['head', ...report.probes.offsets.map((o) => `offset ${o > 0 ? `+${o}` : o}`)],
      rows: probe.heads.map((h) => [`L${h.layer}H${h.head}`, ...h.accuracy.map((a) => f(a))]),
      note:
        `Held-out accuracy of a ridge probe (lambda ` +
        `${[...new Set(probe.heads.flatMap((h) => h.lambda))].map((l) => f(l)).join(', ')}) on ${probe.examples} examples, ` +
        `at offsets from the label position; chance: always guessing the most frequent target.` +
        (nothing ? ' Chance is 1: every example has the same target, so there is nothing to learn (not drawn).' : ''),
    });
  }
  return tables;
}

/**
 * The pretrain table: one row per evaluation (losses, learning rate, gradient norm, speed) with the
 * quick ICL probe's accuracy per n beside its majority baseline.
 */
export function pretrainTables(report: PretrainReport): Table[] {
  const entries = [...report.entries].sort((a, b) => a.step - b.step);
  const ns = [...new Set(entries.flatMap((e) => e.icl.map((r) => r.n)))].sort((a, b) => a - b);
  return [
    {
      title: `Pre-training log (${report.world})`,
      header: [
        'step',
        'tokens',
        'loss',
        'val. loss',
        'learning rate',
        'grad. norm',
        'tokens/s',
        'seconds',
        ...ns.flatMap((n) => [`n=${n}: model`, `n=${n}: majority`]),
      ],
      rows: entries.map((e) => [
        String(e.step),
        f(e.tokens),
        f(e.loss),
        f(e.valLoss),
        f(e.lr),
        f(e.gradNorm),
        f(e.tokensPerSecond),
        f(e.seconds),
        ...ns.flatMap((n) => {
          const r = e.icl.find((x) => x.n === n);
          return [f(r?.accuracy ?? null), f(r?.majorityAccuracy ?? null)];
        }),
      ]),
      note:
        'loss: mean training loss since the previous entry; val. loss: on the fixed validation ' +
        "batches (nats per token). n=N columns: the quick ICL probe's accuracy against " +
        'the sampled label with N demonstrations, beside the majority of the demonstrations.' +
        (report.stopped ? ' The run was stopped before its last step.' : ''),
    },
  ];
}
