// Benchmark: retrieving k = 8 demonstrations for all 872 SST-2 dev queries (glue-dev.tsv) from the
// 6,920-example pool (stsa.binary.train) with BM25 and TF-IDF kNN: fit once, then select for every
// query; median of RUNS runs each, against a plain reference in the same run (every query scored
// against every document through per-document term maps, no inverted index). Target: under 2 s.
// Run with `pnpm bench` (or `pnpm --filter @iclkr/retrieval bench`); writes bench/results/retrieval-retrieve.json.
import { join } from 'node:path';
import { Rng } from '@iclkr/core';
import { initBackend, loadTextDataset } from '@iclkr/core/node';
import { writeBenchResult } from '../../../bench/results.js';
import { createRetriever, type Pool, tokenize } from '../src/index.js';

const DATA = process.env.ICLKR_SHARED_DATA ?? join(import.meta.dirname, '../../../../shared/data');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const K = 8;
const TARGET_SECONDS = 2;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timed(run: () => void): number[] {
  const seconds: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    run();
    seconds.push((performance.now() - t) / 1000);
  }
  return seconds;
}

/** The reference: BM25 (k1 1.2, b 0.75, Lucene idf) of each query against every document's term map, then a full sort. */
function referenceBm25(pool: Pool, queries: readonly string[]): number[][] {
  const docs = pool.texts.map((t) => {
    const counts = new Map<string, number>();
    const tokens = tokenize(t);
    for (const w of tokens) counts.set(w, (counts.get(w) ?? 0) + 1);
    return { counts, length: tokens.length };
  });
  const df = new Map<string, number>();
  for (const d of docs) for (const w of d.counts.keys()) df.set(w, (df.get(w) ?? 0) + 1);
  const avgdl = docs.reduce((s, d) => s + d.length, 0) / docs.length;
  const n = docs.length;
  return queries.map((q) => {
    const words = tokenize(q);
    const scores = docs.map((d) => {
      let s = 0;
      for (const w of words) {
        const tf = d.counts.get(w);
        if (tf === undefined) continue;
        const idf = Math.log(1 + (n - df.get(w)! + 0.5) / (df.get(w)! + 0.5));
        s += (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * d.length) / avgdl));
      }
      return s;
    });
    return scores
      .map((_, i) => i)
      .sort((a, b) => scores[b] - scores[a] || a - b)
      .slice(0, K);
  });
}

await initBackend();
const train = await loadTextDataset(join(DATA, 'sst2/stsa.binary.train'));
const dev = await loadTextDataset(join(DATA, 'sst2/glue-dev.tsv'));
const pool: Pool = { texts: train.texts, labels: train.labels, numClasses: train.labelNames.length };
const rows: { name: string; medianSeconds: number; seconds: number[]; fitSeconds: number; ratio: number | null }[] = [];
let reference: number[][] = [];
const refSeconds = timed(() => {
  reference = referenceBm25(pool, dev.texts);
});
for (const strategy of ['bm25', 'knn']) {
  let fitSeconds = 0;
  let chosen: number[][] = [];
  const seconds = timed(() => {
    const t = performance.now();
    const r = createRetriever(strategy).fit(pool);
    fitSeconds = (performance.now() - t) / 1000;
    const rng = new Rng(0);
    chosen = dev.texts.map((text) => r.select({ text }, K, rng).indices);
  });
  if (strategy === 'bm25') {
    const same = chosen.filter((c, q) => c.join(',') === reference[q].join(',')).length;
    if (same < dev.texts.length * 0.99) throw new Error(`bm25 agrees with the reference on ${same} of ${dev.texts.length} queries only`);
  }
  rows.push({ name: strategy, medianSeconds: median(seconds), seconds, fitSeconds, ratio: median(seconds) / median(refSeconds) });
}
rows.push({ name: 'reference bm25 (no index)', medianSeconds: median(refSeconds), seconds: refSeconds, fitSeconds: 0, ratio: 1 });
console.log(`retrieve k = ${K} for ${dev.texts.length} SST-2 dev queries from ${train.texts.length} training examples (median of ${RUNS})`);
console.log(
  `${'strategy'.padEnd(28)}${'median s'.padStart(10)}${'fit s'.padStart(9)}${'x reference'.padStart(13)}  target < ${TARGET_SECONDS} s`,
);
for (const r of rows) {
  const ok = r.name.startsWith('reference') ? '' : r.medianSeconds < TARGET_SECONDS ? 'met' : 'MISSED';
  console.log(
    `${r.name.padEnd(28)}${r.medianSeconds.toFixed(3).padStart(10)}${r.fitSeconds.toFixed(3).padStart(9)}${(r.ratio ?? 0).toFixed(3).padStart(13)}  ${ok}`,
  );
}
writeBenchResult('retrieval-retrieve', {
  queries: dev.texts.length,
  pool: train.texts.length,
  k: K,
  runs: RUNS,
  targetSeconds: TARGET_SECONDS,
  rows,
});
