/** Default memory budget for the intermediate tensors of one batch of queries: 256 MiB. */
export const DEFAULT_MAX_MEMORY_BYTES = 256 * 1024 * 1024;

/** How many query rows fit the budget when each (query, key) pair costs `bytesPerPair`. */
export function batchRows(maxMemoryBytes: number, keys: number, bytesPerPair: number): number {
  return Math.max(1, Math.floor(maxMemoryBytes / Math.max(1, keys * bytesPerPair)));
}

/** Reports progress of long work: `done` of `total` units. */
export type ProgressCallback = (done: number, total: number) => void;

/** Runs `fn(start, count)` over consecutive batches of `[0, total)`, reporting progress. */
export function forEachBatch(total: number, size: number, fn: (start: number, count: number) => void, onProgress?: ProgressCallback): void {
  for (let start = 0; start < total; start += size) {
    const count = Math.min(size, total - start);
    fn(start, count);
    onProgress?.(start + count, total);
  }
}
