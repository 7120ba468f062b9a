import type { BackendChoice } from '@iclkr/core';
import type { OptionSpec, OptionValues } from './args.js';
import type { ProgressBar, TextSink } from './progress.js';

/** What a running command can use: output streams, progress bars and the chosen backend. */
export interface CommandContext {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly backend: BackendChoice;
  /** A progress bar on stderr (silent for the first second). */
  progress(label: string): ProgressBar;
}

/** One `iclkr` subcommand. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly options: Record<string, OptionSpec>;
  run(values: OptionValues, context: CommandContext): Promise<void>;
}
