// Benchmark: forward-pass throughput and peak memory of a GPT-2-small-sized model (12 layers,
// width 768, 12 heads, vocabulary 50,257, 1,024 positions) with random weights, built through the
// same GPT-2 loader as real checkpoints, against the same architecture in PyTorch (Debian's
// python3-torch, bench/forward_reference.py, at torch threads 1 and 2; the faster at each row is
// the headline) run in the same benchmark. Windows alternate (bench/reference.ts): one pass of
// every row of ours, then of the reference at each thread count while ours is idle, 5 times after
// a warm-up; tokens/s median and min-max per row, ratios to PyTorch's best, peak RSS of each
// process; then each side's achieved GFLOP/s per row against the matrix-product rates of ours
// (ops.matMul), tfjs-wasm's and torch.mm's (threads 1 and 2) at GPT-2's shapes (bench/ceiling.ts),
// and against WebAssembly SIMD's multiply-add peak (bench/peak.ts): the tokens/s the pass would reach
// if every FLOP ran at it on every thread. Writes bench/results/probing-forward.json.
//
// Notes (same process, alternating, quiet machine, 2 threads): the unembedding as (W_E x^T)^T
// instead of x W_U took the pass from 116 to 133 tokens/s at 1x512, 102 -> 122 at 1x1024, 123 -> 161
// at 8x128, logits bit-identical (XNNPACK streamed the 154 MB packed W_U once per 4-row strip of
// x). Per-(batch, head) 2-D products for attention lost to channelMatMul (579 vs 259 ms a layer at
// 8x128, 1070 vs 307 at 1x1024): tfjs-wasm's Slice, Split and Gather copy their whole input per piece.
// Peak RSS (the weights' buffer collected before the passes): about 240 MB is Node, tfjs and the
// worker threads; XNNPACK keeps a packed copy of every weight it multiplies by (340 MB for GPT-2
// small's blocks). The wasm memory's high-water mark after the passes is 1,332 MB: 625 MB of
// weights, the packed copies, the rest activations. The unembedding now writes its pieces into the
// logits in place (one copy, not two: 412 -> 257 MB at 1,024 tokens), and the pass no longer copies
// the logits to JS (PyTorch's reference keeps them in its tensor): 1,944 -> 1,816 MB in all.
// The fused attention kernels (src/wasm-kernels.wat): 122 -> 159 tokens/s at 1 x 1,024, 132 -> 169
// at 1 x 512, 156 -> 171 at 8 x 128 (with gelu_new and LayerNorm kernels and a worker thread).
// Our gemm (src/matmul-kernel.ts) for every product, the unembedding's pieces included: 158 -> 203
// tokens/s at 1 x 1,024, 162 -> 207 at 1 x 512, 173 -> 229 at 8 x 128; its products run at 55-66
// GFLOP/s against XNNPACK's 38-54, 70-90% of the SIMD peak (about 40 GFLOP/s a thread, 80 on two;
// torch.mm reaches 280-296 on one thread with AVX-512 FMA). It packs B per call instead of keeping
// XNNPACK's packed copy of every weight: peak RSS 1,816 -> 1,490 MB (1.41x PyTorch's).
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { initBackend, Rng, type SafetensorsTensor, tf } from '@iclkr/core';
import { modelFromCheckpoint } from '../src/index.js';
import { writeBenchResult } from '../../../bench/results.js';
import { matmulRates, matmulTable } from './ceiling.js';
import { wasmSimdPeak } from './peak.js';
import { alternate, ReferenceServer, type RunInfo, type Spread, spread } from './reference.js';

