// Benchmark: forward-pass throughput and peak memory of a GPT-2-small-sized model (12 layers,
// width 768, 12 heads, vocabulary 50,257, 1,024 positions) with random weights, built through the
// same GPT-2 loader as real checkpoints, against the same architecture in PyTorch (Debian's
// python3-torch, bench/forward_reference.py, 2 threads) run in the same benchmark: median seconds
// per row, tokens/s and our/PyTorch ratios, peak RSS of each. Writes bench/results/probing-forward.json.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { initBackend, Rng, type SafetensorsTensor, tf } from '@iclkr/core';
import { modelFromCheckpoint } from '../src/index.js';
import { writeBenchResult } from '../../../bench/results.js';

const V = 50257;
const P = 1024;
const D = 768;
const L = 12;
const RUNS = 3;
const backend = await initBackend();
const rng = new Rng(0);
const normal = (shape: number[], scale = 0.02): SafetensorsTensor => ({
  dtype: 'F32',
  shape,
  data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * rng.normal()),
});
const ones = (n: number): SafetensorsTensor => ({ dtype: 'F32', shape: [n], data: new Float32Array(n).fill(1) });
const zeros = (n: number): SafetensorsTensor => ({ dtype: 'F32', shape: [n], data: new Float32Array(n) });
const tensors = new Map<string, SafetensorsTensor>([
  ['wte.weight', normal([V, D])],
  ['wpe.weight', normal([P, D], 0.01)],
  ['ln_f.weight', ones(D)],
  ['ln_f.bias', zeros(D)],
]);
for (let l = 0; l < L; l++) {
  const h = `h.${l}.`;
  tensors.set(`${h}ln_1.weight`, ones(D)).set(`${h}ln_1.bias`, zeros(D));
  tensors.set(`${h}attn.c_attn.weight`, normal([D, 3 * D])).set(`${h}attn.c_attn.bias`, zeros(3 * D));
  tensors.set(`${h}attn.c_proj.weight`, normal([D, D])).set(`${h}attn.c_proj.bias`, zeros(D));
  tensors.set(`${h}ln_2.weight`, ones(D)).set(`${h}ln_2.bias`, zeros(D));
  tensors.set(`${h}mlp.c_fc.weight`, normal([D, 4 * D])).set(`${h}mlp.c_fc.bias`, zeros(4 * D));
  tensors.set(`${h}mlp.c_proj.weight`, normal([4 * D, D])).set(`${h}mlp.c_proj.bias`, zeros(D));
}
const config = {
  model_type: 'gpt2',
  vocab_size: V,
  n_positions: P,
  n_embd: D,
  n_layer: L,
  n_head: 12,
  n_inner: null,
  activation_function: 'gelu_new',
  layer_norm_epsilon: 1e-5,
  tie_word_embeddings: true,
};
const model = modelFromCheckpoint(config, tensors, 'random gpt2-small');
tensors.clear();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const [batch, positions, cache] of [
  [1, 256, false],
  [1, 512, false],
  [1, 1024, false],
  [8, 128, false],
  [8, 128, true],
] as const) {
  const ids = tf.tensor2d(
    Int32Array.from({ length: batch * positions }, () => rng.int(V)),
    [batch, positions],
    'int32',
  );
  const names = cache ? Array.from({ length: L }, (_, l) => `blocks.${l}.attn.hook_pattern`) : [];
  const times: number[] = [];
  for (let r = 0; r <= RUNS; r++) {
    const t = performance.now();
    const { logits, cache: acts } = model.run(ids, { cache: names });
    logits.dataSync();
    tf.dispose([logits, ...acts.values()]);
    if (r > 0) times.push((performance.now() - t) / 1000); // run 0 warms up
  }
  ids.dispose();
  const seconds = median(times);
  rows.push({ batch, positions, cachedPatterns: cache, medianSeconds: seconds, tokensPerSecond: (batch * positions) / seconds });
}
const peakRssBytes = process.resourceUsage().maxRSS * 1024;
model.dispose();

/** The PyTorch reference's rows, or null (with the reason printed) where python3-torch is missing. */
function reference(): {
  rows: { batch: number; positions: number; medianSeconds: number; tokensPerSecond: number }[];
  threads: number;
  torch: string;
  peakRssBytes: number;
} | null {
  const script = fileURLToPath(new URL('./forward_reference.py', import.meta.url));
  const r = spawnSync('/usr/bin/python3', [script, '--threads', '2'], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`PyTorch reference not run: ${(r.stderr || String(r.error)).trim().split('\n').pop()} (apt-get install python3-torch)`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}
const torchRef = reference();
const ratios = rows
  .filter((r) => !r.cachedPatterns)
  .map((r) => {
    const ref = torchRef?.rows.find((x) => x.batch === r.batch && x.positions === r.positions);
    return {
      batch: r.batch,
      positions: r.positions,
      ours: r.tokensPerSecond,
      pytorch: ref?.tokensPerSecond ?? null,
      ratio: ref ? r.tokensPerSecond / ref.tokensPerSecond : null,
    };
  });
const result = {
  benchmark: 'GPT-2-small-sized forward pass (random weights)',
  backend: backend.name,
  threads: backend.threads,
  tfjs: tf.version_core,
  runs: RUNS,
  rows,
  peakRssBytes,
  reference: torchRef,
  ratios,
  goal: 'at least 0.5x PyTorch tokens/s',
  date: new Date().toISOString(),
};
writeBenchResult('probing-forward', result);
console.log(
  `GPT-2-small-sized forward pass, backend ${backend.name} on ${backend.threads} thread(s), median of ${RUNS}; ` +
    `peak RSS ${(peakRssBytes / 2 ** 20).toFixed(0)} MB (PyTorch ${torchRef ? (torchRef.peakRssBytes / 2 ** 20).toFixed(0) : '-'} MB)`,
);
console.table(
  rows.map((r) => ({
    'batch x positions': `${r.batch} x ${r.positions}`,
    'cached patterns': r.cachedPatterns,
    'median s': r.medianSeconds.toFixed(2),
    'tokens/s': r.tokensPerSecond.toFixed(0),
  })),
);
console.table(
  ratios.map((r) => ({
    'batch x positions': `${r.batch} x ${r.positions}`,
    ours: r.ours.toFixed(0),
    pytorch: r.pytorch?.toFixed(0) ?? '-',
    ratio: r.ratio?.toFixed(3) ?? '-',
  })),
);
