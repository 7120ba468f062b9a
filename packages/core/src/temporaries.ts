/**
 * The temporaries of atomic writes (Node only): their names, their removal when the process is
 * interrupted, and the removal of those a dead process left behind.
 */
import { rmSync } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The signals whose default action ends the process, leaving temporaries behind unless removed first. */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Temporaries this process is writing now. */
const live = new Set<string>();
let count = 0;

/**
 * A fresh temporary's path beside `target`: `.NAME.KIND-PID-TIME-N`, hidden, named after the
 * output and the process that writes it (so a later run can tell a dead writer's leftovers).
 */
export function temporaryPath(target: string, kind: 'tmp' | 'new' | 'old' = 'tmp'): string {
  return join(dirname(target), `.${basename(target)}.${kind}-${process.pid}-${Date.now()}-${count++}`);
}

function removeLive(): void {
  for (const path of live) rmSync(path, { recursive: true, force: true });
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  // Another listener means the program handles the signal itself (pretrain stops at its next step
  // and saves): its writes then finish, or remove their temporaries, on their own.
  if (process.listenerCount(signal) > 1) return;
  removeLive();
  stopListening();
  // With no listener left the signal has its default action: the process ends as it would have.
  process.kill(process.pid, signal);
}

function startListening(): void {
  // First in line, so that a `once` listener (removed as it is called) still counts as handling the signal.
  for (const signal of SIGNALS) process.prependListener(signal, onSignal);
  process.on('exit', removeLive);
}

function stopListening(): void {
  for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  process.removeListener('exit', removeLive);
}

/**
 * Runs `work`, which writes the temporary `path`: if the process is interrupted (SIGINT, SIGTERM,
 * SIGHUP, with no other listener) or exits meanwhile, `path` is removed first. The listeners are
 * there only while some temporary is being written, so the process's signal handling is
 * otherwise untouched.
 */
export async function whileWriting<T>(path: string, work: () => Promise<T>): Promise<T> {
  if (live.size === 0) startListening();
  live.add(path);
  try {
    return await work();
  } finally {
    live.delete(path);
    if (live.size === 0) stopListening();
  }
}

/** Whether process `pid` is alive (one of another user counts as alive). */
function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `.NAME.KIND-PID-...` as written by `temporaryPath` (and `NAME.tmp-PID`, the file temporaries of earlier versions). */
const TEMPORARY = /^\.(.+)\.(tmp|new|old)-(\d+)(?:-\d+)*$/;
const OLD_FILE_TEMPORARY = /^(.+)\.tmp-(\d+)$/;

/**
 * Removes what dead processes left beside `target` while writing it, and returns the names
 * removed: temporaries (`.NAME.tmp-PID-...`, `.NAME.new-PID-...`), and an `.NAME.old-PID-...` left
 * by `replaceFolder` between its two renames, which is put back as `target` when `target` is
 * missing (it is then the only complete version) and removed otherwise. A live writer's
 * temporaries are left alone.
 */
export async function removeStaleTemporaries(target: string): Promise<string[]> {
  const dir = dirname(target);
  const name = basename(target);
  const entries = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const entry of entries) {
    const match = TEMPORARY.exec(entry);
    const old = OLD_FILE_TEMPORARY.exec(entry);
    const [owner, kind, pid] = match !== null ? [match[1], match[2], match[3]] : old !== null ? [old[1], 'tmp', old[2]] : [];
    // Nested names (`..NAME.new-PID.tmp-PID`) belong to `target` too.
    if (owner === undefined || !(owner === name || owner.startsWith(`.${name}.`)) || alive(Number(pid))) continue;
    const path = join(dir, entry);
    const missing = await stat(target).then(
      () => false,
      () => true,
    );
    if (kind === 'old' && owner === name && missing) {
      await rename(path, target).catch(() => undefined);
      continue;
    }
    await rm(path, { recursive: true, force: true }).catch(() => undefined);
    removed.push(entry);
  }
  return removed;
}
