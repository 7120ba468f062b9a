/**
 * Differentiable ops whose forward and backward passes stay on fast kernels. On the wasm backend
 * tfjs's own gradients are slow or missing: matMul's gradient multiplies by transposed operands
 * (`transposeA`/`transposeB`) and batched products, which run a naive loop many times slower than
 * the XNNPACK path of a plain 2-D product; gather has no gradient kernel; reductions over the
 * leading axis, pow and tanh are slow. Where the wasm backend runs, matrix products and their
 * gradients run in our own gemm (matmul-kernel.ts, transposed operands read through strides) and LayerNorm
 * and gelu_new in our own kernels (wasm-kernels.wat); elsewhere these ops run on plain 2-D products,
 * depthwise convolutions (XNNPACK), row reductions and cheap elementwise kernels, with their
 * gradients written out. Components compute with them, so training and inference share one forward
 * pass. Measurements: bench/train.bench.ts.
 */

import { tf } from '@iclkr/core';
import { columnSums, gemm, gemmRuns } from './matmul-kernel.js';
import { type Call, defineWasmKernel, runWasmKernel, wasmKernelsRun } from './wasm-kernels.js';

/** What a custom-gradient op returns: its value, and the gradient of each input from dy and the saved tensors. */
export interface CustomOpResult<T extends tf.Tensor> {
  value: T;
  gradFunc: (dy: T, saved: tf.Tensor[]) => tf.Tensor[];
}

/**
 * Whether a gradient is being taken (inside tf.grad, tf.variableGrads and the like): tfjs's own
 * fused ops ask the engine the same. Kernels then keep what their backward pass would recompute.
 */
export function takingGradients(): boolean {
  return tf.engine().state.gradientDepth > 0;
}

/** tf.customGrad with typed arguments: `f` gets the inputs and the function that saves tensors for the gradient. */
export function customOp<T extends tf.Tensor>(
  f: (inputs: tf.Tensor[], save: tf.GradSaveFunc) => CustomOpResult<T>,
): (...inputs: tf.Tensor[]) => T {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) =>
    f(args.slice(0, -1) as tf.Tensor[], args[args.length - 1] as tf.GradSaveFunc),
  );
  return (...inputs) => op(...inputs) as T;
}

/**
 * x [m, k] transposed to [k, m]. A large 2-D transpose is slow on the wasm backend (strided
 * writes); done as [m/16, 16, k] -> [m/16, k, 16] -> [k, m/16, 16], both steps move small blocks
 * (or, when only k is a multiple of 16, [m, k/16, 16] -> [k/16, m, 16] -> [k/16, 16, m]).
 */
export function transpose2d(x: tf.Tensor): tf.Tensor2D {
  const [m, k] = x.shape as [number, number];
  if (m % 16 === 0 && m >= 256) {
    return x
      .reshape([m / 16, 16, k])
      .transpose([0, 2, 1])
      .transpose([1, 0, 2])
      .reshape([k, m]);
  }
  if (k % 16 === 0 && k >= 256) {
    return x
      .reshape([m, k / 16, 16])
      .transpose([1, 0, 2])
      .transpose([0, 2, 1])
      .reshape([k, m]);
  }
  return tf.transpose(x) as tf.Tensor2D;
}

/** Sums of the rows of x [m, n] as [n] (a reduction over the leading axis is slow on wasm; over the last one of x^T it is not). */
export function sumRows(x: tf.Tensor): tf.Tensor1D {
  return tf.sum(transpose2d(x), -1);
}

/** dW = x^T dy for x [m, k], dy [m, n], transposing whichever of the two is smaller. */
function weightGradient(x: tf.Tensor, dy: tf.Tensor): tf.Tensor2D {
  return x.shape[1]! <= dy.shape[1]! ? tf.matMul(transpose2d(x), dy as tf.Tensor2D) : transposedWeightGradient(x, transpose2d(dy));
}

/** dW = (dy^T x)^T from dy^T [n, m]: a product that packs x as is, and a small transpose. */
function transposedWeightGradient(x: tf.Tensor, dyT: tf.Tensor2D): tf.Tensor2D {
  return tf.transpose(tf.matMul(dyT, x as tf.Tensor2D)) as tf.Tensor2D;
}

const product = customOp<tf.Tensor2D>(([a, b], save) => {
  save([a!, b!]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy, [sa, sb]) => [tf.matMul(dy, tf.transpose(sb!) as tf.Tensor2D), weightGradient(sa!, dy)],
  };
});

const affine = customOp<tf.Tensor2D>(([a, b, c], save) => {
  save([a!, b!]);
  return {
    value: tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c }) as tf.Tensor2D,
    gradFunc: (dy, [sa, sb]) => {
      // dy^T serves both the weight and the bias gradient.
      const dyT = transpose2d(dy);
      return [tf.matMul(dy, tf.transpose(sb!) as tf.Tensor2D), transposedWeightGradient(sa!, dyT), tf.sum(dyT, -1)];
    },
  };
});

