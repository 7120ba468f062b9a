// Benchmark: training throughput of our GPT in its default configuration (2 layers, 4 heads,
// d_model 64, d_mlp 256, ALiBi, untied, n_ctx 128, vocabulary 67) at batch 16 x 128 tokens, against
// a PyTorch reference of the same architecture, batch, sequence length and optimiser
// (bench/train_reference.py, Debian's python3-torch) at torch threads 1 and 2; the faster is the
// headline ratio. Windows alternate (bench/reference.ts): one of ours, then one of the reference at
// each thread count while ours is idle, 7 times after 20 warm-up steps; tokens/s median and min-max of
// each, and the peak RSS of each process. Then the ceiling: the step's FLOPs (products of the
// linear layers, unembedding and attention; backward twice forward), the GFLOP/s each side
// achieves, the matrix-product rates of ours (ops.matMul), tfjs-wasm's and torch.mm's (threads 1
// and 2) at the step's shapes, and WebAssembly SIMD's multiply-add peak (bench/peak.ts). Writes
// bench/results/probing-train.json.
//
// Micro-benchmark notes (tfjs-wasm 4.22, single thread; min CPU ms of a call, fresh operands;
// this shared 2-core machine is noisy, so only the ratios matter). `--micro` reruns them:
//   [2048,256]x[256,64]:  matMul(a, b) 2.5 ms;  matMul(dy, w, false, true) 25 ms (transposeB runs a
//     naive loop);  matMul(dy, transpose(w)) 2.5 ms.  A^T B by the transposeA flag 29 ms, by an
//     explicit transpose 5-7 ms: so ops.matMul's gradient used explicit transposes (until gemm, below).
//   attention products [64 = batch x heads] of 128x16 @ 16x128 (QK^T) and 128x128 @ 128x16 (PV):
//     batched matMul 22-28 ms and 15-17 ms (naive loop); 64 sliced 2-D matMuls 70 ms and more (per-op
//     overhead, stack); one depthwise convolution in the (query, batch x head, key) layout
//     (ops.channelMatMul) 3-5 ms and 2-6 ms. XNNPACK's grouped product is slow with few output
//     columns: 128 x 64 channels x 128 -> 16 (PV, and the gradients dQ and dV) 12.8 ms, 128 -> 128
//     from 16 (QK^T) 6 ms, 16 x 128 -> 128 3.5 ms. So dV = P^T dZ is formed as (dZ^T P)^T: 19.6 ->
//     4.4 ms with its transposes, the same bits, +3-4% a step (in-process A/B). PV and dQ
//     transposed instead would need their [q, c, k] operand as [k, c, q], a 1M-element transpose
//     (12 ms, or three block steps ~9 ms): they lost (PV 15.4 ms as is, 18-22 ms transposed).
//   Broadcast binary ops ([2048,64] by [2048,1] or [64]) take 3-7x a same-shape one (0.4-1.2 vs
//     0.15 ms; scalars cost nothing extra); materialising the operand (tile 11 ms, a ones product
//     0.7-1.5 ms) does not pay.
//   embedding [67,64] by 2048 ids: gather 4-5 ms (and no gradient kernel on wasm); one-hot product
//     0.6 ms; its gradient one-hot^T dy 1.8 ms.
//   2-D transpose [2048,256] 7-16 ms; in two block steps (ops.transpose2d) 0.9 ms. Sum over the
//     leading axis of [2048,256] 5 ms, over the last axis after transpose2d 0.9 ms.
//   gelu_new on [2048,256]: pow(x,3) 9 ms, tanh 10 ms, sigmoid 0.7 ms (gelu_new = x sigmoid(2u)).
// A full step went from ~400 ms (tfjs's own gradients where they exist) to ~130-160 ms.
//   tfjs clones (Identity) every tensor a gradient saves, and tfjs-wasm's Identity copied: 125 copies
//     a step; core's backend now shares the data: 8.4-8.5k -> 9.6-9.7k tokens/s, same losses and weights.
// Our own wasm kernels (src/wasm-kernels.wat, over tfjs-wasm's memory; step medians in one process):
//   fused causal attention, forward and backward, in place of ~20 tfjs kernels per layer and
//     direction: 42 -> 14 ms a layer (fwd + bwd, one thread), the step 223 -> 154 ms (profiled) or
//     10.7k -> 13.3k tokens/s; gelu_new and LayerNorm as one pass each way: 154 -> 118 ms; q, k and v
//     read in place from the packed projection (no SplitV, no Concat of the gradients): 118 -> 111.
//   split over a worker thread (units of (batch row, kv head), fixed LayerNorm chunks): attention
//     fwd + bwd 14 -> 6.6 ms a layer alone; the step 111.8 -> 109.3 ms in an in-process A/B (the
//     small kernels gain little: a worker's wake-up is a few tens of microseconds).
//   The 2-D weight-gradient products already transpose the smaller operand: x^T dy at [2048,64] x
//     [2048,256] 1.9 ms against (dy^T x)^T 3.0 ms, the reverse at [2048,256] x [2048,64].
// Our gemm (src/matmul-kernel.ts; 19-20k tokens/s = 0.57-0.62x PyTorch before, one bench run each):
//   every product and both its gradients, transposed operands read through strides, no Transpose
//     kernels left in the step: 100 -> 68 ms a step (profiled), 30.0k tokens/s, 0.81x.
//   A packed too, 128 KB at a time (one thread 31-33 -> 34-35 GFLOP/s, XNNPACK 30); workers spin 1
//     ms before they sleep (a round trip 105 -> 2-8 us); the loss in two fused passes; AdamW in the
//     kernels: the step 58 -> 53 ms (in-process medians of 15 steps), 35.1k tokens/s, 0.88x.
//   threads taking gemm's units from a shared counter: 2-thread products 47-60 -> 61-72 GFLOP/s,
//     36.9k tokens/s, 0.95x. Two steps of k per loop turn, or reading A in place, ran slower.
//   The SIMD peak (bench/peak.ts) is about 40 GFLOP/s a thread: the tile runs at 85-90% of it.
//   LayerNorm and the column sums over the threads; attention's forward pass keeping the pattern
//     and gelu_new's the gate while a gradient is taken (the backward passes read them, the same
//     bits); 20 warm-up steps: the step ~49 ms, 39.3-40.4k tokens/s, 1.06-1.10x over four runs.
import { fileURLToPath } from 'node:url';
import { initBackend, Rng, tf } from '@iclkr/core';
import { writeBenchResult } from '../../../bench/results.js';
import { matmulRates, matmulTable } from './ceiling.js';
import { wasmSimdPeak } from './peak.js';
import { alternate, type RunInfo, ReferenceServer, type Spread, spread } from './reference.js';
import { TRAIN_BATCH, TRAIN_CONFIG } from './train-shape.js';
import { channelMatMul, createGpt, GptTrainer, initGptParams, type TrainBatch, transpose2d } from '../src/index.js';

