// A CLI command in a fresh process: its wall time and peak RSS (what a user's run costs).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
/** Reports the process's peak RSS (kB) on stderr as it exits. */
const REPORT_RSS = "data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss '+process.resourceUsage().maxRSS+'\\n'))";

/** The median of some numbers. */
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs `iclkr ...args` once in a fresh process: seconds and peak RSS in MB; a failure throws with its last stderr line. */
export function freshRun(args: readonly string[]): { seconds: number; rssMb: number } {
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--import', REPORT_RSS, MAIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`iclkr ${args[0]} failed: ${r.stderr.trim().split('\n').pop()}`);
  const rss = /maxrss (\d+)/.exec(r.stderr);
  return { seconds, rssMb: Number(rss![1]) / 1024 };
}