/** x w (+ b) in the wasm kernels' products, whose gradients read the transposed operands in place. */
const gemmAffine = customOp<tf.Tensor2D>(([x, w, b], save) => {
  save([x!, w!]);
  return {
    value: gemm(x!, w!, { bias: b as tf.Tensor1D | undefined }),
    gradFunc: (dy, [sx, sw]) => {
      const grads = [gemm(dy, sw!, { transposeB: true }), gemm(sx!, dy, { transposeA: true })];
      return b === undefined ? grads : [...grads, columnSums(dy)];
    },
  };
});

/** x [m, k] times w [k, n] plus optional bias [n]; gradients dx = dy w^T, dw = x^T dy, db = row sums of dy. */
export function matMul(x: tf.Tensor2D, w: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor2D {
  if (gemmRuns(w.shape[1]) && gemmRuns(x.shape[1])) return bias === undefined ? gemmAffine(x, w) : gemmAffine(x, w, bias);
  return bias === undefined ? product(x, w) : affine(x, w, bias);
}

/** out[m, c, n] = sum_k input[m, k, c] filter[k, c, n]: one depthwise convolution, channel c a separate product. */
function depthwiseProduct(input: tf.Tensor, filter: tf.Tensor): tf.Tensor3D {
  const [m, k, c] = input.shape as [number, number, number];
  const n = filter.shape[2]!;
  const out = tf.depthwiseConv2d(input.reshape([1, m, k, c]) as tf.Tensor4D, filter.reshape([1, k, c, n]) as tf.Tensor4D, 1, 'valid');
  return out.reshape([m, c, n]);
}

/**
 * db[k, c, n] = sum_m a[m, c, k] dy[m, c, n] from a [m, c, k] and aT [m, k, c]. With fewer output
 * columns than rows (n < k) it is formed transposed, (dy^T a)^T: XNNPACK's grouped product is
 * several times slower with 16 columns than with 128 (the gradient of attention's values, 128 x 64
 * channels x 128 x 16: 19.6 ms as db, 4.4 ms transposed, the same bits).
 */
function channelRightGradient(a: tf.Tensor, aT: tf.Tensor, dy: tf.Tensor): tf.Tensor3D {
  const k = a.shape[2]!;
  const n = dy.shape[2]!;
  if (n >= k) return depthwiseProduct(tf.transpose(aT, [1, 0, 2]), dy);
  return tf.transpose(depthwiseProduct(tf.transpose(dy, [2, 0, 1]), a), [2, 1, 0]) as tf.Tensor3D;
}

const channelProduct = customOp<tf.Tensor3D>(([a, b], save) => {
  // The product needs a as [m, k, c]; both layouts are kept for the gradient of b.
  const aT = tf.transpose(a!, [0, 2, 1]);
  save([a!, aT, b!]);
  return {
    value: depthwiseProduct(aT, b!),
    gradFunc: (dy, [sa, saT, sb]) => [
      // da[m, c, k] = sum_n dy[m, c, n] b[k, c, n]
      depthwiseProduct(tf.transpose(dy, [0, 2, 1]), tf.transpose(sb!, [2, 1, 0])),
      channelRightGradient(sa!, saT!, dy),
    ],
  };
});

/**
 * A batch of products with the batch axis in the middle: a [m, c, k] and b [k, c, n] give
 * [m, c, n] with out[:, c, :] = a[:, c, :] b[:, c, :]. Attention keeps this layout (queries,
 * batch x heads, keys) so that every product, forward and backward, is one depthwise
 * convolution: XNNPACK's grouped GEMM instead of the wasm backend's naive batched matMul.
 */
export function channelMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return channelProduct(a, b);
}

/** One-hot rows [n, depth] of int32 ids [n] as float32 (the wasm backend's float32 oneHot returns zeros, so int32 then a cast). */
export function oneHotFloat(ids: tf.Tensor, depth: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(ids as tf.Tensor1D, depth), 'float32') as tf.Tensor2D;
}

/** Vocabularies up to this size embed by a one-hot product (exact, and faster than gather on wasm); larger ones gather. */
const ONE_HOT_VOCAB = 512;

