// The arithmetic ceiling of WebAssembly SIMD on this machine: a loop of independent f32x4 multiplies
// and adds (WebAssembly has no fused multiply-add before relaxed SIMD, which Node 20 does not enable)
// on 13 accumulators held in registers (a = a x + y: 13 chains fill the pipelines; 14 spill), no
// memory traffic, on one thread. Our gemm's 4 x 8 tile does the same multiplies and adds per step
// of k, plus 6 loads. Run: npx tsx bench/peak.ts
import wabt from 'wabt';

const ACCUMULATORS = 13;
const acc = Array.from({ length: ACCUMULATORS }, (_, i) => `$a${i}`);
const body = acc.map((a) => `(local.set ${a} (f32x4.add (f32x4.mul (local.get ${a}) (local.get $x)) (local.get $y)))`).join('\n      ');
const text = `(module
  (func (export "peak") (param $n i32) (result f32)
    (local $x v128) (local $y v128) ${acc.map((a) => `(local ${a} v128)`).join(' ')}
    (local.set $x (v128.const f32x4 0.999999 0.999999 0.999999 0.999999))
    (local.set $y (v128.const f32x4 1e-7 1e-7 1e-7 1e-7))
    (loop $next
      ${body}
      (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (f32x4.extract_lane 0 (f32x4.add ${acc.reduce((s, a) => (s === '' ? `(local.get ${a})` : `(f32x4.add ${s} (local.get ${a}))`), '')} (local.get $x)))))`;

/** GFLOP/s of the loop on this thread: best of `reps` runs of n turns (8 flops per accumulator per turn). */
export async function wasmSimdPeak(n = 2_000_000, reps = 7): Promise<number> {
  const module = (await wabt()).parseWat('peak.wat', text, { simd: true });
  const { buffer } = module.toBinary({});
  module.destroy();
  const { peak } = new WebAssembly.Instance(new WebAssembly.Module(buffer)).exports as { peak: (n: number) => number };
  peak(n / 10);
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const started = performance.now();
    peak(n);
    best = Math.min(best, performance.now() - started);
  }
  return (8 * ACCUMULATORS * n) / (best / 1000) / 1e9;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`WebAssembly SIMD multiply-add peak, one thread: ${(await wasmSimdPeak()).toFixed(1)} GFLOP/s`);
}
