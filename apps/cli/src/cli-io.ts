/** The CLI's side of an experiment's io: a progress bar per stage on stderr, log lines, and Ctrl-C as the abort signal. */
import type { ExperimentIo } from '@iclkr/experiments';
import { ProgressBar, type TextSink } from './progress.js';

/** An io whose progress draws one bar per stage label (a new label finishes the previous bar); `finish` ends the last. */
export function cliIo(stderr: TextSink, command: string, signal: AbortSignal): ExperimentIo & { finish(): void } {
  let bar: ProgressBar | undefined;
  let label: string | undefined;
  return {
    signal,
    progress(done, total, stage, status) {
      if (stage !== label) {
        bar?.finish();
        bar = new ProgressBar(stderr, stage);
        label = stage;
      }
      bar!.update(done, total, status);
    },
    log: (line) => {
      bar?.finish();
      stderr.write(`iclkr ${command}: ${line}\n`);
    },
    finish() {
      bar?.finish();
      bar = label = undefined;
    },
  };
}
