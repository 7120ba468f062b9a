// Benchmark: `iclkr probe` with its defaults (the built-in model, 500 prompts of n = 16) in a fresh
// process, wall time and peak RSS; then the same run at 300 and 1,200 prompts, to show that peak
// memory does not grow with the number of prompts (the analyses keep a few numbers per prompt and
// head; the key/value probes take the first 256 prompts, so every size here fills them). The goal (issue 5): defaults under
// 5 minutes on the 2-core machine. Each size runs `REPEATS` times; medians are reported.
// Writes bench/results/cli-probe.json. Run from the repository root after `pnpm build`.
import { writeBenchResult } from '../../../bench/results.js';
import { freshRun, median } from './fresh-run.js';

const REPEATS = Number(process.env.REPEATS ?? 2);
const SIZES = [300, 500, 1200];

/** One fresh `iclkr probe` run: seconds and peak RSS in MB. */
const probeOnce = (prompts: number | undefined) =>
  freshRun(['probe', '--json', ...(prompts === undefined ? [] : ['--prompts', String(prompts)])]);

const rows = SIZES.map((prompts) => {
  const runs = Array.from({ length: REPEATS }, () => probeOnce(prompts === 500 ? undefined : prompts));
  const row = {
    prompts,
    defaults: prompts === 500,
    seconds: median(runs.map((r) => r.seconds)),
    peakRssMb: median(runs.map((r) => r.rssMb)),
    runs,
  };
  console.log(
    `${prompts} prompts${row.defaults ? ' (defaults)' : ''}: ${row.seconds.toFixed(1)} s, peak RSS ${row.peakRssMb.toFixed(0)} MB`,
  );
  return row;
});
const defaults = rows.find((r) => r.defaults)!;
const result = {
  command: 'iclkr probe --json (defaults: built-in model, 500 prompts, n = 16)',
  goalSeconds: 300,
  defaultsSeconds: defaults.seconds,
  withinGoal: defaults.seconds < 300,
  /** Peak RSS at 1,200 prompts over peak RSS at 300: about 1 when memory does not grow with prompts. */
  rssRatio1200over300: rows[2].peakRssMb / rows[0].peakRssMb,
  rows,
};
console.log(
  `defaults ${defaults.seconds.toFixed(1)} s (goal < 300 s); peak RSS 1200 / 300 prompts = ${result.rssRatio1200over300.toFixed(3)}`,
);
writeBenchResult('cli-probe', result);
