import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Rng, tf } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { attentionKernelsRun, fusedAttention, fusedAttentionPacked, stagedAttention } from './attention-kernel.js';
import { alibiSlopes } from './components/attention.js';
import { createGpt, initGptParams } from './gpt/init.js';
import { runWasmKernel } from './wasm-kernels.js';

/** Batch 2, 19 positions (not a multiple of the kernel's 16), 4 query heads over 2 kv heads, d_head 8, ALiBi. */
const [B, T, H, KV, D] = [2, 19, 4, 2, 8];
const SLOPES = alibiSlopes(H);
const SCALE = 1 / Math.sqrt(D);

function random(rng: Rng, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => rng.normal());
}

/**
 * The reference: a float64 loop over the definition, z[b, i, h] = sum_{j <= i} softmax_j(scale
 * q_i.k_j - slope_h (i - j)) v_j, with kv head h / (H / KV); returns sum(z * w).
 */
function loopLoss(q: Float64Array, k: Float64Array, v: Float64Array, w: Float64Array): number {
  let loss = 0;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kv = Math.floor(h / (H / KV));
      for (let i = 0; i < T; i++) {
        const qi = ((b * T + i) * H + h) * D;
        const s = Array.from({ length: i + 1 }, (_, j) => {
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q[qi + d]! * k[((b * T + j) * KV + kv) * D + d]!;
          return SCALE * dot - SLOPES[h]! * (i - j);
        });
        const m = Math.max(...s);
        const e = s.map((x) => Math.exp(x - m));
        const l = e.reduce((a, x) => a + x, 0);
        for (let d = 0; d < D; d++) {
          let z = 0;
          for (let j = 0; j <= i; j++) z += (e[j]! / l) * v[((b * T + j) * KV + kv) * D + d]!;
          loss += z * w[qi + d]!;
        }
      }
    }
  }
  return loss;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i]!, 0);

