/** Messages between the theory playground and its worker. */
import type { ConvergenceRow, SimulateReport } from '@iclkr/core';

/** What the form asks for: the CLI's `iclkr simulate --preset P --param ... --shots ... --prompts N --seed S [--kernel K]`. */
export interface SimulationRequest {
  readonly preset: string;
  /** Generator parameters that differ from the preset's. */
  readonly params: Readonly<Record<string, number | string>>;
  readonly shots: readonly number[];
  readonly prompts: number;
  /** Undefined: the theorem's kernel where it fits, else belief (as the CLI chooses). */
  readonly kernel?: string;
  readonly seed: number;
  readonly sigmaSamples: number;
  /** The tensor backend to run on: wasm (the CLI's, bit for bit) or webgl (the GPU, float32 kernels of its own). */
  readonly backend: PageBackend;
}

/** The backends the page can run on, fastest first. */
export const PAGE_BACKENDS = ['webgl', 'wasm'] as const;
/** A backend the page can run on. */
export type PageBackend = (typeof PAGE_BACKENDS)[number];

/** Page to worker: run a simulation (`cancel`: a shared flag the page sets to 1 to cancel), or cancel without shared memory. */
export type ToWorker =
  | { readonly type: 'run'; readonly request: SimulationRequest; readonly cancel: SharedArrayBuffer | null }
  | { readonly type: 'cancel' };

/** Worker to page: the backend, progress, each finished row, then the report, a cancellation or an error. */
export type FromWorker =
  | { readonly type: 'backend'; readonly name: string; readonly threads: number; readonly available: readonly PageBackend[] }
  | { readonly type: 'progress'; readonly done: number; readonly total: number; readonly label: string }
  | { readonly type: 'row'; readonly row: ConvergenceRow }
  | { readonly type: 'done'; readonly report: SimulateReport; readonly seconds: number }
  | { readonly type: 'cancelled' }
  | { readonly type: 'error'; readonly message: string };
