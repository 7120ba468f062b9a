/** What an experiment is given to talk to its caller: the same in Node and in a Web Worker. */
export interface ExperimentIo {
  /** `done` of `total` units of the stage `label` are finished (`status`, e.g. a loss, may follow). */
  progress(done: number, total: number, label: string, status?: string): void;
  /** Aborted when the caller wants the experiment to stop; checked between steps. */
  readonly signal: AbortSignal;
  /** A line for the user (what is being done, and why it takes long). */
  log(line: string): void;
}

/** An io that reports nothing and never aborts (tests, quick library calls). */
export function silentIo(signal: AbortSignal = new AbortController().signal): ExperimentIo {
  return { progress() {}, signal, log() {} };
}