/** Rows `ids` [...] of `table` [vocab, d] as [..., d]; the table's gradient is one-hot^T dy, a plain product. */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  const [vocab, d] = table.shape;
  // ids are an input (with a zero gradient) so that they are saved for the backward pass.
  return customOp(([w, i], save) => {
    save([i!]);
    const byGemm = gemmRuns(d);
    const oneHot = (ids: tf.Tensor) => oneHotFloat(ids.reshape([-1]), vocab);
    const value =
      vocab > ONE_HOT_VOCAB
        ? tf.gather(w!, i!)
        : (byGemm ? gemm(oneHot(i!), w!) : tf.matMul(oneHot(i!), w as tf.Tensor2D)).reshape([...i!.shape, d]);
    return {
      value,
      gradFunc: (dy, [si]) => {
        const flat = dy.reshape([-1, d]);
        const dw = byGemm ? gemm(oneHot(si!), flat, { transposeA: true }) : tf.matMul(transpose2d(oneHot(si!)), flat as tf.Tensor2D);
        return [dw, tf.zerosLike(si!)];
      },
    };
  })(table, ids);
}

// LayerNorm splits its rows over the threads from 2^15 floats each (forward [2048, 64]: 0.15 ms on
// one thread); the backward pass in chunks of LN_CHUNK rows, each chunk's dw and db summed apart
// and the chunks' sums added in order, so the bits do not depend on the thread count.
const LN_CHUNK = 128;

defineWasmKernel('IclkrLayerNorm', (call, { x, w, b }, { eps }: { eps: number }) => {
  const d = w!.shape[0]!;
  const rows = x!.shape.reduce((a, n) => a * n, 1) / d;
  const [y, xhat, rstd] = [call.output(x!.shape), call.output(x!.shape), call.output([rows])];
  const [px, pw, pb, py, ph, pr] = [x!, w!, b!, y, xhat, rstd].map((t) => call.at(t));
  call.parallel(
    'layer_norm',
    rows,
    (r0, r1) => [px! + 4 * d * r0, pw!, pb!, py! + 4 * d * r0, ph! + 4 * d * r0, pr! + 4 * r0, r1 - r0, d, eps],
    Math.ceil(2 ** 15 / d),
  );
  return call.done([y, xhat, rstd]);
});

defineWasmKernel('IclkrLayerNormGrad', (call, { dy, xhat, rstd, w }) => {
  const d = w!.shape[0]!;
  const rows = rstd!.shape[0]!;
  const chunks = Math.ceil(rows / LN_CHUNK);
  const [dx, dw, db] = [call.output(dy!.shape), call.output([d]), call.output([d])];
  // The chunks' sums 64-byte aligned (on lines of their own where d is a multiple of 8): threads add
  // into them row by row.
  const partials = (call.scratch(2 * d * chunks + 16) + 63) & ~63;
  call.floats(partials, 2 * d * chunks).fill(0);
  const args = [dy, xhat, rstd, w, dx].map((t) => call.at(t!));
  call.parallel(
    'layer_norm_grad_chunks',
    chunks,
    (c0, c1) => [...args, partials, c0, c1, LN_CHUNK, rows, d],
    Math.ceil(2 ** 15 / (d * LN_CHUNK)),
  );
  const [sums, gw, gb] = [call.floats(partials, 2 * d * chunks), call.floats(call.at(dw), d), call.floats(call.at(db), d)];
  gw.set(sums.subarray(0, d));
  gb.set(sums.subarray(d, 2 * d));
  for (let c = 1; c < chunks; c++)
    for (let j = 0; j < d; j++) {
      gw[j] += sums[2 * d * c + j]!;
      gb[j] += sums[2 * d * c + d + j]!;
    }
  return call.done([dx, dw, db]);
});

/**
 * LayerNorm over the last axis, (x - mean) / sqrt(var + eps) * w + b, with its gradient written
 * out: dx = rstd (g - mean(g) - xhat mean(g xhat)) for g = dy w; dw, db as row sums. On the wasm
 * backend (width a multiple of 4) each direction is one pass of the wasm kernels; elsewhere tfjs
 * kernels.
 */
export function layerNorm(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  const d = x.shape[x.shape.length - 1]!;
  if (d % 4 === 0 && wasmKernelsRun()) {
    return customOp(([input, weight, bias], save) => {
      const [y, xhat, rstd] = runWasmKernel('IclkrLayerNorm', { x: input!, w: weight!, b: bias! }, { eps });
      save([xhat!, rstd!, weight!]);
      return { value: y!, gradFunc: (dy, [sx, sr, sw]) => runWasmKernel('IclkrLayerNormGrad', { dy, xhat: sx!, rstd: sr!, w: sw! }) };
    })(x, w, b);
  }
  return customOp(([input, weight, bias], save) => {
    const centred = tf.sub(input!, tf.mean(input!, -1, true));
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), eps));
    const normalized = tf.mul(centred, rstd);
    save([normalized, rstd, weight!]);
    return {
      value: tf.add(tf.mul(normalized, weight!), bias!),
      gradFunc: (dy, [xhat, sr, sw]) => {
        const g = tf.mul(dy, sw!);
        const inner = tf.sub(tf.sub(g, tf.mean(g, -1, true)), tf.mul(xhat!, tf.mean(tf.mul(g, xhat!), -1, true)));
        return [tf.mul(inner, sr!), sumRows(tf.mul(dy, xhat!).reshape([-1, d])), sumRows(dy.reshape([-1, d]))];
      },
    };
  })(x, w, b);
}

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

