// Benchmark: Nadaraya–Watson with the RBF kernel, 20,000 keys x 5,000 queries x 64 features,
// against numpy doing the same computation (bench/nw_reference.py: float32, the same query
// batches, squared distances by one matmul, log-sum-exp) in the same run, and statsmodels'
// KernelReg on a prefix. Windows alternate: one predict of ours, then one numpy run at each
// OpenBLAS thread count (1 and 2; the faster is the headline) while ours is idle, 7 times after a
// warm-up; median and min-max of wall seconds, and of CPU seconds (all threads: the work done,
// less sensitive to other load on the machine). Then the phases of each (distance matmul,
// exp/softmax, weighted sum) with their GFLOP/s and each side's float32 matmul peak (1024^3)
// measured in its own process.
// Run with `pnpm bench` (or `pnpm --filter @iclkr/kernels bench`); writes bench/results/kernels-nw.json.
//
// Notes from micro-benchmarks on the shared 2-core machine (wasm, 2 threads, one [838, 20000]
// query batch): tf.exp is scalar std::exp on one thread (90 ms) where tf.softmax runs XNNPACK's
// vectorised kernel on both (27 ms for max, exp, sum and scaling). XNNPACK streams the whole
// [66, n] key side once per few query rows; key blocks of at most 1 MiB (L2) cut the distance
// product from 132 to 102 ms, but joining their products is a serial 18 ms concat, so rbf works
// block by block (softmax against a virtual key with log K = 0, see combineZeroKeyBlocks). The
// distance product, 66 multiply-adds a pair, is most of the time and runs at the backend's matmul
// speed: that is the ceiling (`phases` in the result).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, Rng, tf } from '@iclkr/core';
import { augmentedTargets, batchRows, NadarayaWatson, prepareKeys, toTensor } from '../src/index.js';
import { zeroKeyTargets } from '../src/combine.js';
import { writeBenchResult } from '../../../bench/results.js';
import { NumpyServer } from './numpy-server.js';

const here = dirname(fileURLToPath(import.meta.url));
const N = Number(process.env.BENCH_KEYS ?? 20000);
const Q = Number(process.env.BENCH_QUERIES ?? 5000);
const D = 64;
const H = 4;
const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 7);
const NUMPY_THREADS = [1, 2];
const MAX_MEMORY = 256 * 2 ** 20;
const STATS_KEYS = 2000;
const STATS_QUERIES = 200;
const PYTHON = process.env.BENCH_PYTHON ?? 'python3';
const SCRIPT = join(here, 'nw_reference.py');

interface Spread {
  median: number;
  min: number;
  max: number;
}
const spread = (xs: readonly number[]): Spread => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
};
const readF32 = (path: string) => {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};
const maxRel = (a: Float32Array, b?: Float32Array) => {
  if (!b) return null;
  const scale = Math.max(...Array.from(b, Math.abs));
  return Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]))) / scale;
};

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
const args = {
  keys: N,
  queries: Q,
  features: D,
  bandwidth: H,
  maxMemoryBytes: MAX_MEMORY,
  statsKeys: STATS_KEYS,
  statsQueries: STATS_QUERIES,
  ...files,
};

const rssBefore = process.memoryUsage().rss;
const keyMatrix = { rows: N, cols: D, data: keys };
const targets = { kind: 'real' as const, values: y };
const queryMatrix = { rows: Q, cols: D, data: queries };
const nw = new NadarayaWatson({ kernel: 'rbf', bandwidth: H, maxMemoryBytes: MAX_MEMORY }).fit(keyMatrix, targets);
let ours = nw.predict(queryMatrix).data; // warm-up: grows the wasm heap once, packs the matmul weights
const oursPeak = () => process.resourceUsage().maxRSS * 1024;

const servers: NumpyServer[] = [];
for (const threads of NUMPY_THREADS) {
  const server = await NumpyServer.start(threads, PYTHON, SCRIPT, args);
  if (server) servers.push(server);
}
const ourSeconds: number[] = [];
const ourCpu: number[] = [];
const numpySeconds = new Map<number, number[]>(servers.map((s) => [s.threads, []]));
const numpyCpu = new Map<number, number[]>(servers.map((s) => [s.threads, []]));
let numpyInfo: { numpyVersion: string; peakRssBytes: number } | undefined;
for (let w = 0; w < WINDOWS; w++) {
  const t = performance.now();
  const cpu = process.cpuUsage();
  ours = nw.predict(queryMatrix).data;
  const used = process.cpuUsage(cpu);
  ourSeconds.push((performance.now() - t) / 1000);
  ourCpu.push((used.user + used.system) / 1e6);
  for (const server of servers) {
    const answer = await server.ask<{ seconds: number; cpuSeconds: number }>('time');
    numpySeconds.get(server.threads)!.push(answer.seconds);
    numpyCpu.get(server.threads)!.push(answer.cpuSeconds);
    numpyInfo = answer;
  }
}
const numpyRows = servers.map((s) => ({
  threads: s.threads,
  seconds: spread(numpySeconds.get(s.threads)!),
  windows: numpySeconds.get(s.threads)!,
  cpuSeconds: spread(numpyCpu.get(s.threads)!),
}));
const best = numpyRows.length ? numpyRows.reduce((a, b) => (b.seconds.median < a.seconds.median ? b : a)) : undefined;
const bestServer = servers.find((s) => s.threads === best?.threads);

