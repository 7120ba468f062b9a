/**
 * A float64 row-times-matrix kernel in WebAssembly SIMD (f64x2): for each listed row x,
 * y = (x Mt) ∘ e with its own vector e, optionally rescaled to sum 1 (a step of a scaled HMM pass).
 * V8's scalar float64 loops reach about 2 Gmadd/s on one core here; this kernel, two rows at a
 * time so that each loaded pair of Mt entries serves both, about 9 Gmadd/s (80 x 80 matrices,
 * measured on the benchmark machine, a Xeon with AVX-512). The bytes are rows-kernel.wat beside
 * this file, assembled with wabt (`npx -p wabt wat2wasm rows-kernel.wat`, then base64).
 */

/** The kernel's module, rows-kernel.wat assembled (base64); a test assembles the .wat again and compares. */
export const ROWS_KERNEL_BYTES =
  'AGFzbQEAAAABDQFgCX9/f39/f39/fwACDwEDZW52Bm1lbW9yeQIAAQMCAQAHCAEEcm93cwAACtcHAdQHAwx/AnwNeyAHQQN0IRICQANAIAVBAEwNASAAKAIAIQkgACgCBCEKIAEoAgAhCyABKAIEIQwgAigCACENIAIoAgQhDv0MAAAAAAAAAAAAAAAAAAAAACEa/QwAAAAAAAAAAAAAAAAAAAAAIRtBACEPAkADQCAPIBJPDQH9DAAAAAAAAAAAAAAAAAAAAAAhHP0MAAAAAAAAAAAAAAAAAAAAACEd/QwAAAAAAAAAAAAAAAAAAAAAIR79DAAAAAAAAAAAAAAAAAAAAAAhH/0MAAAAAAAAAAAAAAAAAAAAACEg/QwAAAAAAAAAAAAAAAAAAAAAISH9DAAAAAAAAAAAAAAAAAAAAAAhIv0MAAAAAAAAAAAAAAAAAAAAACEjIAQgD2ohEUEAIRMgBiEQA0AgCSATav0KAwAhFyAKIBNq/QoDACEYIBH9AAQAIRkgHCAXIBn98gH98AEhHCAgIBggGf3yAf3wASEgIBH9AAQQIRkgHSAXIBn98gH98AEhHSAhIBggGf3yAf3wASEhIBH9AAQgIRkgHiAXIBn98gH98AEhHiAiIBggGf3yAf3wASEiIBH9AAQwIRkgHyAXIBn98gH98AEhHyAjIBggGf3yAf3wASEjIBNBCGohEyARIBJqIREgEEEBayIQDQALIA0gD2ohEyALIA9qIRQgHCAT/QAEAP3yASEcIB0gE/0ABBD98gEhHSAeIBP9AAQg/fIBIR4gHyAT/QAEMP3yASEfIBQgHP0LBAAgFCAd/QsEECAUIB79CwQgIBQgH/0LBDAgGiAcIB398AEgHiAf/fAB/fAB/fABIRogDiAPaiETIAwgD2ohFCAgIBP9AAQA/fIBISAgISAT/QAEEP3yASEhICIgE/0ABCD98gEhIiAjIBP9AAQw/fIBISMgFCAg/QsEACAUICH9CwQQIBQgIv0LBCAgFCAj/QsEMCAbICAgIf3wASAiICP98AH98AH98AEhGyAPQcAAaiEPDAALCyAIBEAgGv0hACAa/SEBoCEVIBv9IQAgG/0hAaAhFiADIBU5AwAgAyAWOQMIRAAAAAAAAPA/IBWjRAAAAAAAAPA/IBVEAAAAAAAAAABkG/0UIRdEAAAAAAAA8D8gFqNEAAAAAAAA8D8gFkQAAAAAAAAAAGQb/RQhGEEAIQ8CQANAIA8gEk8NASALIA9qIRQgFCAU/QAEACAX/fIB/QsEACAMIA9qIRQgFCAU/QAEACAY/fIB/QsEACAPQRBqIQ8MAAsLCyAAQQhqIQAgAUEIaiEBIAJBCGohAiADQRBqIQMgBUECayEFDAALCws=';

/**
 * rows(xs, ys, es, sums, mt, rows, k, n, norm): for r < rows (even), Y_r[0..n) = (Σ_{c<k} X_r[c]
 * Mt[c, 0..n)) E_r[0..n), where X_r, Y_r, E_r are byte offsets read from the i32 lists at xs, ys
 * and es; Mt is k x n row-major at byte offset mt; n is a multiple of 8. With norm = 1 it writes
 * s_r = Σ Y_r to the f64 at sums + 8r and divides Y_r by s_r where s_r > 0. All offsets are byte
 * offsets in the memory the kernel was made with; an output row must not be an input row.
 */
export type RowsKernel = (
  xs: number,
  ys: number,
  es: number,
  sums: number,
  mt: number,
  rows: number,
  k: number,
  n: number,
  norm: number,
) => void;

let compiled: WebAssembly.Module | null | undefined;

function module(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = Uint8Array.from(atob(ROWS_KERNEL_BYTES), (c) => c.charCodeAt(0));
    // No WebAssembly, or no SIMD (an old engine): the callers keep their JS loops.
    compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiled;
}

/** The kernel over a memory of its own, held until `release`. */
export interface RowsLease {
  readonly kernel: RowsKernel;
  readonly memory: WebAssembly.Memory;
  /** Hands the memory back for the next `acquireRows` (its contents are then undefined). */
  release(): void;
}

/** A released memory at most this large is kept for the next caller. */
const KEEP_BYTES = 64 * 2 ** 20;
let spare: { kernel: RowsKernel; memory: WebAssembly.Memory } | null = null;

/**
 * The kernel over a memory of at least `bytes` bytes (zero when new, else what the last holder
 * left), or null where WebAssembly SIMD is missing. A released memory is reused: allocating megabytes per call makes
 * V8 collect garbage more often (measured: a 9 MB memory per bayesPredictive call cost 40% of its
 * time in the benchmark's process).
 */
export function acquireRows(bytes: number): RowsLease | null {
  const mod = module();
  if (!mod) return null;
  let held = spare;
  spare = null;
  if (!held) {
    const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
    const instance = new WebAssembly.Instance(mod, { env: { memory } });
    held = { kernel: instance.exports.rows as RowsKernel, memory };
  } else {
    const pages = Math.ceil(bytes / 65536) - held.memory.buffer.byteLength / 65536;
    if (pages > 0) held.memory.grow(pages);
  }
  const { kernel, memory } = held;
  let released = false;
  return {
    kernel,
    memory,
    release() {
      if (released) return;
      released = true;
      if (memory.buffer.byteLength <= KEEP_BYTES) spare = { kernel, memory };
    },
  };
}
