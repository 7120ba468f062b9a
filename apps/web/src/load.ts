/** Where reports come from: text read from a file or fetched from `iclkr serve`, checked (and migrated) by core's readReport. */
import { type AnyReport, readReport } from '@iclkr/core';

/** A report opened in a pane: its name (folder or file), and the report or the one-line reason it could not be read. */
export type Opened = { readonly name: string; readonly report: AnyReport } | { readonly name: string; readonly error: string };

/** The text of a report.json as an opened report: the report, or the message readReport gives. */
export function openReportText(text: string, name: string): Opened {
  try {
    return { name, report: readReport(text, name) };
  } catch (error) {
    return { name, error: oneLine(error) };
  }
}

/** An error as one line: iclkr's errors carry their fix (`oneLine`), others their message. */
function oneLine(error: unknown): string {
  const e = error as { oneLine?: () => string; message?: string };
  return typeof e.oneLine === 'function' ? e.oneLine() : String(e.message ?? error);
}

/** One report folder `iclkr serve` found under its folder (`/files/index.json`). */
export interface ServedReport {
  /** The folder relative to the served folder ('' when the served folder is the report folder). */
  readonly path: string;
  readonly kind: string | null;
  readonly createdAt: string | null;
  readonly schemaVersion: number | null;
  readonly error: string | null;
}

/** What `iclkr serve` lists at /files/index.json. */
export interface ServedIndex {
  readonly root: string;
  readonly reports: readonly ServedReport[];
}

/** The served folder's index, or null when the page is not served by `iclkr serve` (a static copy of the app). */
export async function fetchIndex(): Promise<ServedIndex | null> {
  try {
    const response = await fetch('files/index.json', { cache: 'no-cache' });
    if (!response.ok) return null;
    return (await response.json()) as ServedIndex;
  } catch {
    return null;
  }
}

/** The report.json URL of a served report folder. */
export function servedReportUrl(path: string): string {
  return `files/${path === '' ? '' : `${path.split('/').map(encodeURIComponent).join('/')}/`}report.json`;
}

/** Fetches and reads a served report folder's report.json. */
export async function fetchReport(path: string): Promise<Opened> {
  const name = path === '' ? 'report.json' : `${path}/report.json`;
  try {
    const response = await fetch(servedReportUrl(path), { cache: 'no-cache' });
    if (!response.ok) return { name, error: `${name}: the server answered ${response.status} ${response.statusText}` };
    return openReportText(await response.text(), name);
  } catch (error) {
    return { name, error: `${name}: ${(error as Error).message}` };
  }
}

/** A file with the path it was picked or dropped under (a folder's files carry theirs). */
export interface PickedFile {
  readonly path: string;
  readonly file: File;
}

/**
 * The report among picked or dropped files: the report.json nearest the top (a report folder or
 * the file itself), else the one JSON file given; null when there is none.
 */
export function pickReportFile(files: readonly PickedFile[]): PickedFile | null {
  const depth = (p: string) => p.split('/').length;
  const reports = files.filter((f) => /(^|\/)report\.json$/.test(f.path)).sort((a, b) => depth(a.path) - depth(b.path));
  if (reports.length > 0) return reports[0];
  const json = files.filter((f) => f.path.endsWith('.json'));
  return json.length === 1 ? json[0] : null;
}

/** Opens the report among picked files, or says why there is none. */
export async function openPicked(files: readonly PickedFile[]): Promise<Opened> {
  const picked = pickReportFile(files);
  if (picked === null) {
    const names = files.length === 0 ? 'nothing' : files.length === 1 ? files[0].path : `${files.length} files`;
    return {
      name: names,
      error: `${names}: no report.json here; open a report folder an iclkr command wrote with --out, or its report.json`,
    };
  }
  return openReportText(await picked.file.text(), picked.path);
}

/** The files of an <input type="file"> (with their folder paths when a folder was picked). */
export function inputFiles(list: FileList): PickedFile[] {
  return [...list].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}

/** Every file under dropped items, folders walked (DataTransfer entries). */
export async function droppedFiles(transfer: DataTransfer): Promise<PickedFile[]> {
  const entries = [...transfer.items].map((item) => item.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => e != null);
  if (entries.length === 0) return [...transfer.files].map((file) => ({ path: file.name, file }));
  const out: PickedFile[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      out.push({ path, file });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, path);
      }
    }
  };
  for (const entry of entries) await walk(entry, '');
  return out;
}