/**
 * Seconds of each phase of one predict, timed op by op (wasm ops run synchronously), as
 * NadarayaWatson computes them for rbf (combineZeroKeyBlocks' steps, written out to time them).
 */
function ourPhases() {
  const t = { prepare: 0, distance: 0, softmax: 0, weightedSum: 0 };
  let t0 = performance.now();
  const keyTensor = toTensor(keyMatrix);
  const prepared = prepareKeys({ kernel: 'rbf' }, keyTensor);
  const yAug = augmentedTargets(targets);
  const blockTargets = zeroKeyTargets(yAug, prepared.blockWidths!);
  t.prepare = performance.now() - t0;
  const size = batchRows(MAX_MEMORY, N, prepared.bytesPerPair);
  for (let start = 0; start < Q; start += size) {
    const count = Math.min(size, Q - start);
    tf.tidy(() => {
      t0 = performance.now();
      const q = tf.tensor2d(queries.subarray(start * D, (start + count) * D), [count, D]);
      const blocks = prepared.scoreBlocks!(q, H);
      const t1 = performance.now();
      const weights = blocks.map((b) => tf.softmax(b));
      const t2 = performance.now();
      const sums = tf.addN(
        weights.map((w, i) => {
          const r = tf.matMul(w, blockTargets[i]);
          return tf.div(tf.slice(r, [0, 0], [-1, 2]), tf.slice(r, [0, 2], [-1, 1]));
        }),
      );
      tf.div(tf.slice(sums, [0, 0], [-1, 1]), tf.slice(sums, [0, 1], [-1, 1])).dataSync();
      const t3 = performance.now();
      t.distance += t1 - t0;
      t.softmax += t2 - t1;
      t.weightedSum += t3 - t2;
    });
  }
  prepared.dispose();
  tf.dispose([keyTensor, yAug, ...blockTargets]);
  return Object.fromEntries(Object.entries(t).map(([k, ms]) => [k, ms / 1000])) as typeof t;
}
function matmulPeakGflops(): number {
  const a = tf.randomNormal([1024, 1024], 0, 1, 'float32', 1);
  tf.matMul(a, a).dispose();
  const times = Array.from({ length: 5 }, () => {
    const t = performance.now();
    tf.matMul(a, a).dispose();
    return (performance.now() - t) / 1000;
  });
  a.dispose();
  return (2 * 1024 ** 3) / Math.min(...times) / 1e9;
}
const phaseRuns = Array.from({ length: 3 }, ourPhases);
const phaseMedian = (k: keyof ReturnType<typeof ourPhases>) => spread(phaseRuns.map((p) => p[k])).median;
const ourPeak = matmulPeakGflops();
const numpyPhases = bestServer ? await bestServer.ask<{ phases: Record<string, number>; matmulPeakGflops: number }>('phases') : undefined;
const pairs = N * Q;
const gflops = (flops: number, seconds: number) => flops / seconds / 1e9;
const phases = {
  note:
    'seconds summed over the query batches of one predict (median of 3 for iclkr); GFLOP/s counted with each side’s own ' +
    'flops (iclkr multiplies 66 augmented features, numpy 64); exp phases in G elements/s',
  iclkr: {
    matmulPeakGflops: ourPeak,
    prepareSeconds: phaseMedian('prepare'),
    distance: { seconds: phaseMedian('distance'), gflops: gflops(2 * pairs * (D + 2), phaseMedian('distance')) },
    softmax: { seconds: phaseMedian('softmax'), gElementsPerSecond: pairs / phaseMedian('softmax') / 1e9 },
    weightedSum: { seconds: phaseMedian('weightedSum'), gflops: gflops(2 * pairs * 3, phaseMedian('weightedSum')) },
  },
  numpy: numpyPhases
    ? {
        threads: best!.threads,
        matmulPeakGflops: numpyPhases.matmulPeakGflops,
        distance: { seconds: numpyPhases.phases.distance, gflops: gflops(2 * pairs * D, numpyPhases.phases.distance) },
        exp: { seconds: numpyPhases.phases.exp, gElementsPerSecond: pairs / numpyPhases.phases.exp / 1e9 },
        weightedSum: { seconds: numpyPhases.phases.weightedSum, gflops: gflops(3 * pairs, numpyPhases.phases.weightedSum) },
      }
    : null,
};
if (bestServer) await bestServer.ask('write');
const npPred = bestServer ? readF32(files.outFile) : undefined;
for (const server of servers) await server.close();

