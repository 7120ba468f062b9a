import {
  type ConvergenceRow,
  linePlot,
  OptionError,
  type PlotSeries,
  type SimulateReport,
  simulateReportSchema,
} from '@iclkr/core';
import {
  BAYES_MODES,
  type ConvergenceSettings,
  DEFAULT_TEMPERATURE,
  ESTIMATOR_KERNELS,
  PAPER_TABLE3,
  THEOREM_KERNEL_DEFAULTS,
  runConvergence,
  type World,
} from '@iclkr/theory';
import { choiceOption, intListOption, numberOption, type OptionValues } from '../args.js';
import type { Command } from '../command.js';
import { WORLD_OPTIONS, worldSource } from '../world-source.js';
import { fmt, table } from '../output.js';
import { checkFolderFree, reportHtml, reportMeta, settingLines, writeReportFolder } from '../report-page.js';

const MAX_SEED = 2 ** 31 - 1;
const DEFAULT_SHOTS = [1, 2, 4, 8, 16, 32, 64, 128];

/** The files of a report folder, in the order they are listed. */
const REPORT_FILES = ['report.json', 'distance.svg', 'accuracy.svg', 'report.html'] as const;

/** The experiment's settings from the options: every value checked, absent ones left to runConvergence's defaults. */
function parseSettings(values: OptionValues): ConvergenceSettings {
  const count = (n: number) => Number.isSafeInteger(n) && n >= 1;
  const positive = (n: number) => Number.isFinite(n) && n > 0;
  const kernel = choiceOption(values, 'kernel', ESTIMATOR_KERNELS);
  const temperature = numberOption(values, 'temperature', positive, 'a positive number');
  if (temperature !== undefined && kernel !== 'attention') {
    throw new OptionError('--temperature applies only to the attention kernel', 'drop --temperature or pass --kernel attention');
  }
  return {
    shots: intListOption(values, 'shots', 0) ?? DEFAULT_SHOTS,
    prompts: numberOption(values, 'prompts', (n) => Number.isSafeInteger(n) && n >= 2, 'an integer >= 2') ?? 200,
    kernel,
    seed: numberOption(values, 'seed', (n) => Number.isInteger(n) && n >= 0 && n <= MAX_SEED, `an integer in [0, ${MAX_SEED}]`) ?? 0,
    inputLength: numberOption(values, 'length', count, 'an integer >= 1'),
    mode: choiceOption(values, 'mode', BAYES_MODES),
    sigmaSamples: numberOption(values, 'sigma-samples', count, 'an integer >= 1'),
    ridge: numberOption(values, 'ridge', positive, 'a positive number'),
    temperature,
    ood: values.ood === true,
  };
}

/** The summary table (one row per n), with the paper's row beside ours when `paper` is set. */
function summaryTable(rows: readonly ConvergenceRow[], paper: boolean): { header: string[]; cells: string[][] } {
  const header = ['n', 'L1', 'TV', 'KL', 'acc vs Bayes [95% CI]', 'acc vs label', 'Bayes acc vs label', 'vote acc vs Bayes', 'L1 (1/n)', 'acc vs Bayes (1/n)'];
  const excluded = rows.some((r) => r.excluded > 0);
  if (excluded) header.push('excluded (impossible)');
  if (paper) header.push('paper distance', 'paper accuracy');
  const cells = rows.map((r) => {
    const [lo, hi] = r.ci.accVsBayes;
    const line = [String(r.n), fmt(r.l1), fmt(r.tv), fmt(r.kl), `${fmt(r.accVsBayes)} [${fmt(lo)}, ${fmt(hi)}]`, fmt(r.accVsLabel), fmt(r.bayesAccVsLabel), fmt(r.voteAccVsBayes), fmt(r.unnormalized.l1), fmt(r.unnormalized.accVsBayes)];
    if (excluded) line.push(String(r.excluded));
    if (paper) {
      const i = PAPER_TABLE3.n.indexOf(r.n);
      line.push(i < 0 ? '-' : PAPER_TABLE3.distance[i].toFixed(3), i < 0 ? '-' : PAPER_TABLE3.accuracy[i].toFixed(3));
    }
    return line;
  });
  return { header, cells };
}

