// Benchmark: `iclkr reproduce --quick` and `iclkr reproduce` (the README's first command and the
// full run) in fresh processes, wall time and peak RSS. Goals (issue 14): quick under 2 minutes,
// full under 10 on the 2-core machine. Each runs `REPEATS` times (default 1: the full run takes
// minutes); medians are reported. Writes bench/results/cli-reproduce.json. Run from the repository
// root after `pnpm build`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBenchResult } from '../../../bench/results.js';
import { freshRun, median } from './fresh-run.js';

const REPEATS = Number(process.env.REPEATS ?? 1);
const scratch = mkdtempSync(join(tmpdir(), 'iclkr-reproduce-bench-'));

const rows = [
  { name: 'quick', args: ['--quick'], goalSeconds: 120 },
  { name: 'full', args: [], goalSeconds: 600 },
].map(({ name, args, goalSeconds }) => {
  const runs = Array.from({ length: REPEATS }, (_, i) => freshRun(['reproduce', ...args, '--out', join(scratch, `${name}-${i}`)]));
  const row = {
    name,
    command: `iclkr reproduce ${args.join(' ')}`.trim(),
    goalSeconds,
    seconds: median(runs.map((r) => r.seconds)),
    peakRssMb: median(runs.map((r) => r.rssMb)),
    runs,
  };
  console.log(`${row.command}: ${row.seconds.toFixed(1)} s (goal < ${goalSeconds} s), peak RSS ${row.peakRssMb.toFixed(0)} MB`);
  return { ...row, withinGoal: row.seconds < goalSeconds };
});
rmSync(scratch, { recursive: true, force: true });
writeBenchResult('cli-reproduce', { rows });
