// Benchmark: the exact Bayesian predictive (restart mode) of 1,000 prompts with n = 64
// demonstrations of k = 10 tokens in the GINC world (gincWorld defaults: 100 states, 50 tokens,
// 10 concepts of which 5 have positive prior), against numpy doing the same computation in the
// same run: dense (a BLAS matmul per forward step) and sparse (forward vectors on the emitters of
// each token, the structure bayesPredictive exploits). A second case, the paper's random world
// (80 states, 100 tokens, 8 tasks sharing one transition and emission; almost every state emits
// every token), measures the dense path.
// Run with `npx tsx bench/bayes.bench.ts`; writes bench/results/theory-bayes.json.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@iclkr/core';
import { bayesPredictive, type IclPrompt } from '../src/bayes.js';
import { gincWorld } from '../src/generators/ginc.js';
import { randomWorld } from '../src/generators/random.js';
import { samplePrompt } from '../src/sample.js';
import { compileWorld, type World } from '../src/world.js';
import { writeBenchResult } from '../../../bench/results.js';

const here = dirname(fileURLToPath(import.meta.url));
const PROMPTS = Number(process.env.BENCH_PROMPTS ?? 1000);
const DENSE_PROMPTS = Number(process.env.BENCH_DENSE_PROMPTS ?? 200);
const N = 64;
const K = 10;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** n = N demonstrations and a query of K tokens each, from tasks with positive prior in turn; labels as GINC's (argmax). */
function prompts(world: World, rng: Rng, count: number): IclPrompt[] {
  const active = world.tasks.flatMap((t, i) => (t.prior > 0 ? [i] : []));
  return Array.from({ length: count }, (_, p) => samplePrompt(world, active[p % active.length], N, K, rng, { label: 'argmax' }));
}

