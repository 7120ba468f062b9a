import { type IclReport, iclReportSchema, type IclRow, linePlot, } from '@iclkr/core';
import { loadGptCheckpoint } from '@iclkr/probing/node';
import { PRESET_NAMES, type World } from '@iclkr/theory';
import { intListOption, numberOption, type OptionValues } from '../args.js';
import type { Command } from '../command.js';
import { defaultModelDir } from '../default-model.js';
import { evaluateIcl, type IclSettings } from '../icl/evaluate.js';
import { fmt, table } from '../output.js';
import { checkFolderFree, reportHtml, reportMeta, settingLines, writeReportFolder } from '../report-page.js';
import { modelWorld, resolveWorld } from '../model-world.js';

const MAX_SEED = 2 ** 31 - 1;
const DEFAULT_SHOTS = [0, 1, 2, 4, 8, 16, 32];

function parseSettings(values: OptionValues, world: World): IclSettings {
  return {
    shots: intListOption(values, 'shots', 0) ?? DEFAULT_SHOTS,
    lengths: intListOption(values, 'lengths', 1) ?? [world.spec.inputLength ?? 3],
    prompts: numberOption(values, 'prompts', (n) => Number.isSafeInteger(n) && n >= 1, 'an integer >= 1') ?? 500,
    ood: values.ood === true,
    seed: numberOption(values, 'seed', (n) => Number.isInteger(n) && n >= 0 && n <= MAX_SEED, `an integer in [0, ${MAX_SEED}]`) ?? 0,
  };
}

/** The summary table: one row per (distribution, k, n). */
function summaryTable(rows: readonly IclRow[]): { header: string[]; cells: string[][] } {
  const header = ['tasks', 'k', 'n', 'accuracy [95% CI]', 'majority', 'same-class oracle', 'Bayes', 'agrees with Bayes', 'KL from Bayes'];
  const cells = rows.map((r) => [
    r.ood ? 'out-of-distribution' : 'in-distribution',
    String(r.k),
    String(r.n),
    `${fmt(r.accuracy)} [${fmt(r.accuracyCi[0])}, ${fmt(r.accuracyCi[1])}]`,
    fmt(r.majorityAccuracy),
    fmt(r.oracleAccuracy),
    fmt(r.bayesAccuracy),
    fmt(r.agreementWithBayes),
    fmt(r.klFromBayes),
  ]);
  return { header, cells };
}

/** Accuracy against n for the model, Bayes and the baselines, one set of curves per (distribution, k). */
function accuracyPlot(report: IclReport): string {
  const groups = [...new Set(report.rows.map((r) => `${r.ood ? 'OOD' : 'in'} k=${r.k}`))];
  const series = groups.flatMap((g) => {
    const rows = report.rows.filter((r) => `${r.ood ? 'OOD' : 'in'} k=${r.k}` === g);
    const line = (name: string, pick: (r: IclRow) => number | null, dashed = false) => ({
      name: groups.length > 1 ? `${name} (${g})` : name,
      points: rows.filter((r) => pick(r) !== null).map((r) => [r.n, pick(r)!] as const),
      dashed,
    });
    return [
      { ...line('model', (r) => r.accuracy), band: rows.map((r) => [r.n, ...r.accuracyCi] as const) },
      line('Bayes', (r) => r.bayesAccuracy, true),
      line('majority of demonstrations', (r) => r.majorityAccuracy, true),
      ...(rows.some((r) => r.oracleAccuracy !== null) ? [line('same-class oracle', (r) => r.oracleAccuracy, true)] : []),
    ];
  });
  return linePlot({ title: `In-context accuracy (${report.model} on ${report.world})`, xLabel: 'demonstrations n', yLabel: 'accuracy', xScale: 'linear', yRange: [0, 1], series });
}

/** `iclkr icl`: a model's in-context accuracy against the label, exact Bayes and two baselines. */
export const iclCommand: Command = {
  name: 'icl',
  summary:
    "Score a model's in-context prediction on prompts of its world (x_1 y_1 delim ... x_n y_n delim x_test)\nagainst the sampled label, the exact Bayesian predictive, the demonstrations' majority label and the\nsame-class oracle, per n and k, in- and out-of-distribution; a table, --json, or a report folder.",
  options: {
    model: { type: 'string', placeholder: 'DIR', description: 'model folder written by `iclkr pretrain` (default: the built-in model)' },
    world: { type: 'string', placeholder: 'PRESET|FILE', description: `world of the prompts: ${PRESET_NAMES.join(', ')} or a world JSON file (default: the model's own)` },
    shots: { type: 'string', placeholder: 'N1,N2,...', description: 'numbers of demonstrations n', default: DEFAULT_SHOTS.join(',') },
    lengths: { type: 'string', placeholder: 'K1,K2,...', description: "input lengths k (default: the world's inputLength, else 3)" },
    prompts: { type: 'string', placeholder: 'N', description: 'prompts per (n, k)', default: '500' },
    ood: { type: 'boolean', description: 'also score out-of-distribution tasks (prior 0 in pre-training)' },
    seed: { type: 'string', placeholder: 'S', description: 'seed of the prompts (and of a preset --world)', default: '0' },
    json: { type: 'boolean', description: 'print the JSON report on stdout instead of the table' },
    out: { type: 'string', placeholder: 'DIR', description: 'write report.json, accuracy.svg, report.html to DIR (must not exist, or be empty; atomic)' },
  },
  async run(values, context) {
    const out = typeof values.out === 'string' ? values.out : undefined;
    if (out !== undefined) await checkFolderFree(out);
    const modelDir = typeof values.model === 'string' ? values.model : defaultModelDir();
    const started = performance.now();
    const checkpoint = await loadGptCheckpoint(modelDir);
    try {
      const seedForWorld = numberOption(values, 'seed', Number.isInteger) ?? 0;
      const world = typeof values.world === 'string' ? await resolveWorld(values.world, seedForWorld) : modelWorld(checkpoint.world, modelDir);
      const settings = parseSettings(values, world);
      const bar = context.progress('icl');
      const rows = evaluateIcl(checkpoint.model, world, settings, (done, total) => bar.update(done, total));
      bar.finish();
      const worldName = world.spec.name ?? String(values.world ?? 'world');
      const report: IclReport = iclReportSchema.parse({
        meta: reportMeta('icl', context, { seed: settings.seed, settings: { model: modelDir, world: values.world ?? 'the model\'s own', ...settings }, started }),
        world: worldName,
        model: modelDir,
        rows,
      });
      const tableData = summaryTable(rows);
      const summary = `model ${modelDir} on world ${worldName}: ${settings.prompts} prompts per row, seed ${settings.seed}, ${fmt(report.meta.seconds)} s`;
      const json = `${JSON.stringify(report, null, 2)}\n`;
      if (out !== undefined) {
        const svg = accuracyPlot(report);
        await writeReportFolder(out, {
          'report.json': json,
          'accuracy.svg': svg,
          'report.html': reportHtml({ title: `iclkr icl: ${modelDir} on ${worldName}`, summary, table: tableData, svgs: [svg], settings: report.meta.settings, meta: report.meta }),
        });
      }
      if (values.json) {
        context.stdout.write(json);
        return;
      }
      context.stdout.write(
        `${summary}\n${table(tableData.header, tableData.cells)}settings:\n${settingLines(report.meta.settings).map((l) => `  ${l}\n`).join('')}` +
          (out !== undefined ? `report written to ${out} (report.json, accuracy.svg, report.html)\n` : 'pass --json or --out DIR for the full report\n'),
      );
    } finally {
      checkpoint.model.dispose();
    }
  },
};