const CONFIG = TRAIN_CONFIG;
const BATCH = TRAIN_BATCH;
/**
 * Warm-up steps on each side before the windows: ours needs about 20 to reach its steady speed (V8
 * compiles the hot JS and wasm paths in the background, slowly while both cores compute: steps 6-21
 * ran 60-75 ms, the ones after 48-55), and a training run is thousands of steps.
 */
const WARMUP = 20;
const WINDOWS = 7;
const STEPS_PER_WINDOW = 8;
/** The reference's torch thread counts; the fastest is the headline. */
const TORCH_THREADS = [1, 2];
const REFERENCE = fileURLToPath(new URL('./train_reference.py', import.meta.url));

const backend = await initBackend();

if (process.argv.includes('--micro')) {
  micro();
  process.exit(0);
}

const rng = new Rng(0);
const randomBatch = (): TrainBatch => {
  const n = BATCH * CONFIG.nCtx;
  return {
    inputs: Int32Array.from({ length: n }, () => rng.int(CONFIG.vocabSize)),
    targets: Int32Array.from({ length: n }, () => rng.int(CONFIG.vocabSize)),
    weights: new Float32Array(n).fill(1),
    batch: BATCH,
    length: CONFIG.nCtx,
  };
};
const params = initGptParams(CONFIG, new Rng(1));
const model = createGpt(CONFIG, params);
const trainer = new GptTrainer(model, params, { lr: 1e-3, warmup: 10, steps: 1000 });
for (let s = 0; s < WARMUP; s++) trainer.step(randomBatch());
const torch = await ReferenceServer.start<{ tokensPerSecond: number }>(REFERENCE, [
  ...['--batch', String(BATCH), '--ctx', String(CONFIG.nCtx), '--vocab', String(CONFIG.vocabSize)],
  ...['--layers', String(CONFIG.nLayers), '--heads', String(CONFIG.nHeads), '--d', String(CONFIG.dModel), '--d-mlp', String(CONFIG.dMlp)],
  ...['--positions', CONFIG.positions, '--warmup', String(WARMUP), '--steps-per-window', String(STEPS_PER_WINDOW)],
]);

