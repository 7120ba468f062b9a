// Profile by kernel of one training step of the default GPT (batch 16 x 128) and of one
// GPT-2-small-sized forward pass, next to the backend's matmul peak measured in the same process.
// Run: npx tsx bench/profile.ts [train|forward] [batch] [positions]
import { initBackend, Rng, tf } from '@iclkr/core';
import { createGpt, GptTrainer, initGptParams, modelFromCheckpoint } from '../src/index.js';
import { TRAIN_CONFIG } from './train-shape.js';

const backend = await initBackend();
console.log(`backend ${backend.name}, ${backend.threads} threads`);

/** GFLOP/s of [m,k]x[k,n] (best of reps, fixed right operand as the model's weights). */
function matmulRate(m: number, k: number, n: number, reps = 10): number {
  const a = tf.randomNormal([m, k]);
  const b = tf.randomNormal([k, n]);
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    best = Math.min(best, performance.now() - t);
    c.dispose();
  }
  tf.dispose([a, b]);
  return (2 * m * k * n) / (best / 1000) / 1e9;
}

for (const [m, k, n] of [
  [2048, 64, 256],
  [2048, 256, 64],
  [2048, 64, 64],
  [512, 768, 768],
  [512, 768, 3072],
  [512, 3072, 768],
  [1024, 768, 3072],
  [512, 768, 50257],
]) {
  console.log(`matMul [${m},${k}]x[${k},${n}]: ${matmulRate(m!, k!, n!).toFixed(1)} GFLOP/s`);
}

async function report(label: string, f: () => void, tokens: number): Promise<void> {
  f();
  const info = await tf.profile(f);
  const by = new Map<string, { ms: number; n: number; flops: number }>();
  let total = 0;
  for (const k of info.kernels) {
    const ms = Number(k.kernelTimeMs);
    total += ms;
    const e = by.get(k.name) ?? { ms: 0, n: 0, flops: 0 };
    e.ms += ms;
    e.n += 1;
    if (k.name === '_FusedMatMul' || k.name === 'BatchMatMul') {
      const [a, b] = k.inputShapes as number[][];
      const m = a![a!.length - 2]!;
      const kk = a![a!.length - 1]!;
      const n = b![b!.length - 1]!;
      const batch = a!.length > 2 ? a![0]! : 1;
      e.flops += 2 * batch * m * kk * n;
    }
    if (k.name === 'IclkrMatMul') {
      // our gemm: output [m, n]; k is the dimension of a [m, k] or [k, m] (transposed) that is not m
      const [a] = k.inputShapes as number[][];
      const [m, n] = k.outputShapes[0] as number[];
      e.flops += 2 * m! * n! * (a![0] === m ? a![1]! : a![0]!);
    }
    if (k.name === 'IclkrCausalAttention') {
      // the fused forward pass: q k^T and p v over the causal half, output [batch, t, heads, d_head]
      const [b, t, h, d] = k.outputShapes[0] as number[];
      e.flops += 2 * 2 * b! * h! * ((t! * (t! + 1)) / 2) * d!;
    }
    if (k.name === 'DepthwiseConv2dNative') {
      const [x, w] = k.inputShapes as number[][];
      // x [1, m, k, c], w [1, k, c, n] valid: out [1, m, 1, c n]
      e.flops += 2 * x![1]! * x![2]! * x![3]! * w![3]!;
    }
    by.set(k.name, e);
  }
  const t = performance.now();
  f();
  const wall = performance.now() - t;
  console.log(
    `${label}: ${info.kernels.length} kernels (${(info.kernels.length / tokens).toFixed(3)} per token), kernel ms ${total.toFixed(0)}, wall ms (unprofiled) ${wall.toFixed(0)}`,
  );
  const rows = [...by.entries()].sort((a, b) => b[1].ms - a[1].ms);
  console.table(
    rows.slice(0, 25).map(([name, e]) => ({
      name,
      calls: e.n,
      ms: e.ms.toFixed(1),
      share: `${((100 * e.ms) / total).toFixed(1)}%`,
      'GFLOP/s': e.flops > 0 ? (e.flops / (e.ms / 1000) / 1e9).toFixed(1) : '',
    })),
  );
}

const what = process.argv[2] ?? 'train';
if (what === 'train') {
  const config = TRAIN_CONFIG;
  const rng = new Rng(0);
  const params = initGptParams(config, new Rng(1));
  const model = createGpt(config, params);
  const trainer = new GptTrainer(model, params, { lr: 1e-3, warmup: 10, steps: 1000 });
  const n = 16 * 128;
  const batch = () => ({
    inputs: Int32Array.from({ length: n }, () => rng.int(67)),
    targets: Int32Array.from({ length: n }, () => rng.int(67)),
    weights: new Float32Array(n).fill(1),
    batch: 16,
    length: 128,
  });
  for (let i = 0; i < 3; i++) trainer.step(batch());
  await report('train step 16x128', () => void trainer.step(batch()), n);
} else {
  const B = Number(process.argv[3] ?? 1);
  const T = Number(process.argv[4] ?? 512);
  const rng = new Rng(0);
  const V = 50257;
  const D = 768;
  const normal = (shape: number[]) => ({
    dtype: 'F32' as const,
    shape,
    data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 0.02 * rng.normal()),
  });
  const tensors = new Map([
    ['wte.weight', normal([V, D])],
    ['wpe.weight', normal([1024, D])],
    ['ln_f.weight', normal([D])],
    ['ln_f.bias', normal([D])],
  ]);
  for (let l = 0; l < 12; l++) {
    const h = `h.${l}.`;
    tensors.set(`${h}ln_1.weight`, normal([D])).set(`${h}ln_1.bias`, normal([D]));
    tensors.set(`${h}attn.c_attn.weight`, normal([D, 3 * D])).set(`${h}attn.c_attn.bias`, normal([3 * D]));
    tensors.set(`${h}attn.c_proj.weight`, normal([D, D])).set(`${h}attn.c_proj.bias`, normal([D]));
    tensors.set(`${h}ln_2.weight`, normal([D])).set(`${h}ln_2.bias`, normal([D]));
    tensors.set(`${h}mlp.c_fc.weight`, normal([D, 4 * D])).set(`${h}mlp.c_fc.bias`, normal([4 * D]));
    tensors.set(`${h}mlp.c_proj.weight`, normal([4 * D, D])).set(`${h}mlp.c_proj.bias`, normal([D]));
  }
  const config = {
    model_type: 'gpt2',
    vocab_size: V,
    n_positions: 1024,
    n_embd: D,
    n_layer: 12,
    n_head: 12,
    n_inner: null,
    activation_function: 'gelu_new',
    layer_norm_epsilon: 1e-5,
    tie_word_embeddings: true,
  };
  const model = modelFromCheckpoint(config, tensors, 'random');
  tensors.clear();
  const ids = tf.tensor2d(
    Int32Array.from({ length: B * T }, () => rng.int(V)),
    [B, T],
    'int32',
  );
  await report(
    `forward ${B}x${T}`,
    () => {
      const { logits } = model.run(ids);
      logits.dataSync();
      logits.dispose();
    },
    B * T,
  );
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}
