// Benchmark: the whole convergence experiment with default settings on paper-table3 (target: under
// 60 s on a 2-core machine). Writes bench/results/theory-simulate.json.
import { initBackend } from '@iclkr/core';
import { runConvergence, worldFromPreset } from '../src/index.js';
import { writeBenchResult } from '../../../bench/results.js';

const backend = await initBackend();
const started = performance.now();
const world = worldFromPreset('paper-table3', 0);
const result = runConvergence(world, { shots: [1, 2, 4, 8, 16, 32, 64, 128], prompts: 200, seed: 0 });
const seconds = (performance.now() - started) / 1000;
const out = {
  benchmark: 'iclkr simulate --preset paper-table3 (defaults: 200 prompts, shots 1..128, theorem kernel, 2000 Sigma samples)',
  backend: backend.name,
  seconds,
  targetSeconds: 60,
  threads: backend.threads,
  world: world.spec.generator,
  rows: result.rows.map((r) => ({
    n: r.n,
    l1: r.l1,
    accVsBayes: r.accVsBayes,
    accVsBayesUnnormalized: r.unnormalized.accVsBayes,
    voteAccVsBayes: r.voteAccVsBayes,
    bayesAccVsLabel: r.bayesAccVsLabel,
  })),
  date: new Date().toISOString(),
};
writeBenchResult('theory-simulate', out);
console.log(`simulate paper-table3 with defaults: ${seconds.toFixed(1)} s (target < 60 s, backend ${backend.name})`);