/** Tokens/s of one window of our training steps. */
const ourWindow = () => {
  const batches = Array.from({ length: STEPS_PER_WINDOW }, randomBatch);
  const started = performance.now();
  for (const batch of batches) trainer.step(batch);
  return (STEPS_PER_WINDOW * BATCH * CONFIG.nCtx) / ((performance.now() - started) / 1000);
};
// Windows alternate, ours then the reference's at each thread count (the order flips every window).
const windows: number[] = [];
const torchWindows = new Map<number, number[]>(TORCH_THREADS.map((t) => [t, []]));
let torchInfo: RunInfo | undefined;
await alternate(
  torch,
  WINDOWS,
  TORCH_THREADS,
  () => windows.push(ourWindow()),
  (threads, answer) => {
    torchWindows.get(threads)!.push(answer.tokensPerSecond);
    torchInfo = answer;
  },
);
await torch?.close();

// The ceiling: the step's FLOPs (the products of the linear layers, unembedding and attention,
// forward and twice that backward), against each backend's matrix-product rate measured here.
const { dModel: d, dMlp, nLayers, vocabSize, nCtx } = CONFIG;
const forwardFlopsPerToken = 2 * (nLayers * (4 * d * d + 2 * d * dMlp + 2 * nCtx * d) + d * vocabSize);
const stepFlops = 3 * forwardFlopsPerToken * BATCH * nCtx;
const MATMUL_SHAPES = [
  [BATCH * nCtx, d, dMlp],
  [BATCH * nCtx, dMlp, d],
  [BATCH * nCtx, d, d],
  [1024, 1024, 1024],
] as const;
const matmul = matmulRates(MATMUL_SHAPES);
const simdPeak = await wasmSimdPeak();
const ours = { tokensPerSecond: spread(windows), windows, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
model.dispose();

const reference =
  torch === undefined || torchInfo === undefined
    ? []
    : TORCH_THREADS.map((threads) => ({
        threads,
        tokensPerSecond: spread(torchWindows.get(threads)!),
        windows: torchWindows.get(threads)!,
      }));
const best = reference.reduce<(typeof reference)[number] | undefined>(
  (b, r) => (b === undefined || r.tokensPerSecond.median > b.tokensPerSecond.median ? r : b),
  undefined,
);
const result = {
  benchmark: 'GPT training throughput (2 layers, 4 heads, d 64, d_mlp 256, ALiBi, untied, ctx 128, batch 16, vocab 67; AdamW, clipping)',
  backend: backend.name,
  threads: backend.threads,
  tfjs: tf.version_core,
  windows: WINDOWS,
  stepsPerWindow: STEPS_PER_WINDOW,
  protocol:
    'windows alternate: ours, then PyTorch at each thread count while ours is idle (order flipped every window); median and min-max',
  ours,
  reference: torchInfo === undefined ? null : { torch: torchInfo.torch, peakRssBytes: torchInfo.peakRssBytes, byThreads: reference },
  ceiling: {
    stepGflop: stepFlops / 1e9,
    achievedGflops: {
      ours: (stepFlops * spread(windows).median) / (BATCH * nCtx) / 1e9,
      pytorchBest: best === undefined ? null : (stepFlops * best.tokensPerSecond.median) / (BATCH * nCtx) / 1e9,
    },
    matmulGflops: matmul,
    simdPeakGflops: { perThread: simdPeak, threads: backend.threads, total: simdPeak * backend.threads },
  },
  bestReferenceThreads: best?.threads ?? null,
  ratio: best === undefined ? null : ours.tokensPerSecond.median / best.tokensPerSecond.median,
  ratioByThreads: Object.fromEntries(reference.map((r) => [r.threads, ours.tokensPerSecond.median / r.tokensPerSecond.median])),
  date: new Date().toISOString(),
};
writeBenchResult('probing-train', result);
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const range = (s: Spread) => `${s.min.toFixed(0)}-${s.max.toFixed(0)}`;
console.log(
  `GPT training throughput, backend ${backend.name}, ${WINDOWS} alternating windows of ${STEPS_PER_WINDOW} steps ` +
    `(batch ${BATCH} x ${CONFIG.nCtx}); ratio to PyTorch's best (${best?.threads ?? '-'} threads): ${result.ratio?.toFixed(2) ?? '-'}`,
);
console.table([
  {
    run: `iclkr (tfjs ${backend.name}, ${backend.threads} thread${backend.threads === 1 ? '' : 's'})`,
    'median tokens/s': ours.tokensPerSecond.median.toFixed(0),
    range: range(ours.tokensPerSecond),
    'ours / it': '1',
    'peak RSS MB': mb(ours.peakRssBytes),
  },
  ...reference.map((r) => ({
    run: `PyTorch ${torchInfo!.torch} (${r.threads} thread${r.threads === 1 ? '' : 's'})`,
    'median tokens/s': r.tokensPerSecond.median.toFixed(0),
    range: range(r.tokensPerSecond),
    'ours / it': (ours.tokensPerSecond.median / r.tokensPerSecond.median).toFixed(2),
    'peak RSS MB': mb(torchInfo!.peakRssBytes),
  })),
]);

console.log(
  `step ${(stepFlops / 1e9).toFixed(2)} GFLOP; achieved GFLOP/s: ours ${result.ceiling.achievedGflops.ours.toFixed(1)}, ` +
    `PyTorch's best ${result.ceiling.achievedGflops.pytorchBest?.toFixed(1) ?? '-'}; matrix products (GFLOP/s, best of 20):`,
);
console.table(matmulTable(matmul, backend.threads));
console.log(
  `WebAssembly SIMD multiply-add peak: ${simdPeak.toFixed(1)} GFLOP/s a thread, ${(simdPeak * backend.threads).toFixed(1)} on ${backend.threads}`,
);

/**
 * The kernel comparisons the notes above summarise: min ms per call, operands made new each call
 * (XNNPACK caches packed right operands by tensor).
 */
function micro(): void {
  const time = (f: () => tf.Tensor) => {
    const ms: number[] = [];
    for (let r = 0; r < 25; r++) {
      const started = performance.now();
      const out = tf.tidy(f);
      out.dataSync();
      out.dispose();
      if (r >= 5) ms.push(performance.now() - started);
    }
    return Math.min(...ms).toFixed(2);
  };
  const made = new Map<string, tf.Tensor>();
  // A new tensor (an add, ~0.1-0.3 ms, in both columns) holding the same values each call.
  const fresh = (shape: number[]) => {
    const key = shape.join('x');
    if (!made.has(key)) made.set(key, tf.keep(tf.randomNormal(shape)));
    return tf.add(made.get(key)!, 0);
  };
  const rows = [
    {
      op: '[2048,256] x [256,64]',
      ours: time(() => tf.matMul(fresh([2048, 256]), tf.transpose(fresh([64, 256])))),
      tfjs: time(() => tf.matMul(fresh([2048, 256]), fresh([64, 256]), false, true)),
      'tfjs form': 'transposeB flag',
    },
    {
      op: 'dW = A^T dy, A [2048,64], dy [2048,256]',
      ours: time(() => tf.matMul(transpose2d(fresh([2048, 64])), fresh([2048, 256]))),
      tfjs: time(() => tf.matMul(fresh([2048, 64]), fresh([2048, 256]), true, false)),
      'tfjs form': 'transposeA flag',
    },
    {
      op: 'QK^T, 64 x (128x16 @ 16x128)',
      ours: time(() => channelMatMul(fresh([128, 64, 16]) as tf.Tensor3D, fresh([16, 64, 128]) as tf.Tensor3D)),
      tfjs: time(() => tf.matMul(fresh([64, 128, 16]), fresh([64, 16, 128]))),
      'tfjs form': 'batched matMul',
    },
    {
      op: 'PV, 64 x (128x128 @ 128x16)',
      ours: time(() => channelMatMul(fresh([128, 64, 128]) as tf.Tensor3D, fresh([128, 64, 16]) as tf.Tensor3D)),
      tfjs: time(() => tf.matMul(fresh([64, 128, 128]), fresh([64, 128, 16]))),
      'tfjs form': 'batched matMul',
    },
    {
      op: 'transpose [2048,256]',
      ours: time(() => transpose2d(fresh([2048, 256]))),
      tfjs: time(() => tf.transpose(fresh([2048, 256]))),
      'tfjs form': 'tf.transpose',
    },
  ];
  tf.dispose([...made.values()]);
  console.log('kernel comparisons, min ms per call (ours = the form ops.ts uses):');
  console.table(rows);
}
