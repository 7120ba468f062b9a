// The numpy side of the Nadaraya-Watson benchmark, kept running between windows: nw_reference.py
// --serve loads the data and warms up once at a fixed OpenBLAS thread count, then answers each
// command written to its stdin with one JSON line. The benchmark asks only while its own work is
// not running, so the two never compete for the cores.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** What every answer carries. */
export interface NumpyInfo {
  numpyVersion: string;
  peakRssBytes: number;
}

/** nw_reference.py --serve at `threads` OpenBLAS threads. */
export class NumpyServer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  private stderr = '';

  private constructor(
    readonly threads: number,
    python: string,
    script: string,
    args: object,
  ) {
    const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
    this.child = spawn(python, [script, '--serve', JSON.stringify(args)], { env });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  /** Starts the server and waits for its warm-up (answering a first `time`); undefined, with the reason printed, if it fails. */
  static async start(threads: number, python: string, script: string, args: object): Promise<NumpyServer | undefined> {
    const server = new NumpyServer(threads, python, script, args);
    try {
      await server.ask('time');
      return server;
    } catch (error) {
      console.error(`numpy reference (${threads} threads) not run: ${(error as Error).message}`);
      await server.close();
      return undefined;
    }
  }

  /** Sends one command (`time`, `phases`, `write`) and returns its answer. */
  async ask<T = Record<string, unknown>>(command: string): Promise<T & NumpyInfo> {
    this.child.stdin.write(`${command}\n`);
    const next = await this.lines.next();
    if (next.done) throw new Error(this.stderr.trim().split('\n').pop() ?? 'the reference exited');
    return JSON.parse(next.value) as T & NumpyInfo;
  }

  /** Ends the script (closing its stdin) and waits for it to exit. */
  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    if (this.child.exitCode === null && this.child.signalCode === null) await exited;
  }
}