describe('the attention kernels (wasm)', () => {
  it('runs on the wasm backend for d_head a multiple of 4 only', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(attentionKernelsRun(D)).toBe(true);
    expect(attentionKernelsRun(6)).toBe(false);
  });

  const rng = new Rng(3);
  const q = random(rng, B * T * H * D);
  const k = random(rng, B * T * KV * D);
  const v = random(rng, B * T * KV * D);
  const w = random(rng, B * T * H * D);
  const tensors = () => [
    tf.tensor4d(Float32Array.from(q), [B, T, H, D]),
    tf.tensor4d(Float32Array.from(k), [B, T, KV, D]),
    tf.tensor4d(Float32Array.from(v), [B, T, KV, D]),
  ];
  const identity = { scores: (s: tf.Tensor) => s, pattern: (p: tf.Tensor) => p };

  it('computes causal ALiBi attention with grouped kv heads as a float64 loop does', () => {
    const z = tf.tidy(() => fusedAttention(...(tensors() as [tf.Tensor, tf.Tensor, tf.Tensor]), SLOPES, SCALE).dataSync());
    // sum(z * e_n) for each output n is z itself: compare the loss over random weights and a few unit weights.
    expect(dot(z, w)).toBeCloseTo(loopLoss(q, k, v, w), 4);
    for (const n of [0, 7, B * T * H * D - 1]) {
      const unit = new Float64Array(w.length);
      unit[n] = 1;
      expect(Math.abs(z[n]! - loopLoss(q, k, v, unit))).toBeLessThan(2e-6);
    }
  });

  it('has the gradients of the float64 loop (central differences along random directions)', () => {
    const grads = tf.tidy(() => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => fusedAttention(a, b, c, SLOPES, SCALE));
      return g(tensors(), tf.tensor4d(Float32Array.from(w), [B, T, H, D])).map((x) => x.dataSync());
    });
    const eps = 1e-4;
    [q, k, v].forEach((x, input) => {
      const u = random(new Rng(10 + input), x.length);
      const shifted = (sign: number) => {
        const args = [q, k, v].map((y) => Float64Array.from(y));
        args[input] = Float64Array.from(x, (xi, i) => xi + sign * eps * u[i]!);
        return loopLoss(args[0]!, args[1]!, args[2]!, w);
      };
      const numeric = (shifted(1) - shifted(-1)) / (2 * eps);
      expect(Math.abs(dot(grads[input]!, u) - numeric)).toBeLessThan(1e-4 * Math.max(1, Math.abs(numeric)));
    });
  });

  it('reads q, k and v in place from one packed projection: the same numbers and gradients, bit for bit', () => {
    const [zs, zp, gs, gp] = tf.tidy(() => {
      const [tq, tk, tv] = tensors() as [tf.Tensor, tf.Tensor, tf.Tensor];
      const pack = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.concat([a.reshape([B, T, -1]), b.reshape([B, T, -1]), c.reshape([B, T, -1])], -1);
      const dz = tf.tensor4d(Float32Array.from(w), [B, T, H, D]);
      const separate = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => fusedAttention(a, b, c, SLOPES, SCALE))([tq, tk, tv], dz);
      const packed = tf.grad((qkv: tf.Tensor) => fusedAttentionPacked(qkv, H, KV, SLOPES, SCALE))(pack(tq, tk, tv), dz);
      return [
        fusedAttention(tq, tk, tv, SLOPES, SCALE).dataSync(),
        fusedAttentionPacked(pack(tq, tk, tv), H, KV, SLOPES, SCALE).dataSync(),
        pack(separate[0]!, separate[1]!, separate[2]!).dataSync(),
        packed.dataSync(),
      ];
    });
    expect(zp).toEqual(zs);
    expect(gp).toEqual(gs);
  });

  it('in stages gives the fused numbers bit for bit, and the same gradients', () => {
    const [fused, staged] = [
      (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => fusedAttention(a, b, c, SLOPES, SCALE),
      (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => stagedAttention(a, b, c, SLOPES, SCALE, identity),
    ];
    const [zf, zs] = tf.tidy(() => [fused, staged].map((f) => f(...(tensors() as [tf.Tensor, tf.Tensor, tf.Tensor])).dataSync()));
    expect(zs).toEqual(zf);
    const [gf, gs] = tf.tidy(() =>
      [fused, staged].map((f) =>
        tf
          .grads(f)(tensors(), tf.tensor4d(Float32Array.from(w), [B, T, H, D]))
          .map((x) => x.dataSync()),
      ),
    );
    gf!.forEach((g, i) => {
      g.forEach((x, n) => expect(Math.abs(x - gs![i]![n]!)).toBeLessThan(1e-5));
    });
  });

  it('in stages shows the scores (-inf above the diagonal) and the pattern, and honours a pattern that looks ahead', () => {
    tf.tidy(() => {
      const seen: tf.Tensor[] = [];
      const [tq, tk, tv] = tensors() as [tf.Tensor, tf.Tensor, tf.Tensor];
      // Every query's pattern moved onto the last key: z_i = v_{T-1} of its kv head.
      const ahead = tf.oneHot(tf.fill([B, H, T], T - 1, 'int32'), T).cast('float32');
      const z = stagedAttention(tq, tk, tv, SLOPES, SCALE, {
        scores: (s) => {
          seen.push(s);
          return s;
        },
        pattern: (p) => {
          seen.push(p);
          return ahead;
        },
      }).arraySync() as number[][][][];
      const [scores, pattern] = seen.map((x) => x.arraySync() as number[][][][]);
      expect(scores![1]![3]![4]![5]).toBe(-Infinity);
      expect(scores![1]![3]![4]![4]).toBeCloseTo(
        SCALE * dot(q.slice(((T + 4) * H + 3) * D, ((T + 4) * H + 3) * D + D), k.slice(((T + 4) * KV + 1) * D, ((T + 4) * KV + 1) * D + D)),
        5,
      );
      expect(pattern![0]![2]![5]!.reduce((a, x) => a + x, 0)).toBeCloseTo(1, 6);
      expect(pattern![0]![2]![5]![6]).toBe(0);
      const last = Array.from(v.slice(((1 * T + T - 1) * KV + 1) * D, ((1 * T + T - 1) * KV + 1) * D + D));
      z[1]![2]![3]!.forEach((x, d) => expect(x).toBeCloseTo(last[d]!, 6));
    });
  });

  it('gives a model the outputs of the tfjs path (cpu backend, grouped products) to float32 rounding', async () => {
    const config = {
      vocabSize: 11,
      nCtx: 40,
      nLayers: 2,
      nHeads: 4,
      dModel: 32,
      dMlp: 64,
      positions: 'alibi' as const,
      tiedEmbeddings: false,
    };
    const model = createGpt(config, initGptParams(config, new Rng(5)));
    const ids = tf.tensor2d(
      Int32Array.from({ length: 2 * 37 }, (_, i) => (i * 7) % 11),
      [2, 37],
      'int32',
    );
    const logits = () => tf.tidy(() => model.run(ids).logits.dataSync());
    const wasm = logits();
    await tf.setBackend('cpu');
    try {
      expect(attentionKernelsRun(8)).toBe(false);
      const cpu = logits();
      wasm.forEach((x, i) => expect(Math.abs(x - cpu[i]!)).toBeLessThan(2e-5));
    } finally {
      await tf.setBackend('wasm');
      ids.dispose();
      model.dispose();
    }
  });

  it('the backward pass from the pattern the forward kept gives the bits of recomputing it', () => {
    const rng = new Rng(9);
    const [q, k, v, dy] = [B * T * H * D, B * T * KV * D, B * T * KV * D, B * T * H * D].map((n) => Float32Array.from(random(rng, n)));
    tf.tidy(() => {
      const inputs = { q: tf.tensor4d(q!, [B, T, H, D]), k: tf.tensor4d(k!, [B, T, KV, D]), v: tf.tensor4d(v!, [B, T, KV, D]) };
      const attrs = { slopes: SLOPES, scale: SCALE, heads: H, kvHeads: KV, dHead: D };
      const [z, stats, pattern] = runWasmKernel('IclkrCausalAttention', inputs, { ...attrs, keep: true });
      expect(pattern!.shape).toEqual([B, H, T, 32]);
      const given = { ...inputs, dout: tf.tensor4d(dy!, [B, T, H, D]), stats: stats! };
      const kept = runWasmKernel('IclkrCausalAttentionGrad', { ...given, pattern: pattern! }, attrs);
      const again = runWasmKernel('IclkrCausalAttentionGrad', given, attrs);
      kept.forEach((g, n) => expect(Array.from(g.dataSync())).toEqual(Array.from(again[n]!.dataSync())));
      expect(Array.from(runWasmKernel('IclkrCausalAttention', inputs, attrs)[0]!.dataSync())).toEqual(Array.from(z!.dataSync()));
    });
  });

  it('trains bit-identically on 1 and 2 wasm threads (the kernels split their work into units that do not depend on the thread count)', () => {
    const script = `
      const { initBackend, Rng, tf } = await import('@iclkr/core/node').then(async (node) => ({ ...(await import('@iclkr/core')), ...node }));
      const { attentionKernelsRun, createGpt, initGptParams, GptTrainer } = await import(${JSON.stringify(fileURLToPath(new URL('./index.ts', import.meta.url)))});
      await initBackend('wasm');
      // The default recipe's shape at batch 16 x 128: large enough that attention and gelu split over the worker.
      const config = { vocabSize: 13, nCtx: 128, nLayers: 2, nHeads: 4, dModel: 64, dMlp: 256, positions: 'alibi', tiedEmbeddings: false };
      const params = initGptParams(config, new Rng(1));
      const trainer = new GptTrainer(createGpt(config, params), params, { lr: 1e-3, warmup: 1, steps: 3 });
      const rng = new Rng(2);
      for (let s = 0; s < 3; s++) {
        const n = 16 * 128;
        trainer.step({ inputs: Int32Array.from({ length: n }, () => rng.int(13)), targets: Int32Array.from({ length: n }, () => rng.int(13)),
          weights: new Float32Array(n).fill(1), batch: 16, length: 128 });
      }
      let h = 2166136261;
      for (const name of Object.keys(params).sort()) for (const x of new Uint8Array(params[name].dataSync().buffer)) h = Math.imul(h ^ x, 16777619) >>> 0;
      console.log(JSON.stringify({ hash: h.toString(16), kernel: attentionKernelsRun(8) }));`;
    const hashes = ['1', '2'].map((threads) => {
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        env: { ...process.env, ICLKR_THREADS: threads },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.status, run.stderr).toBe(0);
      return JSON.parse(run.stdout.trim().split('\n').pop() ?? '');
    });
    expect(hashes[0].kernel).toBe(true);
    expect(hashes[1]).toEqual(hashes[0]);
  });
});
