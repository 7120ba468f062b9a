// The numpy side of the Nadaraya-Watson benchmark, kept running between windows: nw_reference.py
// --serve loads the data and warms up once at a fixed OpenBLAS thread count, then answers each
// command written to its stdin with one JSON line. The benchmark asks only while its own work is
// not running, so the two never compete for the cores.
import { LineServer } from '../../../bench/line-server.js';

/** What every answer carries. */
export interface NumpyInfo {
  numpyVersion: string;
  peakRssBytes: number;
}

/** nw_reference.py --serve at `threads` OpenBLAS threads. */
export class NumpyServer {
  private readonly server: LineServer;

  private constructor(
    readonly threads: number,
    python: string,
    script: string,
    args: object,
  ) {
    const env = { OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
    this.server = new LineServer(python, [script, '--serve', JSON.stringify(args)], env);
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
  ask<T = Record<string, unknown>>(command: string): Promise<T & NumpyInfo> {
    return this.server.ask<T & NumpyInfo>(command);
  }

  /** Ends the script and waits for it to exit. */
  close(): Promise<void> {
    return this.server.close();
  }
}
