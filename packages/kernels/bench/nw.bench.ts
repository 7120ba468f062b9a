// Benchmark: Nadaraya–Watson with the RBF kernel, 20,000 keys x 5,000 queries x 64 features,
// against numpy doing the same computation in the same run, and statsmodels on a prefix.
// Run with `pnpm bench` (or `pnpm --filter @iclkr/kernels bench`); writes bench/results/kernels-nw.json.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, Rng, tf } from '@iclkr/core';
import { NadarayaWatson } from '../src/index.js';
import { writeBenchResult } from '../../../bench/results.js';

const here = dirname(fileURLToPath(import.meta.url));
const N = Number(process.env.BENCH_KEYS ?? 20000);
const Q = Number(process.env.BENCH_QUERIES ?? 5000);
const D = 64;
const H = 4;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const MAX_MEMORY = 256 * 2 ** 20;
const STATS_KEYS = 2000;
const STATS_QUERIES = 200;

const readF32 = (path: string) => {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function python(executable: string, args: Record<string, unknown>): Record<string, unknown> | undefined {
  try {
    const out = execFileSync(executable, [join(here, 'nw_reference.py'), JSON.stringify(args)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(out.trim().split('\n').pop()!);
  } catch (error) {
    console.error(`${executable}: ${(error as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

const backend = await initBackend();
const rng = new Rng(2024);
const keys = Float32Array.from({ length: N * D }, () => rng.normal());
const queries = Float32Array.from({ length: Q * D }, () => rng.normal());
const y = Float32Array.from({ length: N }, (_, i) => Math.sin(keys[i * D]) + 0.1 * rng.normal());
const dir = mkdtempSync(join(tmpdir(), 'iclkr-bench-'));
const files = {
  keysFile: join(dir, 'keys.f32'),
  queriesFile: join(dir, 'queries.f32'),
  yFile: join(dir, 'y.f32'),
  outFile: join(dir, 'out.f32'),
};
writeFileSync(files.keysFile, keys);
writeFileSync(files.queriesFile, queries);
writeFileSync(files.yFile, y);

const rssBefore = process.memoryUsage().rss;
const nw = new NadarayaWatson({ kernel: 'rbf', bandwidth: H, maxMemoryBytes: MAX_MEMORY }).fit(
  { rows: N, cols: D, data: keys },
  { kind: 'real', values: y },
);
const queryMatrix = { rows: Q, cols: D, data: queries };
nw.predict(queryMatrix); // warm-up: grows the wasm heap once, compiles kernels
const times: number[] = [];
let ours: Float32Array = new Float32Array();
for (let r = 0; r < RUNS; r++) {
  const t = performance.now();
  ours = nw.predict(queryMatrix).data;
  times.push((performance.now() - t) / 1000);
}
const oursPeak = process.resourceUsage().maxRSS * 1024;

const args = {
  keys: N,
  queries: Q,
  features: D,
  bandwidth: H,
  runs: RUNS,
  maxMemoryBytes: MAX_MEMORY,
  statsKeys: STATS_KEYS,
  statsQueries: STATS_QUERIES,
  ...files,
};
const np = python(process.env.BENCH_PYTHON ?? 'python3', { ...args, mode: 'numpy' });
const npPred = np ? readF32(files.outFile) : undefined;
const sm = python(process.env.BENCH_STATSMODELS_PYTHON ?? '/usr/bin/python3', { ...args, mode: 'statsmodels' });
const smPred = sm ? readF32(files.outFile) : undefined;

// Our predictions on the statsmodels prefix, to check agreement there too.
const prefix = new NadarayaWatson({ kernel: 'rbf', bandwidth: H })
  .fit({ rows: STATS_KEYS, cols: D, data: keys.subarray(0, STATS_KEYS * D) }, { kind: 'real', values: y.subarray(0, STATS_KEYS) })
  .predict({ rows: STATS_QUERIES, cols: D, data: queries.subarray(0, STATS_QUERIES * D) }).data;
const maxRel = (a: Float32Array, b?: Float32Array) => {
  if (!b) return null;
  const scale = Math.max(...Array.from(b, Math.abs));
  return Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]))) / scale;
};
rmSync(dir, { recursive: true, force: true });

const npSeconds = np ? median(np.seconds as number[]) : null;
const ourSeconds = median(times);
const smSeconds = sm ? (sm.seconds as number[])[0] : null;
const smProjected = smSeconds === null ? null : (smSeconds * (N * Q)) / (STATS_KEYS * STATS_QUERIES);
const result = {
  benchmark: 'Nadaraya-Watson rbf regression',
  size: { keys: N, queries: Q, features: D, bandwidth: H },
  runs: RUNS,
  backend: backend.name,
  tfjs: tf.version_core,
  iclkr: { medianSeconds: ourSeconds, seconds: times, peakRssBytes: oursPeak, rssBeforeBytes: rssBefore },
  numpy: np ? { medianSeconds: npSeconds, seconds: np.seconds, peakRssBytes: np.peakRssBytes, version: np.numpyVersion } : null,
  ratioVsNumpy: npSeconds ? ourSeconds / npSeconds : null,
  maxRelDiffVsNumpy: maxRel(ours, npPred),
  statsmodels: sm
    ? {
        size: { keys: STATS_KEYS, queries: STATS_QUERIES },
        seconds: smSeconds,
        projectedFullSizeSeconds: smProjected,
        version: sm.statsmodelsVersion,
        maxRelDiffVsIclkr: maxRel(prefix, smPred),
      }
    : null,
  date: new Date().toISOString(),
};
writeBenchResult('kernels-nw', result);

const mb = (b: unknown) => (typeof b === 'number' ? `${(b / 2 ** 20).toFixed(0)} MB` : '-');
console.log(`Nadaraya-Watson rbf, ${N} keys x ${Q} queries x ${D} features, median of ${RUNS} (backend ${backend.name})`);
console.table([
  {
    implementation: `iclkr (${backend.name})`,
    'median s': ourSeconds.toFixed(3),
    'ratio vs numpy': result.ratioVsNumpy?.toFixed(2) ?? '-',
    'peak RSS': mb(oursPeak),
  },
  {
    implementation: 'numpy float32',
    'median s': npSeconds?.toFixed(3) ?? 'n/a',
    'ratio vs numpy': '1.00',
    'peak RSS': mb(np?.peakRssBytes),
  },
  {
    implementation: `statsmodels KernelReg (${STATS_KEYS}x${STATS_QUERIES}; projected to full size)`,
    'median s': smSeconds === null ? 'n/a' : `${smSeconds.toFixed(2)} (${smProjected!.toFixed(0)})`,
    'ratio vs numpy': smProjected && npSeconds ? (smProjected / npSeconds).toFixed(0) : '-',
    'peak RSS': mb(sm?.peakRssBytes),
  },
]);
console.log(
  `max relative difference: iclkr vs numpy ${result.maxRelDiffVsNumpy?.toExponential(2)}, ` +
    `iclkr vs statsmodels ${result.statsmodels?.maxRelDiffVsIclkr?.toExponential(2) ?? 'n/a'}`,
);
