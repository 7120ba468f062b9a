import { realpath, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { OptionError } from '@iclkr/core';
import { defineCommand } from '../command.js';
import { startServer } from '../serve/server.js';
import { webDist } from '../serve/web.js';

/** Resolves once the process is asked to stop (Ctrl-C or SIGTERM). */
function stopRequested(): { stopped: Promise<void>; dispose(): void } {
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    stopped,
    dispose: () => {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
    },
  };
}

/** The folder to serve as a real path, or a one-line error when it does not exist or is not a folder. */
async function servedFolder(dir: string): Promise<string> {
  const info = await stat(dir).catch(() => undefined);
  if (info === undefined)
    throw new OptionError(`${dir}: no such folder`, 'pass an existing folder (one holding report folders, or a report folder)');
  if (!info.isDirectory())
    throw new OptionError(`${dir} is not a folder`, 'pass the folder holding report.json (or report folders), not a file');
  return realpath(dir);
}

/** `iclkr serve`: the web dashboard over a folder of reports, on this machine, until Ctrl-C. */
export const serveCommand = defineCommand({
  name: 'serve',
  summary:
    'Serve the web dashboard (the built @iclkr/web) at / and a folder read-only under /files/, with the report\n' +
    'folders found in it listed at /files/index.json; cross-origin isolated, so the page can run tfjs on wasm threads.',
  positional: 'dir',
  options: {
    dir: {
      kind: 'string',
      role: 'input',
      default: '.',
      placeholder: 'DIR',
      description: 'the folder to serve: one holding report folders, or a report folder itself (also given as the one argument)',
    },
    port: { kind: 'int', min: 0, max: 65535, default: 8080, placeholder: 'P', description: 'port to listen on (0: any free port)' },
    host: {
      kind: 'string',
      default: '127.0.0.1',
      placeholder: 'H',
      description: 'address to listen on (0.0.0.0 shares the folder with the network)',
    },
  },
  async run(values, context) {
    const dir = await servedFolder(values.dir);
    const dist = await realpath(webDist());
    const stop = stopRequested();
    try {
      const server = await startServer({ dist, dir, dirName: basename(resolve(values.dir)) }, values.host, values.port);
      context.stdout.write(`serving ${values.dir} at ${server.url} (Ctrl-C stops)\n`);
      await stop.stopped;
      await server.close();
    } finally {
      stop.dispose();
    }
  },
});