const V = 50257;
const P = 1024;
const D = 768;
const L = 12;
const WINDOWS = 5;
/** The reference's torch thread counts; the fastest at each row is the headline. */
const TORCH_THREADS = [1, 2];
/** The rows forward_reference.py runs, in its order. */
const TORCH_ROWS = [
  [1, 256],
  [1, 512],
  [1, 1024],
  [8, 128],
] as const;
const backend = await initBackend();
const rng = new Rng(0);
// The weights lie in one buffer, as a safetensors file read whole does (freed in one piece once
// the model holds its own copies).
const specs: [name: string, shape: number[], init: 'normal' | 'pos' | 'ones' | 'zeros'][] = [
  ['wte.weight', [V, D], 'normal'],
  ['wpe.weight', [P, D], 'pos'],
  ['ln_f.weight', [D], 'ones'],
  ['ln_f.bias', [D], 'zeros'],
];
for (let l = 0; l < L; l++) {
  const h = `h.${l}.`;
  specs.push([`${h}ln_1.weight`, [D], 'ones'], [`${h}ln_1.bias`, [D], 'zeros']);
  specs.push([`${h}attn.c_attn.weight`, [D, 3 * D], 'normal'], [`${h}attn.c_attn.bias`, [3 * D], 'zeros']);
  specs.push([`${h}attn.c_proj.weight`, [D, D], 'normal'], [`${h}attn.c_proj.bias`, [D], 'zeros']);
  specs.push([`${h}ln_2.weight`, [D], 'ones'], [`${h}ln_2.bias`, [D], 'zeros']);
  specs.push([`${h}mlp.c_fc.weight`, [D, 4 * D], 'normal'], [`${h}mlp.c_fc.bias`, [4 * D], 'zeros']);
  specs.push([`${h}mlp.c_proj.weight`, [4 * D, D], 'normal'], [`${h}mlp.c_proj.bias`, [D], 'zeros']);
}
const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
let file: Float32Array | undefined = new Float32Array(specs.reduce((n, [, shape]) => n + sizeOf(shape), 0));
const tensors = new Map<string, SafetensorsTensor>();
let offset = 0;
for (const [name, shape, init] of specs) {
  const data = file.subarray(offset, offset + sizeOf(shape));
  offset += data.length;
  if (init === 'ones') data.fill(1);
  else if (init !== 'zeros') for (let i = 0; i < data.length; i++) data[i] = (init === 'pos' ? 0.01 : 0.02) * rng.normal();
  tensors.set(name, { dtype: 'F32', shape, data });
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
file = undefined;
// The buffer is garbage now; it is collected before the passes, so that their peak RSS is the
// model's own, whenever V8 would have collected it (1,859 MB with, 1,863 without, in one run each).
setFlagsFromString('--expose-gc');
(runInNewContext('gc') as () => void)();
await new Promise((resolve) => setTimeout(resolve, 100));

/** (batch, positions, cached patterns) of each row; PyTorch runs the rows without a cache. */
const ROWS = [
  [1, 256, false],
  [1, 512, false],
  [1, 1024, false],
  [8, 128, false],
  [8, 128, true],
] as const;
const inputs = ROWS.map(([batch, positions]) =>
  tf.tensor2d(
    Int32Array.from({ length: batch * positions }, () => rng.int(V)),
    [batch, positions],
    'int32',
  ),
);
/** Seconds of one forward pass of row i. */
const timed = (i: number) => {
  const [, , cache] = ROWS[i]!;
  const names = cache ? Array.from({ length: L }, (_, l) => `blocks.${l}.attn.hook_pattern`) : [];
  const t = performance.now();
  const { logits, cache: acts } = model.run(inputs[i]!, { cache: names });
  // The pass is done when its logits exist (wasm kernels are synchronous; one value is read, so an
  // asynchronous backend would wait too): PyTorch's reference does not copy its logits out either
  // (a copy to JS took 206 MB of peak RSS and ~60 ms at 1 x 1,024).
  logits.slice([0, 0, 0], [1, 1, 1]).dataSync();
  tf.dispose([logits, ...acts.values()]);
  return (performance.now() - t) / 1000;
};
ROWS.forEach((_, i) => timed(i)); // warm-up
const torch = await ReferenceServer.start<{ seconds: number[] }>(fileURLToPath(new URL('./forward_reference.py', import.meta.url)), []);
const ourSeconds: number[][] = ROWS.map(() => []);
const torchSeconds = new Map<number, number[][]>(TORCH_THREADS.map((t) => [t, TORCH_ROWS.map(() => [])]));
let torchInfo: RunInfo | undefined;
// Windows alternate: one pass of every row of ours, then of PyTorch at each thread count (the order flips every window).
await alternate(
  torch,
  WINDOWS,
  TORCH_THREADS,
  () => ROWS.forEach((_, i) => ourSeconds[i]!.push(timed(i))),
  (threads, answer) => {
    answer.seconds.forEach((s, r) => torchSeconds.get(threads)![r]!.push(s));
    torchInfo = answer;
  },
);
await torch?.close();
tf.dispose(inputs);
const peakRssBytes = process.resourceUsage().maxRSS * 1024;
model.dispose();
// The ceiling: GPT-2's products at 512 and 1,024 rows, and the unembedding's, for each backend.
const matmul = matmulRates([
  [512, D, D],
  [512, D, 4 * D],
  [512, 4 * D, D],
  [1024, D, 4 * D],
  [V, D, 512],
]);
// The arithmetic ceiling: WebAssembly SIMD's multiply-add rate on one thread (bench/peak.ts), times the threads.
const simdPeakPerThread = await wasmSimdPeak();
/** FLOPs of one pass: the linear layers and the unembedding per token, attention's two products over every key. */
const passFlops = (batch: number, positions: number) =>
  batch * positions * (2 * L * (4 * D * D + 8 * D * D) + 2 * D * V) + L * 4 * batch * positions * positions * D;

/** Tokens/s (median and range) of passes of `tokens` tokens taking `seconds` each. */
const rate = (tokens: number, seconds: number[]) => spread(seconds.map((s) => tokens / s));
const rows = ROWS.map(([batch, positions, cachedPatterns], i) => ({
  batch,
  positions,
  cachedPatterns,
  seconds: spread(ourSeconds[i]!),
  tokensPerSecond: rate(batch * positions, ourSeconds[i]!),
}));
const reference =
  torchInfo === undefined
    ? null
    : {
        torch: torchInfo.torch,
        peakRssBytes: torchInfo.peakRssBytes,
        byThreads: TORCH_THREADS.map((threads) => ({
          threads,
          rows: TORCH_ROWS.map(([batch, positions], r) => ({
            batch,
            positions,
            seconds: spread(torchSeconds.get(threads)![r]!),
            tokensPerSecond: rate(batch * positions, torchSeconds.get(threads)![r]!),
          })),
        })),
      };
const ratios = rows
  .filter((r) => !r.cachedPatterns)
  .map((r) => {
    const refs = (reference?.byThreads ?? []).map((t) => ({
      threads: t.threads,
      tokensPerSecond: t.rows.find((x) => x.batch === r.batch && x.positions === r.positions)!.tokensPerSecond.median,
    }));
    const best = refs.reduce<(typeof refs)[number] | undefined>(
      (b, x) => (b === undefined || x.tokensPerSecond > b.tokensPerSecond ? x : b),
      undefined,
    );
    const flopsPerToken = passFlops(r.batch, r.positions) / (r.batch * r.positions);
    return {
      batch: r.batch,
      positions: r.positions,
      // tokens/s if every FLOP ran at the SIMD peak on every thread: the most this backend can do
      tokensPerSecondAtSimdPeak: (simdPeakPerThread * backend.threads * 1e9) / flopsPerToken,
      achievedGflops: {
        ours: (flopsPerToken * r.tokensPerSecond.median) / 1e9,
        pytorchBest: best ? (flopsPerToken * best.tokensPerSecond) / 1e9 : null,
      },
      ours: r.tokensPerSecond.median,
      pytorchBest: best?.tokensPerSecond ?? null,
      pytorchBestThreads: best?.threads ?? null,
      ratio: best ? r.tokensPerSecond.median / best.tokensPerSecond : null,
      ratioByThreads: Object.fromEntries(refs.map((x) => [x.threads, r.tokensPerSecond.median / x.tokensPerSecond])),
    };
  });
const result = {
  benchmark: 'GPT-2-small-sized forward pass (random weights)',
  backend: backend.name,
  threads: backend.threads,
  tfjs: tf.version_core,
  windows: WINDOWS,
  protocol: 'windows alternate: one pass per row of ours, then of PyTorch at each thread count while ours is idle; median and min-max',
  rows,
  peakRssBytes,
  reference,
  ratios,
  matmulGflops: matmul,
  simdPeakGflops: { perThread: simdPeakPerThread, threads: backend.threads, total: simdPeakPerThread * backend.threads },
  memoryRatio: reference === null ? null : peakRssBytes / reference.peakRssBytes,
  goal: 'tokens/s at least 1x PyTorch at its best thread count; peak RSS at most 1.5x',
  date: new Date().toISOString(),
};
writeBenchResult('probing-forward', result);
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
console.log(
  `GPT-2-small-sized forward pass, backend ${backend.name} on ${backend.threads} thread(s), ${WINDOWS} alternating windows; ` +
    `peak RSS ${mb(peakRssBytes)} MB (PyTorch ${reference ? mb(reference.peakRssBytes) : '-'} MB)`,
);
const range = (s: Spread) => `${s.min.toFixed(0)}-${s.max.toFixed(0)}`;
console.table(
  rows.map((r) => ({
    'batch x positions': `${r.batch} x ${r.positions}`,
    'cached patterns': r.cachedPatterns,
    'median s': r.seconds.median.toFixed(2),
    'tokens/s': r.tokensPerSecond.median.toFixed(0),
    range: range(r.tokensPerSecond),
    ...Object.fromEntries(
      (reference?.byThreads ?? []).flatMap((t) => {
        const ref = t.rows.find((x) => x.batch === r.batch && x.positions === r.positions && !r.cachedPatterns);
        return ref
          ? [[`torch ${t.threads}t tokens/s (range)`, `${ref.tokensPerSecond.median.toFixed(0)} (${range(ref.tokensPerSecond)})`]]
          : [];
      }),
    ),
  })),
);
console.table(
  ratios.map((r) => ({
    'batch x positions': `${r.batch} x ${r.positions}`,
    ours: r.ours.toFixed(0),
    'pytorch best': r.pytorchBest?.toFixed(0) ?? '-',
    'best threads': r.pytorchBestThreads ?? '-',
    ratio: r.ratio?.toFixed(3) ?? '-',
    'GFLOP/s ours': r.achievedGflops.ours.toFixed(1),
    'GFLOP/s pytorch best': r.achievedGflops.pytorchBest?.toFixed(1) ?? '-',
    'tokens/s at SIMD peak': r.tokensPerSecondAtSimdPeak.toFixed(0),
  })),
);
console.log(
  `WebAssembly SIMD multiply-add peak: ${simdPeakPerThread.toFixed(1)} GFLOP/s a thread, ${(simdPeakPerThread * backend.threads).toFixed(1)} on ${backend.threads}`,
);
console.log('matrix products, GFLOP/s (best of 20; the last is the unembedding as W_E x^T):');
console.table(matmulTable(matmul, backend.threads));
