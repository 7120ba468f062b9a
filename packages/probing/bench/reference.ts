// The PyTorch side of a benchmark, kept running between windows: a reference script started with
// --serve warms up, then answers each torch thread count written to its stdin with one JSON line
// of one timed window. The benchmark asks only while its own work is not running, so the two
// never compete for the cores, and the windows of ours and the reference alternate.
import { LineServer } from '../../../bench/line-server.js';

/** The median and range of a set of measurements. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Median, min and max of xs (the upper median of an even count). */
export function spread(xs: readonly number[]): Spread {
  const sorted = [...xs].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** What every answer of a reference script carries besides its window's numbers. */
export interface RunInfo {
  threads: number;
  torch: string;
  peakRssBytes: number;
}

/** A reference script running with --serve: `window(threads)` times one window at that many torch threads. */
export class ReferenceServer<T> {
  private readonly server: LineServer;

  private constructor(script: string, args: string[]) {
    this.server = new LineServer('/usr/bin/python3', [script, '--serve', ...args]);
  }

  /** Starts `script` (warm-up included); undefined, with the reason printed, where python3-torch cannot run it. */
  static async start<T>(script: string, args: string[]): Promise<ReferenceServer<T> | undefined> {
    const server = new ReferenceServer<T>(script, args);
    // The first window is answered only after the warm-up; asking it here makes start() wait for both.
    try {
      await server.window(1);
      return server;
    } catch (error) {
      console.error(`PyTorch reference not run: ${(error as Error).message} (apt-get install python3-torch)`);
      return undefined;
    }
  }

  /** One timed window at `threads` torch threads. */
  window(threads: number): Promise<T & RunInfo> {
    return this.server.ask<T & RunInfo>(String(threads));
  }

  /** Ends the script and waits for it to exit. */
  close(): Promise<void> {
    return this.server.close();
  }
}

/**
 * `windows` alternating windows: ours (`ours(w)`) and the reference's at each of `threads` (each
 * answer handed to `take`), the reference first on odd windows and its thread order flipped on them
 * too. Without a reference (python3-torch missing) only ours run.
 */
export async function alternate<T>(
  reference: ReferenceServer<T> | undefined,
  windows: number,
  threads: readonly number[],
  ours: (w: number) => void,
  take: (threads: number, answer: T & RunInfo) => void,
): Promise<void> {
  for (let w = 0; w < windows; w++) {
    const runReference = async () => {
      if (reference === undefined) return;
      for (const t of w % 2 === 0 ? threads : [...threads].reverse()) take(t, await reference.window(t));
    };
    if (w % 2 === 1) await runReference();
    ours(w);
    if (w % 2 === 0) await runReference();
  }
}
