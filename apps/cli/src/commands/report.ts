import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type AnyReport, type KernelRegressReport, OptionError, readReport } from '@iclkr/core';
import { checkFolderFree, readInputFile } from '@iclkr/core/node';
import { formatNumber, type PresentedReport, textTable } from '@iclkr/experiments';
import { defineCommand } from '../command.js';
import { OUT_DIR_OPTION, showReport } from '../report-output.js';

/** The report.json a path names: the file itself, or the one inside a report folder. */
async function reportPath(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  return info?.isDirectory() ? join(path, 'report.json') : path;
}

/** A kernel-regress report (it has no figures) as its metrics table. */
function kernelRegressText(report: KernelRegressReport): string {
  const rows = Object.entries(report.metrics).map(([k, v]) => [k, formatNumber(v)]);
  return (
    `kernel ${report.kernel}, ${report.mode}, bandwidth ${formatNumber(report.bandwidth)}\n` +
    `${textTable({ title: '', header: ['metric', 'value'], rows, note: null })}`
  );
}

/** `iclkr report`: reads any report (this version or the previous one, migrated) and shows it again. */
export const reportCommand = defineCommand({
  name: 'report',
  summary:
    'Read a report.json (or a report folder) written by any iclkr command, of this layout version or the\n' +
    'previous one (migrated on read), and print its summary and tables; --out draws its figures and page again.',
  positional: 'path',
  options: {
    path: {
      kind: 'string',
      role: 'input',
      required: true,
      placeholder: 'PATH',
      description: 'a report.json, or a folder holding one (also given as the one argument: iclkr report DIR)',
    },
    json: { kind: 'boolean', description: 'print the report as this version of iclkr writes it (migrated)' },
    out: OUT_DIR_OPTION,
  },
  async run(values, context) {
    if (values.out !== undefined) await checkFolderFree(values.out);
    const file = await reportPath(values.path);
    const report: AnyReport = readReport(new TextDecoder().decode(await readInputFile(file)), file);
    if (report.meta.kind === 'kernel-regress') {
      if (values.out !== undefined) throw new OptionError('a kernel-regress report has no figures to draw', 'drop --out');
      context.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : kernelRegressText(report as KernelRegressReport));
      return;
    }
    context.stdout.write(await showReport(report as PresentedReport, { json: values.json, out: values.out }));
  },
});