let sm: { seconds: number[]; statsmodelsVersion: string; peakRssBytes: number } | undefined;
try {
  const out = execFileSync(process.env.BENCH_STATSMODELS_PYTHON ?? '/usr/bin/python3', [SCRIPT, JSON.stringify(args)], {
    encoding: 'utf8',
  });
  sm = JSON.parse(out.trim().split('\n').pop()!);
} catch (error) {
  console.error(`statsmodels: ${(error as Error).message.split('\n')[0]}`);
}
const smPred = sm ? readF32(files.outFile) : undefined;
// Our predictions on the statsmodels prefix, to check agreement there too.
const prefix = new NadarayaWatson({ kernel: 'rbf', bandwidth: H })
  .fit({ rows: STATS_KEYS, cols: D, data: keys.subarray(0, STATS_KEYS * D) }, { kind: 'real', values: y.subarray(0, STATS_KEYS) })
  .predict({ rows: STATS_QUERIES, cols: D, data: queries.subarray(0, STATS_QUERIES * D) }).data;
rmSync(dir, { recursive: true, force: true });

const ourSpread = spread(ourSeconds);
const smSeconds = sm ? sm.seconds[0] : null;
const smProjected = smSeconds === null ? null : (smSeconds * (N * Q)) / (STATS_KEYS * STATS_QUERIES);
const result = {
  benchmark: 'Nadaraya-Watson rbf regression',
  size: { keys: N, queries: Q, features: D, bandwidth: H },
  windows: WINDOWS,
  protocol:
    'windows alternate: one predict of ours, then one numpy run at each OpenBLAS thread count while ours is idle; median and min-max',
  backend: backend.name,
  threads: backend.threads,
  tfjs: tf.version_core,
  iclkr: { seconds: ourSpread, windows: ourSeconds, cpuSeconds: spread(ourCpu), peakRssBytes: oursPeak(), rssBeforeBytes: rssBefore },
  numpy: best ? { best: best.threads, rows: numpyRows, peakRssBytes: numpyInfo?.peakRssBytes, version: numpyInfo?.numpyVersion } : null,
  ratioVsNumpy: best ? ourSpread.median / best.seconds.median : null,
  maxRelDiffVsNumpy: maxRel(ours, npPred),
  phases,
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

const s3 = (s: Spread) => `${s.median.toFixed(3)} (${s.min.toFixed(3)}-${s.max.toFixed(3)})`;
const mb = (b: unknown) => (typeof b === 'number' ? `${(b / 2 ** 20).toFixed(0)} MB` : '-');
console.log(
  `Nadaraya-Watson rbf, ${N} keys x ${Q} queries x ${D} features, ${WINDOWS} alternating windows ` +
    `(backend ${backend.name} on ${backend.threads} thread(s))`,
);
console.table([
  {
    implementation: `iclkr (${backend.name})`,
    'median s (min-max)': s3(ourSpread),
    'ratio vs numpy best': result.ratioVsNumpy?.toFixed(2) ?? '-',
    'CPU s, all threads': s3(result.iclkr.cpuSeconds),
  },
  ...numpyRows.map((r) => ({
    implementation: `numpy float32, ${r.threads} OpenBLAS thread(s)${r === best ? ' (best)' : ''}`,
    'median s (min-max)': s3(r.seconds),
    'ratio vs numpy best': (r.seconds.median / best!.seconds.median).toFixed(2),
    'CPU s, all threads': s3(r.cpuSeconds),
  })),
  {
    implementation: `statsmodels KernelReg (${STATS_KEYS}x${STATS_QUERIES}; projected to full size)`,
    'median s (min-max)': smSeconds === null ? 'n/a' : `${smSeconds.toFixed(2)} (${smProjected!.toFixed(0)})`,
    'ratio vs numpy best': smProjected && best ? (smProjected / best.seconds.median).toFixed(0) : '-',
    'CPU s, all threads': '-',
  },
]);
const p = phases.iclkr;
console.log(
  `iclkr phases: prepare ${p.prepareSeconds.toFixed(3)} s, distance ${p.distance.seconds.toFixed(3)} s (${p.distance.gflops.toFixed(1)} GFLOP/s), ` +
    `softmax ${p.softmax.seconds.toFixed(3)} s (${p.softmax.gElementsPerSecond.toFixed(2)} G/s), weighted sum ` +
    `${p.weightedSum.seconds.toFixed(3)} s; matmul peak ${p.matmulPeakGflops.toFixed(1)} GFLOP/s`,
);
const np = phases.numpy;
if (np)
  console.log(
    `numpy phases (${np.threads} thread(s)): distance ${np.distance.seconds.toFixed(3)} s (${np.distance.gflops.toFixed(1)} GFLOP/s), ` +
      `exp ${np.exp.seconds.toFixed(3)} s (${np.exp.gElementsPerSecond.toFixed(2)} G/s), weighted sum ${np.weightedSum.seconds.toFixed(3)} s; ` +
      `matmul peak ${np.matmulPeakGflops.toFixed(1)} GFLOP/s`,
  );
console.log(
  `peak RSS: iclkr ${mb(result.iclkr.peakRssBytes)}, numpy ${mb(numpyInfo?.peakRssBytes)}, statsmodels ${mb(sm?.peakRssBytes)}; ` +
    `max relative difference: iclkr vs numpy ${result.maxRelDiffVsNumpy?.toExponential(2)}, ` +
    `iclkr vs statsmodels ${result.statsmodels?.maxRelDiffVsIclkr?.toExponential(2) ?? 'n/a'}`,
);
