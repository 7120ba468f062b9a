/** The self-contained HTML page of a report: inline CSS and SVG, no scripts, opens offline. */
import type { Figure } from '../figures/figure.js';
import { formatNumber, isNumericCell, type Table } from './format.js';
import type { Paper, PresentedReport } from './reports.js';

/** What a report page shows: a title, summary paragraphs, tables, rendered figures and the report itself (paper, settings, run). */
export interface ReportPageInput {
  readonly title: string;
  /** One paragraph each. */
  readonly summary: readonly string[];
  readonly tables: readonly Table[];
  /** Each figure with its SVG (from `renderFigureSvg`), in order. */
  readonly figures: readonly { readonly figure: Figure; readonly svg: string }[];
  readonly report: PresentedReport;
}

/** Text escaped for HTML content and quoted attributes. */
function e(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const CSS = `
* { box-sizing: border-box; }
body { font-family: Helvetica, Arial, sans-serif; margin: 0 auto; padding: 24px; max-width: 1280px; color: #1f1f1f; \
font-size: 14px; line-height: 1.45; }
h1 { font-size: 22px; margin: 0 0 12px; }
h2 { font-size: 18px; margin: 32px 0 10px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
nav { font-size: 13px; margin: 8px 0 16px; }
nav a { margin-right: 14px; }
.table-box { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; font-size: 12.5px; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; font-weight: 600; vertical-align: bottom; white-space: normal; min-width: 3.5em; max-width: 9.5em; }
td { white-space: nowrap; }
td.num { text-align: right; }
td.text { white-space: normal; min-width: 12em; max-width: 30em; }
p.note { font-size: 12.5px; color: #444; margin: 4px 0 0; max-width: 1100px; }
.figures { display: flex; flex-wrap: wrap; gap: 20px 28px; align-items: flex-start; }
.figures figure { margin: 0; max-width: 100%; }
.figures svg { max-width: 100%; height: auto; display: block; }
dl.settings { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; font-size: 13px; margin: 0; }
dl.settings dt { font-weight: 600; }
dl.settings dd { margin: 0; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; overflow-wrap: anywhere; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; overflow-wrap: anywhere; }
.missing { color: #7a4b00; background: #fff7e6; padding: 6px 10px; border-left: 3px solid #f0a500; }
`;

/** A table as HTML: numeric columns right-aligned, long text cells wrapped, the note under it. */
function tableHtml(table: Table, id: string): string {
  const columns = table.header.length;
  const numeric = table.header.map((_, c) => table.rows.length > 0 && table.rows.every((r) => isNumericCell(r[c] ?? '')));
  const long = table.header.map((_, c) => table.rows.some((r) => (r[c] ?? '').length > 40));
  const cell = (v: string, c: number) => `<td${numeric[c] ? ' class="num"' : long[c] ? ' class="text"' : ''}>${e(v)}</td>`;
  const body = table.rows.map((r) => `<tr>${Array.from({ length: columns }, (_, c) => cell(r[c] ?? '', c)).join('')}</tr>`).join('\n');
  return [
    `<section class="table" id="${id}">`,
    `<h3>${e(table.title)}</h3>`,
    '<div class="table-box"><table>',
    `<thead><tr>${table.header.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead>`,
    `<tbody>\n${body}\n</tbody>`,
    '</table></div>',
    ...(table.note ? [`<p class="note">${e(table.note)}</p>`] : []),
    '</section>',
  ].join('\n');
}

/** The paper section of a seeds report: each seed's report compares with the paper; the tables set the paper beside the mean. */
const SEEDS_PAPER_NOTE =
  "<p>Each seed's report (in report.json's <code>reports</code>) carries its own comparison with the paper; " +
  "the table above sets the paper's numbers beside the mean and range across seeds.</p>";

/** The paper section of a reproduce report: the comparison is its first table; each section's report has its own paper block. */
const REPRODUCE_PAPER_NOTE =
  "<p>The first table sets our numbers beside the paper's; each section's report (in report.json's <code>sections</code>) " +
  'carries its own comparison with the paper, with what differs and the research log that explains it.</p>';

/** A contents list of every table and figure, for long pages (more than four tables, e.g. a reproduce report). */
function contentsHtml(input: ReportPageInput): string {
  if (input.tables.length <= 4) return '';
  const tables = input.tables.map((t, i) => `<li><a href="#table-${i + 1}">${e(t.title)}</a></li>`);
  const figures = input.figures.map(({ figure }) => `<li><a href="#figure-${e(figure.name)}">${e(figure.title)}</a></li>`);
  return `<details class="contents" open><summary>Contents</summary>\n<ul>\n${[...tables, ...figures].join('\n')}\n</ul>\n</details>`;
}

/** A settings record as a definition list (non-strings as JSON). */
function settingsHtml(settings: Readonly<Record<string, unknown>>): string {
  const entries = Object.entries(settings);
  if (entries.length === 0) return '<p>none recorded</p>';
  const value = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  return `<dl class="settings">\n${entries.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(value(v) ?? 'undefined')}</dd>`).join('\n')}\n</dl>`;
}

/** The "Compared with the paper" section from the report's paper block (a clear line where there is none). */
function paperHtml(paper: Paper | null | undefined): string {
  if (!paper) {
    return (
      '<p class="missing">This report carries no comparison with the paper: it was written ' +
      'before reports recorded one, or its experiment has no counterpart in the paper.</p>'
    );
  }
  const rows = paper.values.map((v) => {
    const diff = v.paper !== null && v.ours !== null ? formatNumber(v.ours - v.paper) : '-';
    return (
      `<tr><td>${e(v.name)}</td><td class="num">${e(formatNumber(v.paper))}</td><td class="num">${e(formatNumber(v.ours))}</td>` +
      `<td class="num">${e(diff)}</td><td class="text">${e(v.note ?? '')}</td></tr>`
    );
  });
  const list = (items: readonly string[]) =>
    items.length === 0 ? '<p>-</p>' : `<ul>\n${items.map((s) => `<li>${e(s)}</li>`).join('\n')}\n</ul>`;
  return [
    `<p><strong>Paper:</strong> ${e(paper.citation)}</p>`,
    `<p><strong>Experiment:</strong> ${e(paper.experiment)}</p>`,
    ...(paper.values.length > 0
      ? [
          '<div class="table-box"><table>',
          '<thead><tr><th>quantity</th><th>paper</th><th>ours</th><th>ours - paper</th><th>note</th></tr></thead>',
          `<tbody>\n${rows.join('\n')}\n</tbody>`,
          '</table></div>',
        ]
      : ['<p>No numbers to compare.</p>']),
    '<h3>What is the same</h3>',
    list(paper.same),
    '<h3>What differs</h3>',
    list(paper.differs),
    `<p><strong>Research log:</strong> ` +
      `${paper.researchLog ? `<code>${e(paper.researchLog)}</code> (in the iclkr repository)` : 'none'}</p>`,
  ].join('\n');
}

/** The run: when, where (backend, threads), which versions, the command line and the git commit. */
function runHtml(report: PresentedReport): string {
  const m = report.meta;
  const versions = Object.entries(m.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return settingsHtml({
    report: `${m.kind}, layout version ${m.schemaVersion}`,
    created: m.createdAt,
    backend: m.threads ? `${m.backend} on ${m.threads} thread${m.threads === 1 ? '' : 's'}` : m.backend,
    versions,
    seed: m.seed === null ? 'none' : String(m.seed),
    seconds: formatNumber(m.seconds),
    'command line': m.command ?? 'not recorded',
    'git commit': m.gitCommit ?? 'not recorded',
  });
}

/** The report's own settings beside meta's: simulate's experiment choices, pretrain's recipe and model config. */
function experimentSettings(report: PresentedReport): { title: string; settings: Readonly<Record<string, unknown>> }[] {
  const out: { title: string; settings: Readonly<Record<string, unknown>> }[] = [];
  if ('settings' in report && report.settings)
    out.push({ title: "The experiment's choices", settings: report.settings as Record<string, unknown> });
  if ('recipe' in report) out.push({ title: 'Recipe', settings: report.recipe }, { title: 'Model config', settings: report.modelConfig });
  return out;
}

/**
 * A self-contained HTML report page (inline CSS and SVGs, no scripts, opens offline): title,
 * summary, tables, figures, "Compared with the paper", settings and the run; all text escaped.
 */
export function reportHtml(input: ReportPageInput): string {
  const tables = input.tables.map((t, i) => tableHtml(t, `table-${i + 1}`)).join('\n');
  const figures = input.figures
    .map(({ figure, svg }) => `<figure id="figure-${e(figure.name)}" aria-label="${e(figure.title)}">\n${svg}\n</figure>`)
    .join('\n');
  const extra = experimentSettings(input.report)
    .map((s) => `<h3>${e(s.title)}</h3>\n${settingsHtml(s.settings)}`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(input.title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${e(input.title)}</h1>
${input.summary.map((p) => `<p>${e(p)}</p>`).join('\n')}
<nav><a href="#tables">Tables</a><a href="#figures">Figures</a><a href="#paper">Compared with the paper</a>\
<a href="#settings">Settings</a><a href="#run">Run</a></nav>
${contentsHtml(input)}
<h2 id="tables">Tables</h2>
${tables || '<p>No tables.</p>'}
<h2 id="figures">Figures</h2>
<div class="figures">
${figures || '<p>No figures.</p>'}
</div>
<h2 id="paper">Compared with the paper</h2>
${'paper' in input.report ? paperHtml(input.report.paper) : input.report.meta.kind === 'seeds' ? SEEDS_PAPER_NOTE : REPRODUCE_PAPER_NOTE}
<h2 id="settings">Settings</h2>
${settingsHtml(input.report.meta.settings)}
${extra}
<h2 id="run">Run</h2>
${runHtml(input.report)}
</body>
</html>
`;
}