function boundsLine(bounds: SimulateReport['bounds']): string {
  const eps = bounds.epsTheta === null ? '-' : `[${bounds.epsTheta.map(fmt).join(', ')}]`;
  return `bound constants: eta = sup ||T_x||_F = ${fmt(bounds.eta)}, eps_theta per task = ${eps}`;
}

/** The two plots, drawn from the report's rows (plus the paper's published series when `paper` is set). */
function plots(report: SimulateReport, paper: boolean): { distance: string; accuracy: string } {
  const { rows } = report;
  type Stat = 'l1' | 'tv' | 'accVsBayes' | 'accVsLabel';
  const line = (name: string, pick: (r: ConvergenceRow) => ConvergenceRow | ConvergenceRow['unnormalized'], stat: Stat, dashed = false): PlotSeries => ({
    name,
    points: rows.map((r) => [r.n, pick(r)[stat]] as const),
    band: rows.map((r) => [r.n, ...pick(r).ci[stat]] as const),
    dashed,
  });
  const own = (r: ConvergenceRow) => r;
  const unnormalized = (r: ConvergenceRow) => r.unnormalized;
  const reference = (name: string, values: readonly number[]): PlotSeries[] =>
    paper ? [{ name, points: PAPER_TABLE3.n.map((n, i) => [n, values[i]] as const), dashed: true }] : [];
  const common = { xLabel: 'demonstrations n', xScale: 'log2' as const };
  return {
    distance: linePlot({
      ...common,
      title: `Distance to the Bayesian predictive (${report.world})`,
      yLabel: 'distance (mean over prompts, 95% CI)',
      series: [
        line('L1', own, 'l1'),
        line('TV', own, 'tv'),
        line('L1, 1/n form', unnormalized, 'l1', true),
        line('TV, 1/n form', unnormalized, 'tv', true),
        ...reference('paper distance (Table 3)', PAPER_TABLE3.distance),
      ],
    }),
    accuracy: linePlot({
      ...common,
      title: `Accuracy of the kernel estimator (${report.world})`,
      yLabel: 'accuracy (95% CI)',
      yRange: [0, 1],
      series: [
        line('vs Bayes argmax', own, 'accVsBayes'),
        line('vs sampled label', own, 'accVsLabel'),
        { name: 'Bayes vs sampled label', points: rows.map((r) => [r.n, r.bayesAccVsLabel] as const) },
        { name: 'plain label vote vs Bayes argmax', points: rows.map((r) => [r.n, r.voteAccVsBayes] as const), dashed: true },
        line('vs Bayes, 1/n form', unnormalized, 'accVsBayes', true),
        ...reference('paper accuracy (Table 3)', PAPER_TABLE3.accuracy),
      ],
    }),
  };
}

