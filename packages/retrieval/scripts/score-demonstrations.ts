/**
 * Scores `iclkr retrieve` outputs: for each JSONL file, the mean lexical closeness of the chosen
 * demonstrations to their query (BM25, TF-IDF cosine, word-set Jaccard) and how often the
 * demonstrations' majority label is the query's gold label (a 4-4 tie counts one half). Run from
 * the repository root after `pnpm build`:
 *   for s in random balanced bm25 knn dpp votek kmedoids; do
 *     pnpm -s iclkr retrieve --demos ../shared/data/sst2/stsa.binary.train --data ../shared/data/sst2/glue-dev.tsv \
 *       --strategy $s --shots 8 --prompts 200 --out /tmp/retrieve-$s.jsonl; done
 *   npx tsx packages/retrieval/scripts/score-demonstrations.ts ../shared/data/sst2/stsa.binary.train \
 *     ../shared/data/sst2/glue-dev.tsv /tmp/retrieve-*.jsonl
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { loadTextDataset } from '@iclkr/core/node';
import { Bm25Index, sparseDot, TfIdf, tokenize } from '../src/index.js';

const [demosPath, dataPath, ...files] = process.argv.slice(2);
if (demosPath === undefined || dataPath === undefined || files.length === 0) {
  console.error('usage: score-demonstrations.ts DEMOS DATA FILE.jsonl...');
  process.exit(1);
}
const demos = await loadTextDataset(demosPath);
const data = await loadTextDataset(dataPath);
const bm25 = new Bm25Index(demos.texts.map(tokenize));
const tfidf = new TfIdf(demos.texts);
const jaccard = (a: string, b: string) => {
  const A = new Set(tokenize(a));
  const B = new Set(tokenize(b));
  const shared = [...A].filter((w) => B.has(w)).length;
  return shared / (A.size + B.size - shared || 1);
};
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

console.log('strategy   queries  bm25   tf-idf  jaccard  majority=gold  distinct demos');
for (const file of files) {
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { query: number; indices: number[] });
  const b: number[] = [];
  const t: number[] = [];
  const j: number[] = [];
  const hits: number[] = [];
  for (const { query, indices } of lines) {
    const text = data.texts[query];
    const scores = bm25.scores(tokenize(text));
    const q = tfidf.transform(text);
    for (const i of indices) {
      b.push(scores[i]);
      t.push(sparseDot(q, tfidf.rows[i]));
      j.push(jaccard(text, demos.texts[i]));
    }
    const votes = data.labelNames.map((_, c) => indices.filter((i) => demos.labels[i] === c).length);
    const top = Math.max(...votes);
    const winners = votes.map((v, c) => (v === top ? c : -1)).filter((c) => c >= 0);
    hits.push(winners.includes(data.labels[query]) ? 1 / winners.length : 0);
  }
  const name = basename(file, '.jsonl').replace(/^retrieve-/, '');
  const distinct = new Set(lines.flatMap((l) => l.indices)).size;
  console.log(
    `${name.padEnd(10)} ${String(lines.length).padStart(7)}  ${mean(b).toFixed(2).padStart(5)}  ${mean(t).toFixed(3)}   ` +
      `${mean(j).toFixed(3)}    ${mean(hits).toFixed(3)}          ${distinct}`,
  );
}
