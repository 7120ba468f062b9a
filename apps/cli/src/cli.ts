import { describeBackend, IclkrError, schemaFailureInWords } from '@iclkr/core';
import { initBackend } from '@iclkr/core/node';
import { helpText, parseOptions } from './args.js';
import type { Command } from './command.js';
import { ablateCommand } from './commands/ablate.js';
import { bayesCommand } from './commands/bayes.js';
import { compareRetrieversCommand } from './commands/compare-retrievers.js';
import { datasetCommand } from './commands/dataset.js';
import { demoCommand } from './commands/demo.js';
import { generateCommand } from './commands/generate.js';
import { iclCommand } from './commands/icl.js';
import { insightsCommand } from './commands/insights.js';
import { probeCommand } from './commands/probe.js';
import { kernelRegressCommand } from './commands/kernel-regress.js';
import { pretrainCommand } from './commands/pretrain.js';
import { reportCommand } from './commands/report.js';
import { reproduceCommand } from './commands/reproduce.js';
import { retrieveCommand } from './commands/retrieve.js';
import { runModelCommand } from './commands/run-model.js';
import { serveCommand } from './commands/serve.js';
import { simulateCommand } from './commands/simulate.js';
import { cliIo } from './cli-io.js';
import { checkPaths } from './paths.js';
import { commandLine, gitCommit } from './provenance.js';
import { ProgressBar, type TextSink } from './progress.js';
import { VERSION } from './version.js';

/** Every subcommand, in the order `iclkr --help` lists them. */
// biome-ignore lint/suspicious/noExplicitAny: each command's options are its own; runCli only passes parsed values through.
export const COMMANDS: readonly Command<any>[] = [
  reproduceCommand,
  demoCommand,
  kernelRegressCommand,
  datasetCommand,
  generateCommand,
  bayesCommand,
  simulateCommand,
  runModelCommand,
  pretrainCommand,
  iclCommand,
  probeCommand,
  ablateCommand,
  insightsCommand,
  retrieveCommand,
  compareRetrieversCommand,
  reportCommand,
  serveCommand,
];

function usage(): string {
  const rows = COMMANDS.map((c) => `  ${c.name.padEnd(16)} ${c.summary.split('\n')[0]}`);
  return (
    `Usage: iclkr <command> [options]\n\nIn-context learning as kernel regression.\n\nCommands:\n${rows.join('\n')}\n\n` +
    `Run 'iclkr <command> --help' for a command's options.\n`
  );
}

/**
 * Runs the CLI on `argv` (without node and script) and returns the exit code: 0 on success,
 * 1 on a failure the user can fix (printed as one line), 2 on an unexpected internal error.
 */
export async function runCli(argv: string[], stdout: TextSink, stderr: TextSink): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    stdout.write(usage());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  try {
    if (!command) {
      throw new IclkrError('option', `unknown command '${name}'`, `use one of ${COMMANDS.map((c) => c.name).join(', ')}`);
    }
    const values = parseOptions(command.name, rest, command.options, command.positional);
    if (values.help) {
      stdout.write(helpText(command.name, command.summary, command.options, command.positional));
      return 0;
    }
    // Every output is checked against the inputs and the file system before any work.
    await checkPaths(command.options, values);
    const backend = await initBackend(values.backend);
    stderr.write(`iclkr ${command.name}: ${describeBackend(backend)}\n`);
    await command.run(values, {
      stdout,
      stderr,
      backend,
      progress: (label) => new ProgressBar(stderr, label),
      io: (signal = new AbortController().signal) => cliIo(stderr, command.name, signal),
      run: () => ({
        backend: { name: backend.name, threads: backend.threads },
        command: commandLine(argv),
        gitCommit: gitCommit(),
        version: VERSION,
      }),
    });
    return 0;
  } catch (error) {
    if (error instanceof IclkrError) {
      stderr.write(`iclkr: error: ${error.oneLine()}\n`);
      return 1;
    }
    const err = error instanceof Error ? error : new Error(String(error));
    // A schema failure of our own output is a bug: one line naming the field, not zod's dump.
    const message = schemaFailureInWords(err) ?? err.message.split('\n')[0];
    stderr.write(
      `iclkr: internal error: ${message} (please report it${process.env.ICLKR_DEBUG ? '' : '; set ICLKR_DEBUG=1 for the details'})\n`,
    );
    if (process.env.ICLKR_DEBUG) stderr.write(`${err.stack}\n`);
    return 2;
  }
}
