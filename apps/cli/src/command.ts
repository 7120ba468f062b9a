import type { BackendChoice } from '@iclkr/core';
import type { ExperimentIo, RunContext } from '@iclkr/experiments';
import type { OptionSpecs, OptionValues } from './args.js';
import type { ProgressBar, TextSink } from './progress.js';

/** What a running command can use: output streams, progress, the chosen backend and the run's provenance. */
export interface CommandContext {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly backend: BackendChoice;
  /** A progress bar on stderr (silent for the first second). */
  progress(label: string): ProgressBar;
  /** The io an experiment reports through: a progress bar per stage, log lines on stderr, and the signal Ctrl-C aborts. */
  io(signal?: AbortSignal): ExperimentIo & { finish(): void };
  /** Backend, command line and git commit, for a report's meta. */
  run(): RunContext;
}

/** One `iclkr` subcommand: its options, declared once, and what it does with their typed values. */
export interface Command<O extends OptionSpecs = OptionSpecs> {
  readonly name: string;
  readonly summary: string;
  readonly options: O;
  /** The option a lone argument fills (e.g. `iclkr report DIR`); without it, arguments are refused. */
  readonly positional?: keyof O & string;
  run(values: OptionValues<O>, context: CommandContext): Promise<void>;
}

/** Declares a command, keeping its options' literal types so `run` sees typed values. */
export function defineCommand<const O extends OptionSpecs>(command: Command<O>): Command<O> {
  return command;
}
