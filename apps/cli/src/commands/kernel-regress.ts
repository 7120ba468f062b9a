import {
  type KernelRegressReport,
  kernelRegressReportSchema,
  OptionError,
} from '@iclkr/core';
import { loadNumericTable } from '@iclkr/core/node';
import { checkBandwidth, kernelRegression, parseKernelName } from '@iclkr/kernels';
import { choiceOption, numberOption, requireString } from '../args.js';
import type { Command } from '../command.js';
import { fmt, table, writeOutput } from '../output.js';
import { reportMeta } from '../report-page.js';

function parseBandwidth(value: string | boolean | undefined): number | 'loo' | undefined {
  if (value === undefined || value === 'loo') return value;
  const h = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || Number.isNaN(h)) {
    throw new OptionError(`--bandwidth ${String(value)} is neither a number nor 'loo'`, "pass --bandwidth H (H > 0) or --bandwidth loo");
  }
  return checkBandwidth(h);
}

/** `iclkr kernel-regress`: Nadaraya–Watson from a training table to a test table. */
export const kernelRegressCommand: Command = {
  name: 'kernel-regress',
  summary:
    'Nadaraya-Watson kernel regression from a training table to a test table (CSV, TSV or JSONL\nwith numeric feature columns and a target column); prints or writes predictions and metrics.',
  options: {
    train: { type: 'string', placeholder: 'FILE', description: 'training table (.csv, .tsv or .jsonl)' },
    test: { type: 'string', placeholder: 'FILE', description: 'table to predict (its target column, if present, is scored)' },
    target: { type: 'string', placeholder: 'NAME', description: "target column (default: 'y' if present, else the last column)" },
    kernel: { type: 'string', placeholder: 'rbf|laplacian|linear|cosine|poly|attention', description: 'kernel', default: 'rbf' },
    bandwidth: { type: 'string', placeholder: 'H|loo', description: 'bandwidth (temperature for attention), or loo to choose it by leave-one-out', default: 'loo' },
    'loo-search': { type: 'string', placeholder: 'grid|golden', description: 'leave-one-out search: best of a 19-point grid, or golden-section refinement around it', default: 'grid' },
    mode: { type: 'string', placeholder: 'classify|regress', description: 'classify labels or regress real values (default: classify when the target is non-numeric or has <= 20 distinct integers)' },
    unnormalized: { type: 'boolean', description: "use the theorem's (1/n) sum_i K(x, x_i) y_i instead of the normalised estimator" },
    degree: { type: 'string', placeholder: 'D', description: 'poly kernel degree', default: '3' },
    gamma: { type: 'string', placeholder: 'G', description: 'poly kernel gamma', default: '1/features' },
    coef0: { type: 'string', placeholder: 'C', description: 'poly kernel coef0', default: '1' },
    'max-memory': { type: 'string', placeholder: 'MB', description: 'memory budget for one batch of queries', default: '256' },
    json: { type: 'boolean', description: 'print the JSON report on stdout instead of a summary' },
    out: { type: 'string', placeholder: 'FILE', description: 'also write the JSON report to FILE (atomically)' },
  },
  async run(values, context) {
    const trainPath = requireString(values, 'train', 'kernel-regress');
    const testPath = requireString(values, 'test', 'kernel-regress');
    const kernel = parseKernelName((values.kernel as string | undefined) ?? 'rbf');
    const bandwidth = parseBandwidth(values.bandwidth);
    const positive = (n: number) => Number.isFinite(n) && n > 0;
    const settings = {
      kernel,
      bandwidth,
      mode: choiceOption(values, 'mode', ['classify', 'regress'] as const),
      looSearch: choiceOption(values, 'loo-search', ['grid', 'golden'] as const),
      normalize: !values.unnormalized,
      degree: numberOption(values, 'degree', (n) => Number.isInteger(n) && n >= 1, 'an integer >= 1'),
      gamma: numberOption(values, 'gamma', positive, 'a positive number'),
      coef0: numberOption(values, 'coef0'),
      maxMemoryBytes: (numberOption(values, 'max-memory', positive, 'a positive number of MB') ?? 256) * 2 ** 20,
    };
    const started = performance.now();
    const target = values.target as string | undefined;
    const train = await loadNumericTable(trainPath, { target });
    const test = await loadNumericTable(testPath, { target: train.targetName, requireTarget: false });
    const bars = { loo: context.progress('leave-one-out'), predict: context.progress('predict') };
    const result = kernelRegression(train, test, {
      ...settings,
      onProgress: (stage, done, total) => bars[stage].update(done, total),
    });
    bars.loo.finish();
    bars.predict.finish();

    const report: KernelRegressReport = kernelRegressReportSchema.parse({
      meta: reportMeta('kernel-regress', context, { seed: null, settings: { train: trainPath, test: testPath, target: train.targetName, ...settings, mode: result.mode }, started }),
      kernel,
      ...result,
    });
    const json = `${JSON.stringify(report, null, 2)}\n`;
    if (typeof values.out === 'string') await writeOutput(values.out, json);
    if (values.json) {
      context.stdout.write(json);
      return;
    }
    const rows = Object.entries(result.metrics).map(([k, v]) => [k, fmt(v)]);
    context.stdout.write(
      `kernel ${kernel}, ${result.mode}, bandwidth ${fmt(result.bandwidth)}` +
        `${result.loo ? ` (leave-one-out ${result.loo.search} over ${result.loo.grid.length} values)` : ''}, ` +
        `${train.features.rows} train x ${test.features.rows} test x ${train.features.cols} features\n` +
        table(['metric', 'value'], rows) +
        (typeof values.out === 'string' ? `report written to ${values.out}\n` : 'pass --json or --out FILE for the predictions\n'),
    );
  },
};
