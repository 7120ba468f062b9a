/** The `meta` block every report carries: what made it, on which backend, from which command and commit. */
import { type ReportKind, type ReportMeta, reportVersion, tf } from '@iclkr/core';

/** Where and how a run happens, for its report: the backend, the exact command line and the git commit (null when unknown). */
export interface RunContext {
  readonly backend: { readonly name: string; readonly threads?: number };
  readonly command: string | null;
  readonly gitCommit: string | null;
  /** The iclkr version that runs. */
  readonly version: string;
}

/** A run context for library calls and tests: the backend tfjs is on, no command line, no commit. */
export function libraryRun(version = '0.1.0'): RunContext {
  return { backend: { name: tf.getBackend() ?? 'unknown' }, command: null, gitCommit: null, version };
}

/**
 * A report's `meta` block: kind and its version, creation time, seed, backend, versions, settings
 * and seconds since `started` (performance.now()).
 */
export function reportMeta<K extends ReportKind>(
  kind: K,
  run: RunContext,
  made: { readonly seed: number | null; readonly settings: Record<string, unknown>; readonly started: number },
): ReportMeta & { kind: K; schemaVersion: ReturnType<typeof reportVersion<K>> } {
  return {
    schemaVersion: reportVersion(kind),
    kind,
    createdAt: new Date().toISOString(),
    seed: made.seed,
    backend: run.backend.name,
    ...(run.backend.threads === undefined ? {} : { threads: run.backend.threads }),
    versions: { iclkr: run.version, tfjs: tf.version_core },
    // Options left to the experiment's defaults are absent, as they are once the report is JSON.
    settings: Object.fromEntries(Object.entries(made.settings).filter(([, v]) => v !== undefined)),
    seconds: (performance.now() - made.started) / 1000,
    command: run.command,
    gitCommit: run.gitCommit,
  };
}

/** The error an experiment throws when its signal aborts: the caller asked it to stop. */
export class ExperimentAborted extends Error {
  constructor() {
    super('the experiment was cancelled');
    this.name = 'ExperimentAborted';
  }
}

/** Throws ExperimentAborted when `signal` has aborted (called between an experiment's steps). */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new ExperimentAborted();
}