function python(args: Record<string, unknown>): { seconds: number[]; peakRssBytes: number; numpyVersion: string } | undefined {
  try {
    const out = execFileSync(process.env.BENCH_PYTHON ?? 'python3', [join(here, 'bayes_reference.py'), JSON.stringify(args)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 1 << 24,
    });
    return JSON.parse(out.trim().split('\n').pop()!);
  } catch (error) {
    console.error(`python: ${(error as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

function runCase(label: string, world: World, prompts: IclPrompt[], modes: ('dense' | 'sparse' | 'shared')[]) {
  const dir = mkdtempSync(join(tmpdir(), 'iclkr-bayes-bench-'));
  const { d, m } = world;
  const files = {
    priorFile: join(dir, 'prior.f64'),
    startFile: join(dir, 'start.f64'),
    transitionFile: join(dir, 'transition.f64'),
    emissionFile: join(dir, 'emission.f64'),
    tokensFile: join(dir, 'tokens.i32'),
    outFile: join(dir, 'out.f64'),
  };
  const cat = (parts: Float64Array[]) => {
    const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  writeFileSync(
    files.priorFile,
    Float64Array.from(world.tasks, (t) => t.prior),
  );
  writeFileSync(files.startFile, cat(world.tasks.map((t) => t.start)));
  writeFileSync(files.transitionFile, cat(world.tasks.map((t) => t.transition)));
  writeFileSync(files.emissionFile, cat(world.tasks.map((t) => t.emission)));
  writeFileSync(files.tokensFile, Int32Array.from(prompts.flatMap((p) => [...p.demos.flatMap(([x, y]) => [...x, y]), ...p.query])));

  const rssBeforeBytes = process.memoryUsage().rss;
  bayesPredictive(world, prompts.slice(0, 20)); // warm-up: lets V8 optimise the loops
  const times: number[] = [];
  let ours: number[][] = [];
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    ours = bayesPredictive(world, prompts).map((p) => p.predictive);
    times.push((performance.now() - t) / 1000);
  }
  const seconds = median(times);
  const args = { tasks: world.tasks.length, states: d, tokens: m, prompts: prompts.length, demos: N, k: K, runs: RUNS, ...files };
  const references = Object.fromEntries(
    modes.map((mode) => {
      const result = python({ ...args, mode });
      if (!result) return [mode, null];
      const bytes = readFileSync(files.outFile);
      const theirs = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      let maxAbsDiff = 0;
      ours.forEach((row, p) => row.forEach((v, o) => (maxAbsDiff = Math.max(maxAbsDiff, Math.abs(v - theirs[p * m + o])))));
      const medianSeconds = median(result.seconds);
      return [
        mode,
        {
          medianSeconds,
          seconds: result.seconds,
          peakRssBytes: result.peakRssBytes,
          numpyVersion: result.numpyVersion,
          maxAbsDiffPredictive: maxAbsDiff,
          ratio: seconds / medianSeconds,
        },
      ];
    }),
  );
  rmSync(dir, { recursive: true, force: true });
  return {
    label,
    world: {
      name: world.spec.name,
      states: d,
      tokens: m,
      tasks: world.tasks.length,
      activeTasks: world.tasks.filter((t) => t.prior > 0).length,
      sharedDynamics: world.sharedDynamics,
    },
    prompts: prompts.length,
    demos: N,
    k: K,
    iclkr: { medianSeconds: seconds, seconds: times, peakRssBytes: process.resourceUsage().maxRSS * 1024, rssBeforeBytes },
    numpy: references as Record<
      string,
      {
        medianSeconds: number;
        seconds: number[];
        peakRssBytes: number;
        numpyVersion: string;
        maxAbsDiffPredictive: number;
        ratio: number;
      } | null
    >,
  };
}

const ginc = compileWorld(gincWorld({}, new Rng(2024)));
const gincCase = runCase('GINC (deterministic emission)', ginc, prompts(ginc, new Rng(7), PROMPTS), ['dense', 'sparse']);
const random = compileWorld(randomWorld({}, new Rng(2025)));
const randomCase = runCase('random world (dense emission, shared dynamics)', random, prompts(random, new Rng(8), DENSE_PROMPTS), [
  'dense',
  'shared',
]);

const result = {
  benchmark: 'exact Bayesian predictive, restart mode',
  runs: RUNS,
  node: process.version,
  implementation:
    'iclkr: float64 JS loops, single thread; forward/backward vectors kept on the states emitting each token; one backward pass per ' +
    'demonstration for all tasks sharing T and B. numpy: float64, OpenBLAS (all cores), rows in chunks; dense = a matmul per step, ' +
    'sparse = the emitter structure, shared = the shared backward pass.',
  cases: [gincCase, randomCase],
  date: new Date().toISOString(),
};
writeBenchResult('theory-bayes', result);

const mb = (b: number | undefined) => (b === undefined ? '-' : `${(b / 2 ** 20).toFixed(0)} MB`);
for (const c of [gincCase, randomCase]) {
  console.log(
    `${c.label}: ${c.prompts} prompts, n = ${c.demos}, k = ${c.k}, ${c.world.states} states, ${c.world.tokens} tokens, ` +
      `${c.world.activeTasks} of ${c.world.tasks} tasks with positive prior; median of ${RUNS}`,
  );
  console.table([
    {
      implementation: 'iclkr (float64 JS)',
      'median s': c.iclkr.medianSeconds.toFixed(3),
      'iclkr / this': '1.000',
      'peak RSS': mb(c.iclkr.peakRssBytes),
      'max |diff| vs iclkr': '-',
    },
    ...Object.entries(c.numpy).map(([mode, r]) => ({
      implementation: `numpy ${mode}`,
      'median s': r ? r.medianSeconds.toFixed(3) : 'n/a',
      'iclkr / this': r ? r.ratio.toFixed(3) : '-',
      'peak RSS': mb(r?.peakRssBytes),
      'max |diff| vs iclkr': r ? r.maxAbsDiffPredictive.toExponential(2) : '-',
    })),
  ]);
}
console.log(
  'peak RSS: the whole process (iclkr: node with tfjs loaded by @iclkr/core, ' +
    'both worlds and their prompts so far; numpy: python with the data)',
);