/** `iclkr simulate`: the paper's Table 3 experiment (kernel regression vs the exact Bayesian predictive). */
export const simulateCommand: Command = {
  name: 'simulate',
  summary:
    "The paper's Table 3 experiment on an HMM task mixture: the kernel-regression estimator vs the exact\nBayesian predictive for n = 1, 2, 4, ... demonstrations (L1, TV, KL, accuracy, 95% CIs); a table or a report folder.",
  options: {
    ...WORLD_OPTIONS,
    shots: { type: 'string', placeholder: 'N1,N2,...', description: 'numbers of demonstrations n (integers >= 0; n = 0 scores the uniform guess)', default: DEFAULT_SHOTS.join(',') },
    prompts: { type: 'string', placeholder: 'N', description: 'prompts per n (the same prompts serve every n)', default: '200' },
    kernel: {
      type: 'string',
      placeholder: ESTIMATOR_KERNELS.join('|'),
      description: "the estimator's kernel (default: theorem, vec(T_x)^T Sigma^-1 vec(T_x'), where vec(T_x) is small enough, else belief)",
    },
    length: { type: 'string', placeholder: 'K', description: "example length k (default: the world's inputLength, else 2)" },
    mode: { type: 'string', placeholder: BAYES_MODES.join('|'), description: 'exact predictive: delimiters restart sampling (the theorem) or one continuous sequence', default: 'restart' },
    'sigma-samples': { type: 'string', placeholder: 'N', description: 'samples of x from the pre-training distribution to estimate Sigma (theorem kernel)', default: String(THEOREM_KERNEL_DEFAULTS.samples) },
    ridge: { type: 'string', placeholder: 'R', description: 'ridge added to Sigma, relative to its mean eigenvalue (theorem kernel)', default: String(THEOREM_KERNEL_DEFAULTS.ridge) },
    temperature: { type: 'string', placeholder: 'T', description: 'temperature of the attention kernel', default: String(DEFAULT_TEMPERATURE) },
    ood: { type: 'boolean', description: 'draw prompts from out-of-distribution tasks (prior 0) instead of in-distribution ones' },
    seed: { type: 'string', placeholder: 'S', description: 'seed of the preset world and of the experiment', default: '0' },
    json: { type: 'boolean', description: 'print the JSON report on stdout instead of the table' },
    out: { type: 'string', placeholder: 'DIR', description: 'write report.json, distance.svg, accuracy.svg, report.html to DIR (must not exist, or be empty; atomic)' },
  },
  async run(values, context) {
    const source = worldSource(values);
    const { preset, path: worldPath, params } = source;
    const settings = parseSettings(values);
    const out = typeof values.out === 'string' ? values.out : undefined;
    if (out !== undefined) await checkFolderFree(out);

    const started = performance.now();
    const world: World = await source.load(settings.seed);
    const bars = { sigma: context.progress('Sigma'), prompts: context.progress('prompts') };
    const result = runConvergence(world, settings, (stage, done, total) => bars[stage].update(done, total));
    bars.sigma.finish();
    bars.prompts.finish();

    const worldName = world.spec.name ?? preset ?? worldPath!;
    const report: SimulateReport = simulateReportSchema.parse({
      meta: reportMeta('simulate', context, {
        seed: settings.seed,
        settings: { ...(preset !== undefined ? { preset, ...(params ? { param: params } : {}) } : { world: worldPath }), ...settings },
        started,
      }),
      world: worldName,
      ...result,
      settings: { ...result.settings, ...(world.spec.generator ? { generator: world.spec.generator } : {}) },
    });
    const paper = preset === 'paper-table3';
    const tableData = summaryTable(report.rows, paper);
    const summary =
      `world ${worldName} (${world.tasks.length} tasks, ${world.d} states, ${world.m} tokens), kernel ${String(report.settings.kernel)}, ` +
      `${settings.prompts} ${settings.ood ? 'out-of-distribution ' : ''}prompts per n, seed ${settings.seed}, ${fmt(report.meta.seconds)} s`;
    const json = `${JSON.stringify(report, null, 2)}\n`;
    if (out !== undefined) {
      const svgs = plots(report, paper);
      await writeReportFolder(out, {
        'report.json': json,
        'distance.svg': svgs.distance,
        'accuracy.svg': svgs.accuracy,
        'report.html': reportHtml({
          title: `iclkr simulate: ${report.world}`,
          summary,
          table: tableData,
          svgs: [svgs.distance, svgs.accuracy],
          settings: report.settings,
          notes: [boundsLine(report.bounds)],
          meta: report.meta,
        }),
      });
    }
    if (values.json) {
      context.stdout.write(json);
      return;
    }
    context.stdout.write(
      `${summary}\n${table(tableData.header, tableData.cells)}` +
        (paper ? "paper distance and accuracy: the paper's Table 3 (its distance is not specified)\n" : '') +
        `settings:\n${settingLines(report.settings).map((l) => `  ${l}\n`).join('')}` +
        `${boundsLine(report.bounds)}\n` +
        (out !== undefined ? `report written to ${out} (${REPORT_FILES.join(', ')})\n` : 'pass --json or --out DIR for the full report and plots\n'),
    );
  },
};
