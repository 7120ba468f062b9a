/** The report folders under a served folder, as `/files/index.json` lists them for the web app. */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

/** One report folder in the listing: where it is and what its report.json's meta says. */
export interface ReportEntry {
  /** The folder relative to the served one, with '/' separators; '' when the served folder is the report folder. */
  readonly path: string;
  readonly kind: string | null;
  readonly createdAt: string | null;
  readonly schemaVersion: number | null;
  /** Why report.json could not be read (one line), or null. */
  readonly error: string | null;
}

/** The whole listing, exactly as `/files/index.json` serves it. */
export interface ReportIndex {
  /** The served folder's base name. */
  readonly root: string;
  readonly reports: ReportEntry[];
}

/** How deep below the served folder the search looks, and where it stops. */
export const REPORT_SEARCH = { maxDepth: 6, maxReports: 1000, maxFolders: 20_000 } as const;

/** The entry of a report folder whose report.json cannot be read, with the reason. */
const unreadable = (path: string, error: string): ReportEntry => ({ path, kind: null, createdAt: null, schemaVersion: null, error });

/** The meta fields of one report.json's text, or the one-line reason it cannot be read. */
export function reportEntry(path: string, text: string): ReportEntry {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0].slice(0, 160) : '';
    return unreadable(path, `report.json is not valid JSON${why ? ` (${why})` : ''}`);
  }
  const meta = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { meta?: unknown }).meta : undefined;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return unreadable(path, 'report.json has no meta block');
  const { kind, createdAt, schemaVersion } = meta as Record<string, unknown>;
  return {
    path,
    kind: typeof kind === 'string' ? kind : null,
    createdAt: typeof createdAt === 'string' ? createdAt : null,
    schemaVersion: typeof schemaVersion === 'number' ? schemaVersion : null,
    error: null,
  };
}

/**
 * Finds the folders holding a report.json under `root` (breadth first, not following symlinks,
 * skipping node_modules and hidden folders, to REPORT_SEARCH's depth and counts), sorted by path;
 * `name` is the root's name in the listing.
 */
export async function findReports(root: string, name = basename(root)): Promise<ReportIndex> {
  const reports: ReportEntry[] = [];
  let level: string[] = [''];
  let folders = 0;
  for (let depth = 0; depth <= REPORT_SEARCH.maxDepth && level.length > 0; depth++) {
    const next: string[] = [];
    for (const rel of level) {
      if (reports.length >= REPORT_SEARCH.maxReports || ++folders > REPORT_SEARCH.maxFolders) break;
      const entries = await readdir(join(root, rel), { withFileTypes: true }).catch(() => []);
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
        if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.')) next.push(child);
        if (entry.isFile() && entry.name === 'report.json') {
          const text = await readFile(join(root, rel, entry.name), 'utf8').catch((e: NodeJS.ErrnoException) => e);
          reports.push(
            typeof text === 'string' ? reportEntry(rel, text) : unreadable(rel, `cannot read report.json (${text.code ?? text.message})`),
          );
        }
      }
    }
    level = next;
  }
  reports.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { root: name, reports };
}
