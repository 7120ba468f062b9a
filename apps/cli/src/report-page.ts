/** Report folders shared by the commands that write one: the atomic folder write and the self-contained HTML page. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { escapeXml, REPORT_SCHEMA_VERSION, type ReportMeta, tf } from '@iclkr/core';
import { checkFolderFree, writeFolderAtomic } from '@iclkr/core/node';
import type { CommandContext } from './command.js';
import { fmt } from './output.js';
import { VERSION } from './version.js';

/** Writes the files (name -> text) as one folder, atomically: `dir` is complete or absent. */
export async function writeReportFolder(dir: string, files: Readonly<Record<string, string>>): Promise<void> {
  await writeFolderAtomic(dir, async (temporary) => {
    for (const [name, text] of Object.entries(files)) await writeFile(join(temporary, name), text);
  });
}

/** Fails early (before any work) when `dir` exists and is not empty. */
export { checkFolderFree };

/** `key: value` lines of a settings record (non-strings as JSON). */
export function settingLines(settings: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(settings).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
}

/** What a report page shows. */
export interface ReportPage {
  readonly title: string;
  /** One paragraph per line. */
  readonly summary: string;
  readonly table: { readonly header: readonly string[]; readonly cells: readonly (readonly string[])[] };
  /** Inline SVG plots, in order. */
  readonly svgs: readonly string[];
  readonly settings: Readonly<Record<string, unknown>>;
  /** Paragraphs after the settings. */
  readonly notes?: readonly string[];
  readonly meta: ReportMeta;
}

/** A self-contained HTML page: summary, table, plots inline, settings, notes and provenance. */
export function reportHtml(page: ReportPage): string {
  const e = escapeXml;
  const th = page.table.header.map((h) => `<th>${e(h)}</th>`).join('');
  const trs = page.table.cells.map((r) => `<tr>${r.map((c) => `<td>${e(c)}</td>`).join('')}</tr>`).join('\n');
  const list = (lines: string[]) => `<ul>\n${lines.map((l) => `<li><code>${e(l)}</code></li>`).join('\n')}\n</ul>`;
  const { meta } = page;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${e(page.title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: right; white-space: nowrap; }
th { background: #f4f4f4; }
.plots { display: flex; flex-wrap: wrap; gap: 1rem; }
</style>
</head>
<body>
<h1>${e(page.title)}</h1>
${page.summary.split('\n').map((line) => `<p>${e(line)}</p>`).join('\n')}
<table>
<thead><tr>${th}</tr></thead>
<tbody>
${trs}
</tbody>
</table>
<div class="plots">
${page.svgs.join('')}</div>
<h2>Settings</h2>
${list(settingLines(page.settings))}
${(page.notes ?? []).map((n) => `<p>${e(n)}</p>\n`).join('')}<h2>Run</h2>
${list([`created ${meta.createdAt}`, `backend ${meta.backend}${meta.threads ? ` on ${meta.threads} thread(s)` : ''}`, ...settingLines(meta.versions).map((l) => `version ${l}`), `seconds ${fmt(meta.seconds)}`])}
</body>
</html>
`;
}

/** A report's `meta` block: schema version, kind, creation time, seed, backend, versions, settings and seconds since `started` (performance.now()). */
export function reportMeta<K extends string>(
  kind: K,
  context: CommandContext,
  run: { readonly seed: number | null; readonly settings: Record<string, unknown>; readonly started: number },
): ReportMeta & { kind: K } {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    kind,
    createdAt: new Date().toISOString(),
    seed: run.seed,
    backend: context.backend.name,
    threads: context.backend.threads,
    versions: { iclkr: VERSION, tfjs: tf.version_core },
    settings: run.settings,
    seconds: (performance.now() - run.started) / 1000,
  };
}
