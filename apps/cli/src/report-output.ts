/** Report folders and console text, the same for every command that shows a report. */
import { type Presentation, type PresentedReport, presentReport, renderFigureSvg, reportHtml, textTable } from '@iclkr/experiments';
import { writeReportFolder } from '@iclkr/experiments/node';

/** The --out option of the commands that write a report folder. */
export const OUT_DIR_OPTION = {
  kind: 'string',
  role: 'output-folder',
  placeholder: 'DIR',
  description: 'write report.json, figures/ and report.html to DIR (must not exist, or be empty; atomic)',
} as const;

/** The files of a report folder: report.json, figures/NAME.svg and NAME.vl.json per figure, report.html, and `extra` (name -> text). */
export async function reportFiles(report: PresentedReport, extra: Readonly<Record<string, string>> = {}): Promise<Record<string, string>> {
  const shown = presentReport(report);
  const figures = await Promise.all(shown.figures.map(async (figure) => ({ figure, svg: await renderFigureSvg(figure) })));
  return {
    'report.json': `${JSON.stringify(report, null, 2)}\n`,
    ...extra,
    ...Object.fromEntries(
      figures.flatMap(({ figure, svg }) => [
        [`figures/${figure.name}.svg`, svg],
        [`figures/${figure.name}.vl.json`, `${JSON.stringify(figure.spec, null, 2)}\n`],
      ]),
    ),
    'report.html': reportHtml({ title: shown.title, summary: shown.summary, tables: shown.tables, figures, report }),
  };
}

/** Writes a report folder atomically (`dir` ends complete or absent); returns the line that says where it went. */
export async function writeReport(dir: string, report: PresentedReport, extra?: Readonly<Record<string, string>>): Promise<string> {
  const files = await reportFiles(report, extra);
  await writeReportFolder(dir, files);
  const figures = Object.keys(files).filter((name) => name.endsWith('.svg')).length;
  return (
    `report written to ${dir} (report.json, ${figures} figures in figures/, ` +
    `report.html${extra ? `, ${Object.keys(extra).join(', ')}` : ''})\n`
  );
}

/** A report as console text: its summary paragraphs, then its tables with their notes. */
export function reportText(shown: Pick<Presentation, 'summary' | 'tables'>): string {
  return `${shown.summary.join('\n')}\n\n${shown.tables.map((t) => textTable(t)).join('\n')}`;
}

/** What a command prints for a report: the JSON with --json, else its text and where the folder went (or how to get one). */
export async function showReport(
  report: PresentedReport,
  options: { readonly json: boolean; readonly out?: string; readonly extra?: Readonly<Record<string, string>> },
): Promise<string> {
  const written =
    options.out === undefined
      ? 'pass --json or --out DIR for the full report and its figures\n'
      : await writeReport(options.out, report, options.extra);
  return options.json ? `${JSON.stringify(report, null, 2)}\n` : `${reportText(presentReport(report))}${written}`;
}
