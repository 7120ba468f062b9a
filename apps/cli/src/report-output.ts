/** Report folders and console tables, the same for every command that writes a report. */
import type { Figure, ReportTable } from '@iclkr/experiments';
import { renderFigureSvg, reportHtml, textTable } from '@iclkr/experiments';
import { writeReportFolder } from '@iclkr/experiments/node';

/** What a report folder shows besides report.json: the page title, summary lines, tables, figures and extra files. */
export interface ReportContent {
  readonly title: string;
  readonly summary: readonly string[];
  readonly tables: readonly ReportTable[];
  readonly figures: readonly Figure[];
  /** More files (name -> text), e.g. demonstrations.jsonl. */
  readonly extra?: Readonly<Record<string, string>>;
}

/** The files of a report folder: report.json, figures/NAME.svg and NAME.vl.json per figure, report.html, and the extras. */
export async function reportFiles(report: { readonly meta: unknown }, content: ReportContent): Promise<Record<string, string>> {
  const figures = await Promise.all(content.figures.map(async (figure) => ({ figure, svg: await renderFigureSvg(figure) })));
  return {
    'report.json': `${JSON.stringify(report, null, 2)}\n`,
    ...content.extra,
    ...Object.fromEntries(
      figures.flatMap(({ figure, svg }) => [
        [`figures/${figure.name}.svg`, svg],
        [`figures/${figure.name}.vl.json`, `${JSON.stringify(figure.spec, null, 2)}\n`],
      ]),
    ),
    'report.html': reportHtml({ title: content.title, summary: [...content.summary], tables: [...content.tables], figures, report }),
  };
}

/** Writes a report folder atomically (`dir` ends complete or absent) and returns the line that says where it went. */
export async function writeReport(dir: string, report: { readonly meta: unknown }, content: ReportContent): Promise<string> {
  const files = await reportFiles(report, content);
  await writeReportFolder(dir, files);
  return `report written to ${dir} (report.json, ${content.figures.length} figures in figures/, report.html${content.extra ? `, ${Object.keys(content.extra).join(', ')}` : ''})\n`;
}

/** The tables as console text, each with its title and note. */
export function printTables(tables: readonly ReportTable[]): string {
  return tables.map((t) => textTable(t)).join('\n');
}