/**
 * gelu's units (4 floats each) per thread at least: a worker pays from 2^18 floats on (forward
 * [2048, 256]: 1.30 ms on one thread, 0.88 on two; [2048, 64]: 0.33 and 0.30).
 */
const GELU_UNITS_PER_THREAD = 2 ** 16;

/** The byte offset of unit u (4 floats) of tensor t, or 0 where there is no tensor. */
function unitAt(call: Call, t: tf.TensorInfo | undefined, u: number): number {
  return t === undefined ? 0 : call.at(t) + 16 * u;
}

defineWasmKernel('IclkrGelu', (call, { x }, { keep }: { keep: boolean }) => {
  const [y, gate] = [call.output(x!.shape), keep ? call.output(x!.shape) : undefined];
  const at = (t: tf.TensorInfo | undefined, u: number) => unitAt(call, t, u);
  const units = x!.shape.reduce((a, n) => a * n, 1) / 4;
  call.parallel('gelu', units, (u0, u1) => [at(x, u0), at(y, u0), 4 * (u1 - u0), at(gate, u0)], GELU_UNITS_PER_THREAD);
  return call.done(gate === undefined ? [y] : [y, gate]);
});

defineWasmKernel('IclkrGeluGrad', (call, { x, dy, gate }) => {
  const dx = call.output(x!.shape);
  const at = (t: tf.TensorInfo | undefined, u: number) => unitAt(call, t, u);
  const units = x!.shape.reduce((a, n) => a * n, 1) / 4;
  call.parallel('gelu_grad', units, (u0, u1) => [at(x, u0), at(dy, u0), at(dx, u0), 4 * (u1 - u0), at(gate, u0)], GELU_UNITS_PER_THREAD);
  return call.done([dx]);
});

/**
 * gelu_new (GPT-2's tanh approximation), 0.5 x (1 + tanh(u)) with u = sqrt(2/pi) (x + 0.044715 x^3),
 * computed as x sigmoid(2u) (the same function; sigmoid is a vectorised kernel, tanh and pow are
 * not). On the wasm backend (a size that is a multiple of 4) each direction is one pass of the wasm
 * kernels, the backward pass reading the sigmoid the forward pass kept (recomputing it from x where
 * no gradient was being taken); elsewhere tfjs kernels.
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  if (x.size % 4 === 0 && wasmKernelsRun()) {
    return customOp(([input], save) => {
      // While a gradient is taken the forward pass keeps the gate, so the backward pass needs no exp.
      const [y, gate] = runWasmKernel('IclkrGelu', { x: input! }, { keep: takingGradients() });
      save(gate === undefined ? [input!] : [input!, gate]);
      return {
        value: y!,
        gradFunc: (dy, [sx, sg]) => runWasmKernel('IclkrGeluGrad', sg === undefined ? { x: sx!, dy } : { x: sx!, dy, gate: sg }),
      };
    })(x);
  }
  return customOp(([input], save) => {
    const square = tf.square(input!);
    const s = tf.sigmoid(tf.mul(tf.mul(input!, tf.add(tf.mul(square, GELU_A), 1)), 2 * GELU_C));
    save([input!, square, s]);
    return {
      value: tf.mul(input!, s),
      gradFunc: (dy, [sx, sq, ss]) => {
        // d/dx [x s(2u)] = s + x 2 s (1 - s) u', u' = sqrt(2/pi) (1 + 3 * 0.044715 x^2)
        const du = tf.add(tf.mul(sq!, 3 * GELU_A * 2 * GELU_C), 2 * GELU_C);
        const slope = tf.add(ss!, tf.mul(tf.mul(sx!, tf.mul(ss!, tf.sub(1, ss!))), du));
        return [tf.mul(dy, slope)];
      },
    };
  })(x);
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * The exact gelu (Hugging Face's `gelu`, GPT-NeoX), x Phi(x) = 0.5 x (1 + erf(x / sqrt(2))), with
 * its gradient written out: Phi(x) + x phi(x), phi the standard normal density.
 */
export function geluExact(x: tf.Tensor): tf.Tensor {
  return customOp(([input], save) => {
    const cdf = tf.mul(tf.add(tf.erf(tf.mul(input!, Math.SQRT1_2)), 1), 0.5);
    save([input!, cdf]);
    return {
      value: tf.mul(input!, cdf),
      gradFunc: (dy, [sx, sc]) => {
        const density = tf.mul(tf.exp(tf.mul(tf.square(sx!), -0.5)), INV_SQRT_2PI);
        return [tf.mul(dy, tf.add(sc!, tf.mul(sx!, density)))];
      },
    };
  })(x);
}
