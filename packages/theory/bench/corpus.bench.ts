// Benchmark: pre-training corpus generation (tokens/s, median of 3) for the GINC, paper-table3 and
// classify presets, in memory and written to disk, against two references in the same run: a
// naive sampler (Rng.categorical over dense rows) and GINC's own per-token loop (hmmlearn's
// cumsum-and-compare sampling, re-enacted in Python + numpy since hmmlearn is not installed).
// Run with `npx tsx bench/corpus.bench.ts`; writes bench/results/theory-corpus.json.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Rng } from '@iclkr/core';
import { corpusChunks, corpusRng } from '../src/corpus.js';
import { writeCorpus } from '../src/corpus-node.js';
import { PRESET_NAMES, worldFromPreset } from '../src/presets.js';
import { documentTaskSampler } from '../src/sample.js';
import type { World } from '../src/world.js';
import { writeBenchResult } from '../../../bench/results.js';

const DOCS = Number(process.env.BENCH_DOCS ?? 1000);
const LENGTH = Number(process.env.BENCH_DOC_LENGTH ?? 10240);
const RUNS = 3;
const REFERENCE_TOKENS = 1_000_000;
const PYTHON_TOKENS = 200_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(run: () => Promise<number> | number): Promise<{ tokensPerSecond: number; seconds: number[] }> {
  const seconds: number[] = [];
  let tokens = 0;
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    tokens = await run();
    seconds.push((performance.now() - t) / 1000);
  }
  return { tokensPerSecond: tokens / median(seconds), seconds };
}

function inMemory(world: World, seed: number): number {
  let tokens = 0;
  for (const chunk of corpusChunks(world, { docs: DOCS, length: LENGTH }, corpusRng(seed))) tokens += chunk.tokens.length;
  return tokens;
}

/** The straightforward sampler: a linear scan of each dense row per draw. */
function naive(world: World, tokens: number, rng: Rng): number {
  const { d, m } = world;
  const pick = documentTaskSampler(world);
  const out = new Uint16Array(tokens);
  for (let done = 0; done < tokens; ) {
    const task = world.tasks[pick(rng)];
    let s = rng.categorical(task.start);
    const length = Math.min(LENGTH, tokens - done);
    for (let t = 0; t < length; t++) {
      out[done + t] = rng.categorical(task.emission.subarray(s * m, (s + 1) * m));
      s = rng.categorical(task.transition.subarray(s * d, (s + 1) * d));
    }
    done += length;
  }
  return tokens;
}

const PYTHON = `
import json, sys, time
import numpy as np
a = json.load(open(sys.argv[1]))
T = np.array(a['transition']); B = np.array(a['emission']); p0 = np.array(a['start'])
rs = np.random.RandomState(1111)
# hmmlearn 0.3 BaseHMM.sample: cumsum once, then (cdf > rand()).argmax() per state and per token.
t_cdf = np.cumsum(T, axis=1); b_cdf = np.cumsum(B, axis=1); s_cdf = np.cumsum(p0)
t0 = time.perf_counter()
s = (s_cdf > rs.rand()).argmax(); out = []
for _ in range(a['tokens']):
    out.append((b_cdf[s] > rs.rand()).argmax())
    s = (t_cdf[s] > rs.rand()).argmax()
print(json.dumps({'seconds': time.perf_counter() - t0, 'numpy': np.__version__}))
`;

function pythonReference(world: World): { tokensPerSecond: number; seconds: number; numpy: string } | null {
  const task = world.tasks[0];
  const rows = (flat: Float64Array, n: number) =>
    Array.from({ length: flat.length / n }, (_, i) => Array.from(flat.subarray(i * n, (i + 1) * n)));
  const args = {
    transition: rows(task.transition, world.d),
    emission: rows(task.emission, world.m),
    start: Array.from(task.start),
    tokens: PYTHON_TOKENS,
  };
  const dir = mkdtempSync(join(tmpdir(), 'iclkr-bench-'));
  try {
    const script = join(dir, 'ginc_loop.py');
    const input = join(dir, 'hmm.json');
    writeFileSync(script, PYTHON);
    writeFileSync(input, JSON.stringify(args));
    const out = execFileSync(process.env.BENCH_PYTHON ?? 'python3', [script, input], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    return { tokensPerSecond: PYTHON_TOKENS / r.seconds, seconds: r.seconds, numpy: r.numpy };
  } catch (error) {
    console.error(`python reference skipped: ${(error as Error).message.split('\n')[0]}`);
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const presets: Record<string, { tokensPerSecond: number; seconds: number[] }> = {};
for (const name of PRESET_NAMES) presets[name] = await timed(() => inMemory(worldFromPreset(name, 1), 1));
const ginc = worldFromPreset('ginc', 1);
const outRoot = mkdtempSync(join(tmpdir(), 'iclkr-bench-corpus-'));
let diskRun = 0;
const disk = await timed(async () => {
  const d = await writeCorpus(join(outRoot, `run-${diskRun++}`), ginc, { docs: DOCS, length: LENGTH, seed: 1 });
  return d.tokens;
});
rmSync(outRoot, { recursive: true, force: true });
const naiveResult = await timed(() => naive(ginc, REFERENCE_TOKENS, corpusRng(1)));
const python = pythonReference(ginc);

const gincRate = presets.ginc.tokensPerSecond;
const result = {
  benchmark: 'corpus generation',
  size: { docs: DOCS, docLength: LENGTH, tokens: DOCS * LENGTH },
  runs: RUNS,
  node: process.version,
  presets,
  gincToDisk: disk,
  references: {
    naiveCategorical: { tokens: REFERENCE_TOKENS, ...naiveResult, speedupOfOurs: gincRate / naiveResult.tokensPerSecond },
    gincPythonLoop: python && { tokens: PYTHON_TOKENS, ...python, speedupOfOurs: gincRate / python.tokensPerSecond },
  },
  date: new Date().toISOString(),
};
writeBenchResult('theory-corpus', result);

const rate = (x: number) => `${(x / 1e6).toFixed(2)}M`;
console.log(`corpus generation, ${DOCS} docs x ${LENGTH} tokens, tokens/s median of ${RUNS} (node ${process.version})`);
console.table([
  ...PRESET_NAMES.map((name) => ({
    run: `${name} (in memory)`,
    'tokens/s': rate(presets[name].tokensPerSecond),
    'ratio vs ginc': (presets[name].tokensPerSecond / gincRate).toFixed(2),
  })),
  { run: 'ginc written to disk', 'tokens/s': rate(disk.tokensPerSecond), 'ratio vs ginc': (disk.tokensPerSecond / gincRate).toFixed(2) },
  {
    run: 'ginc, naive categorical sampler',
    'tokens/s': rate(naiveResult.tokensPerSecond),
    'ratio vs ginc': (naiveResult.tokensPerSecond / gincRate).toFixed(3),
  },
  {
    run: "ginc, GINC's hmmlearn-style loop (python)",
    'tokens/s': python ? rate(python.tokensPerSecond) : 'n/a',
    'ratio vs ginc': python ? (python.tokensPerSecond / gincRate).toFixed(4) : '-',
  },
]);
