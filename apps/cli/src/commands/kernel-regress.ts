import { OptionError } from '@iclkr/core';
import { loadNumericTable } from '@iclkr/core/node';
import { formatNumber, runKernelRegress, textTable } from '@iclkr/experiments';
import { checkBandwidth, parseKernelName } from '@iclkr/kernels';
import { defineCommand } from '../command.js';
import { writeOutput } from '../output.js';

/** A bandwidth option: a positive number or `loo`. */
function parseBandwidth(value: string | undefined): number | 'loo' | undefined {
  if (value === undefined || value === 'loo') return value;
  const h = Number(value);
  if (value.trim() === '' || Number.isNaN(h))
    throw new OptionError(`--bandwidth ${value} is neither a number nor 'loo'`, 'pass --bandwidth H (H > 0) or --bandwidth loo');
  return checkBandwidth(h);
}

/** `iclkr kernel-regress`: Nadaraya–Watson from a training table to a test table. */
export const kernelRegressCommand = defineCommand({
  name: 'kernel-regress',
  summary:
    'Nadaraya-Watson kernel regression from a training table to a test table (CSV, TSV or JSONL\n' +
    'with numeric feature columns and a target column); prints or writes predictions and metrics.',
  options: {
    train: { kind: 'string', role: 'input', required: true, placeholder: 'FILE', description: 'training table (.csv, .tsv or .jsonl)' },
    test: {
      kind: 'string',
      role: 'input',
      required: true,
      placeholder: 'FILE',
      description: 'table to predict (its target column, if present, is scored)',
    },
    target: { kind: 'string', placeholder: 'NAME', description: "target column (default: 'y' if present, else the last column)" },
    kernel: { kind: 'string', placeholder: 'rbf|laplacian|linear|cosine|poly|attention', description: 'kernel', default: 'rbf' },
    bandwidth: {
      kind: 'string',
      placeholder: 'H|loo',
      description:
        'bandwidth (temperature for attention), or loo to choose it by leave-one-out (default: loo for rbf, laplacian and attention)',
    },
    'loo-search': {
      kind: 'choice',
      choices: ['grid', 'golden'],
      description: 'leave-one-out search: best of a 19-point grid, or golden-section refinement around it',
      default: 'grid',
    },
    mode: {
      kind: 'choice',
      choices: ['classify', 'regress'],
      description:
        'classify labels or regress real values (default: classify when the target is non-numeric or has <= 20 distinct integers)',
    },
    unnormalized: { kind: 'boolean', description: "use the theorem's (1/n) sum_i K(x, x_i) y_i instead of the normalised estimator" },
    degree: { kind: 'int', min: 1, max: 100, placeholder: 'D', description: 'poly kernel degree', default: 3 },
    gamma: { kind: 'number', check: 'positive', placeholder: 'G', description: 'poly kernel gamma (default: 1/features)' },
    coef0: { kind: 'number', placeholder: 'C', description: 'poly kernel coef0', default: 1 },
    'max-memory': {
      kind: 'number',
      check: 'positive',
      expected: 'a positive number of MB',
      placeholder: 'MB',
      description: 'memory budget for one batch of queries',
      default: 256,
    },
    json: { kind: 'boolean', description: 'print the JSON report on stdout instead of a summary' },
    out: { kind: 'string', role: 'output-file', placeholder: 'FILE', description: 'also write the JSON report to FILE (atomically)' },
  },
  async run(values, context) {
    const kernel = parseKernelName(values.kernel);
    const settings = {
      kernel,
      bandwidth: parseBandwidth(values.bandwidth),
      mode: values.mode,
      looSearch: values['loo-search'],
      normalize: !values.unnormalized,
      degree: values.degree,
      gamma: values.gamma,
      coef0: values.coef0,
      maxMemoryBytes: values['max-memory'] * 2 ** 20,
    };
    const train = await loadNumericTable(values.train, { target: values.target });
    const test = await loadNumericTable(values.test, { target: train.targetName, requireTarget: false });
    const io = context.io();
    const report = runKernelRegress(train, test, settings, { train: values.train, test: values.test }, io, context.run());
    io.finish();
    const json = `${JSON.stringify(report, null, 2)}\n`;
    if (values.out !== undefined) await writeOutput(values.out, json);
    if (values.json) {
      context.stdout.write(json);
      return;
    }
    context.stdout.write(
      `kernel ${kernel}, ${report.mode}, bandwidth ${formatNumber(report.bandwidth)}` +
        `${report.loo ? ` (leave-one-out ${report.loo.search} over ${report.loo.grid.length} values)` : ''}, ` +
        (report.loo && report.loo.skipped.length > 0
          ? `${report.loo.skipped.length} bandwidths skipped (their leave-one-out loss overflows float32), `
          : '') +
        `${train.features.rows} train x ${test.features.rows} test x ${train.features.cols} features\n` +
        textTable({
          title: '',
          header: ['metric', 'value'],
          rows: Object.entries(report.metrics).map(([k, v]) => [k, formatNumber(v)]),
          note:
            Object.entries(report.metricNotes)
              .map(([k, why]) => `${k}: ${why}.`)
              .join(' ') || null,
        }) +
        (values.out !== undefined ? `report written to ${values.out}\n` : 'pass --json or --out FILE for the predictions\n'),
    );
  },
});
