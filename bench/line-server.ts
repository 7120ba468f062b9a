// A reference script kept running between a benchmark's windows: started with --serve, it warms up
// and then answers each line written to its stdin with one JSON line. The benchmark asks only while
// its own work is not running, so the two never compete for the cores.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A running script that answers one JSON line per line it is sent. */
export class LineServer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  private stderr = '';

  /** Starts `command args` (with `env` added to the environment). */
  constructor(command: string, args: readonly string[], env: Record<string, string> = {}) {
    this.child = spawn(command, args, { env: { ...process.env, ...env } });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  /** Sends `line` and returns the parsed answer; throws with the script's last stderr line if it exited. */
  async ask<T>(line: string): Promise<T> {
    this.child.stdin.write(`${line}\n`);
    const next = await this.lines.next();
    if (next.done) throw new Error(this.stderr.trim().split('\n').pop() ?? 'the reference exited');
    return JSON.parse(next.value) as T;
  }

  /** Ends the script (closing its stdin) and waits for it to exit. */
  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    if (this.child.exitCode === null && this.child.signalCode === null) await exited;
  }
}
