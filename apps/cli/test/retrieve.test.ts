import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, Rng, tf } from '@iclkr/core';
import { loadTextDataset } from '@iclkr/core/node';
import { nextTokenDistributions } from '@iclkr/probing';
import { loadModel, loadTokenizer } from '@iclkr/probing/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectCleanFailure, file, GPT2_TOKENIZER, randomTextModel, run, SST2_DEV, SST2_TRAIN, sharedData, tempDir } from './run.js';

const dir = tempDir();

interface Line {
  query: number;
  indices: number[];
  scores: number[];
  labels: number[];
  texts: string[];
}

const parseLines = (text: string): Line[] =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);

/** Word sets, written here independently of the package's tokenizer: lower-case runs of letters and digits. */
const words = (text: string) =>
  new Set(
    text
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w !== ''),
  );

/** Jaccard overlap of two texts' word sets: a lexical closeness neither BM25 nor TF-IDF computes. */
function jaccard(a: string, b: string): number {
  const A = words(a);
  const B = words(b);
  const shared = [...A].filter((w) => B.has(w)).length;
  return shared / (A.size + B.size - shared || 1);
}

let train: Awaited<ReturnType<typeof loadTextDataset>>;

/** The first 20 SST-2 training examples as a pool file, named like SST-2's train split so the loader gives it SST-2's class names. */
function smallPool(): string {
  mkdirSync(join(dir, 'sst2'), { recursive: true });
  const lines = train.texts.slice(0, 20).map((t, i) => `${train.labels[i]} ${t}`);
  return file(join(dir, 'sst2'), 'stsa.binary.train', `${lines.join('\n')}\n`);
}
let dev: Awaited<ReturnType<typeof loadTextDataset>>;
let textModel: string;
beforeAll(async () => {
  await initBackend();
  train = await loadTextDataset(SST2_TRAIN);
  dev = await loadTextDataset(SST2_DEV);
  textModel = await randomTextModel(dir);
});

describe('iclkr retrieve', () => {
  it('prints one JSON line per query: --demos indices, scores best first, their labels', async () => {
    const r = await run('retrieve', '--demos', SST2_TRAIN, '--data', SST2_DEV, '--strategy', 'bm25', '--shots', '5', '--prompts', '7');
    expect(r.code, r.stderr).toBe(0);
    const lines = parseLines(r.stdout);
    expect(lines.map((l) => l.query)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(['query', 'indices', 'scores', 'labels', 'texts']);
      expect(l.texts).toEqual(l.indices.map((i) => train.texts[i]));
      expect(new Set(l.indices).size).toBe(5);
      expect(l.labels).toEqual(l.indices.map((i) => train.labels[i]));
      expect([...l.scores].sort((a, b) => b - a)).toEqual(l.scores);
      // The best demonstration shares a word with the query.
      expect(jaccard(dev.texts[l.query], train.texts[l.indices[0]])).toBeGreaterThan(0);
    }
  });

  it('--order ascending puts the best last; --order random is seeded; --pool draws from a seeded subset', async () => {
    const base = ['retrieve', '--demos', SST2_TRAIN, '--data', SST2_DEV, '--strategy', 'knn', '--shots', '4', '--prompts', '5'];
    const selected = parseLines((await run(...base)).stdout);
    const ascending = parseLines((await run(...base, '--order', 'ascending')).stdout);
    ascending.forEach((l, q) => {
      expect(l.indices).toEqual([...selected[q].indices].reverse());
      expect([...l.scores].sort((a, b) => a - b)).toEqual(l.scores);
    });
    const shuffled = (await run(...base, '--order', 'random', '--seed', '3')).stdout;
    expect((await run(...base, '--order', 'random', '--seed', '3')).stdout).toBe(shuffled);
    parseLines(shuffled).forEach((l, q) => expect([...l.indices].sort()).toEqual([...selected[q].indices].sort()));
    const pooled = parseLines((await run(...base, '--pool', '50', '--prompts', '40')).stdout);
    const used = new Set(pooled.flatMap((l) => l.indices));
    expect(used.size).toBeLessThanOrEqual(50);
    expect(used.size).toBeGreaterThan(4);
    expect((await run(...base, '--pool', '50', '--prompts', '40')).stdout).toBe(pooled.map((l) => `${JSON.stringify(l)}\n`).join(''));
  });

  it('random and balanced follow the seed; votek and kmedoids give every query the same demonstrations', async () => {
    const base = ['retrieve', '--demos', SST2_TRAIN, '--data', SST2_DEV, '--shots', '6', '--prompts', '4'];
    const random = await run(...base, '--strategy', 'random', '--seed', '1');
    expect(random.stdout).toBe((await run(...base, '--strategy', 'random', '--seed', '1')).stdout);
    expect(random.stdout).not.toBe((await run(...base, '--strategy', 'random', '--seed', '2')).stdout);
    for (const l of parseLines((await run(...base, '--strategy', 'balanced')).stdout))
      expect(l.labels.filter((y) => y === 1)).toHaveLength(3);
    for (const strategy of ['votek', 'kmedoids']) {
      const lines = parseLines((await run(...base, '--strategy', strategy, '--pool', '400')).stdout);
      for (const l of lines) expect(l.indices).toEqual(lines[0].indices);
    }
    const dpp = parseLines((await run(...base, '--strategy', 'dpp')).stdout);
    expect(dpp.every((l) => new Set(l.indices).size === 6)).toBe(true);
  });

  it('writes --out atomically', async () => {
    const out = join(dir, 'chosen.jsonl');
    const r = await run(
      'retrieve',
      '--demos',
      SST2_TRAIN,
      '--data',
      SST2_DEV,
      '--strategy',
      'bm25',
      '--shots',
      '2',
      '--prompts',
      '3',
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(parseLines(readFileSync(out, 'utf8'))).toHaveLength(3);
  });

  it("model-kernel ranks by the model's P(o|x)^T P(o|x'), as a brute-force product of nextTokenDistributions", async () => {
    const demos = smallPool();
    const r = await run(
      'retrieve',
      '--demos',
      demos,
      '--data',
      SST2_DEV,
      '--strategy',
      'model-kernel',
      '--model',
      textModel,
      '--tokenizer',
      GPT2_TOKENIZER,
      '--shots',
      '4',
      '--prompts',
      '3',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(
        'model-kernel: runs each of the 20 pool texts \\(\\d+ tokens\\) ' +
          'and then each query alone through the model for P\\(o \\| x\\), holding 4 MB',
      ),
    );
    // Reference: each text after the template's "Input:" is GPT-2's encoding of " " + text.
    const tokenizer = await loadTokenizer(GPT2_TOKENIZER);
    const model = await loadModel(textModel);
    const run1 = (texts: string[]) =>
      nextTokenDistributions(
        model,
        texts.map((t) => tokenizer.encode(` ${t}`)),
      );
    const pool = run1(train.texts.slice(0, 20));
    const queries = run1(dev.texts.slice(0, 3));
    model.dispose();
    for (const l of parseLines(r.stdout)) {
      const ref = pool.map((p) => p.reduce((s, v, k) => s + v * queries[l.query][k], 0));
      const fourth = [...ref].sort((a, b) => b - a)[3];
      l.indices.forEach((i, k) => {
        expect(ref[i]).toBeGreaterThanOrEqual(fourth * (1 - 1e-5));
        expect(l.scores[k]).toBeCloseTo(ref[i], 8);
      });
    }
  });

  it('in-distribution takes the pool texts of highest mean log-probability per token, checked one text at a time in float64', async () => {
    const demos = smallPool();
    const r = await run(
      'retrieve',
      '--demos',
      demos,
      '--data',
      SST2_DEV,
      '--strategy',
      'in-distribution',
      '--model',
      textModel,
      '--tokenizer',
      GPT2_TOKENIZER,
      '--shots',
      '4',
      '--prompts',
      '3',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /in-distribution: scores each of the 20 pool texts \(\d+ tokens\) by its mean log-probability per token under the model/,
    );
    // Reference: "Input:" then GPT-2's encoding of " " + text, run alone; each text token scored by the
    // log-softmax of the logits before it.
    const tokenizer = await loadTokenizer(GPT2_TOKENIZER);
    const model = await loadModel(textModel);
    const prefix = tokenizer.encode('Input:');
    const ref = train.texts.slice(0, 20).map((t) => {
      const ids = [...prefix, ...tokenizer.encode(` ${t}`)];
      const input = tf.tensor2d([ids], [1, ids.length], 'int32');
      const { logits, cache } = model.run(input);
      const values = logits.dataSync();
      const vocab = model.config.vocabSize;
      tf.dispose([input, logits, ...cache.values()]);
      let total = 0;
      for (let p = prefix.length; p < ids.length; p++) {
        const row = Array.from(values.subarray((p - 1) * vocab, p * vocab));
        const max = Math.max(...row);
        total += row[ids[p]] - max - Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0));
      }
      return total / (ids.length - prefix.length);
    });
    model.dispose();
    const best = ref
      .map((_, i) => i)
      .sort((a, b) => ref[b] - ref[a])
      .slice(0, 4);
    for (const l of parseLines(r.stdout)) {
      expect(l.indices).toEqual(best);
      l.indices.forEach((i, k) => expect(Math.abs(l.scores[k] - ref[i])).toBeLessThan(1e-4));
    }
    // A one-token text at the very start of the prompt has nothing before it to be scored against.
    const short = file(join(dir, 'sst2'), 'stsa.binary.dev', '1 good\n0 a dull , lifeless film\n');
    const out = join(dir, 'never-in-distribution.jsonl');
    const bad = await run(
      'retrieve',
      '--demos',
      short,
      '--data',
      SST2_DEV,
      '--strategy',
      'in-distribution',
      '--model',
      textModel,
      '--tokenizer',
      GPT2_TOKENIZER,
      '--template',
      '{x} => {y}',
      '--shots',
      '1',
      '--prompts',
      '1',
      '--out',
      out,
    );
    expectCleanFailure(
      bad,
      /text 1 \('good'\) is one token at the very start of the prompt, so the model cannot score it; give the template text before \{x\}/,
      out,
    );
  });

  it('refuses bad options in one line and writes nothing', async () => {
    const out = join(dir, 'never.jsonl');
    const base = ['--demos', SST2_TRAIN, '--data', SST2_DEV, '--shots', '4', '--out', out];
    // A label-only line (as CR and MPQA have): every retriever would score it like any other, all zeros.
    const holed = file(dir, 'holed.txt', '1 a gripping film\n0\n1 moving and beautiful\n0 dull and slow\n');
    const cases: [string[], RegExp][] = [
      [
        ['--demos', holed, '--data', SST2_DEV, '--shots', '2', '--strategy', 'bm25', '--out', out],
        /--demos .*holed\.txt has rows with a label but no text \(line 2\); remove those lines/,
      ],
      [
        [...base, '--strategy', 'nearest'],
        /--strategy nearest is not one of random, balanced, bm25, knn, model-kernel, in-distribution, dpp, votek, kmedoids/,
      ],
      [base, /missing --strategy; pass --strategy random\|balanced/],
      [['--demos', SST2_TRAIN, '--data', SST2_DEV, '--strategy', 'bm25', '--out', out], /missing --shots/],
      [[...base, '--strategy', 'bm25', '--shots', '0'], /--shots 0 is not an integer in \[1, \d+\]/],
      [[...base, '--strategy', 'bm25', '--order', 'descending'], /--order descending is not one of selected, ascending, random/],
      [[...base, '--strategy', 'bm25', '--pool', '0'], /--pool 0 is not an integer in \[1, \d+\]/],
      [
        [...base, '--strategy', 'bm25', '--pool', '7000'],
        /--pool 7000 is more than the 6920 examples of --demos; pass --pool 6920 or fewer/,
      ],
      [[...base, '--strategy', 'bm25', '--pool', '3'], /the pool of 3 demonstrations is smaller than --shots 4; pass --pool 4 or more/],
      [[...base, '--strategy', 'bm25', '--prompts', '900'], /--prompts 900 is more than the 872 examples of --data/],
      [
        [...base, '--strategy', 'bm25', '--model', textModel],
        /--model applies to the strategies that read a model \(model-kernel, in-distribution, mdl, hidden-knn, attention-kernel\) only/,
      ],
      [[...base, '--strategy', 'model-kernel'], /--strategy model-kernel needs a text language model \(--model DIR\)/],
      [
        [...base, '--strategy', 'in-distribution'],
        /--strategy in-distribution needs a text language model \(--model DIR\) to score the texts/,
      ],
      [
        [...base, '--strategy', 'model-kernel', '--model', join(sharedData, '../fixtures/gpt2-tiny'), '--tokenizer', GPT2_TOKENIZER],
        /tokenizer gpt2 has 50257 tokens, more than the model's vocabulary of 512/,
      ],
      [
        ['--demos', join(sharedData, 'trec/train.txt'), '--data', SST2_DEV, '--strategy', 'bm25', '--shots', '2', '--out', out],
        /demonstrations' labels .* are not the data's label set/,
      ],
      [['--demos', join(dir, 'missing.txt'), '--data', SST2_DEV, '--strategy', 'bm25', '--shots', '2', '--out', out], /missing.txt/],
      [[...base, '--strategy', 'mdl'], /--strategy mdl needs a text language model \(--model DIR\)/],
      [[...base, '--strategy', 'attention-kernel', '--model', textModel], /attention-kernel needs a head: --head L.H/],
      [
        [...base, '--strategy', 'attention-kernel', '--model', textModel, '--tokenizer', GPT2_TOKENIZER, '--head', '1.0'],
        /attention-kernel: layer 1 is out of range \(the model has layers 0-0\)/,
      ],
      [
        [...base, '--strategy', 'attention-kernel', '--model', textModel, '--tokenizer', GPT2_TOKENIZER, '--head', '0.2'],
        /attention-kernel: head 2 is out of range/,
      ],
      [[...base, '--strategy', 'knn', '--layer', '0'], /--layer applies to the hidden-knn strategy only/],
      [[...base, '--strategy', 'true-kernel'], /the true-kernel strategy ranks by a task world's kernel, which text has not/],
      [[...base, '--strategy', 'nearest'], /--strategy nearest is not one of random, balanced/],
    ];
    for (const [args, pattern] of cases) expectCleanFailure(await run('retrieve', ...args), pattern, out);
    expectCleanFailure(
      await run(
        'retrieve',
        '--demos',
        SST2_TRAIN,
        '--data',
        SST2_DEV,
        '--strategy',
        'bm25',
        '--shots',
        '2',
        '--prompts',
        '2',
        '--out',
        join(dir, 'no-folder', 'x.jsonl'),
      ),
      /the folder .*no-folder does not exist/,
    );
    expect(existsSync(join(dir, 'no-folder'))).toBe(false);
  });
});

describe("the README's retrieval example", () => {
  it('runs as written and prints what its comment says', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const code = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).find((c) => c.includes('@iclkr/retrieval'))!;
    // Written inside this package so that the workspace packages resolve.
    const script = fileURLToPath(new URL('../readme-retrieval.tmp.mjs', import.meta.url));
    writeFileSync(script, code);
    try {
      expect(execFileSync(process.execPath, [script], { encoding: 'utf8' }).trim()).toBe('[ 1, 3 ] [ 3, 1 ]');
    } finally {
      rmSync(script, { force: true });
    }
  });
});

describe('retrieval on real SST-2 (end to end)', () => {
  it('bm25 and knn choose demonstrations lexically closer to the query than random ones', async () => {
    const mean = async (strategy: string) => {
      const r = await run(
        'retrieve',
        '--demos',
        SST2_TRAIN,
        '--data',
        SST2_DEV,
        '--strategy',
        strategy,
        '--shots',
        '8',
        '--prompts',
        '100',
      );
      expect(r.code, r.stderr).toBe(0);
      const overlaps = parseLines(r.stdout).flatMap((l) => l.indices.map((i) => jaccard(dev.texts[l.query], train.texts[i])));
      return overlaps.reduce((a, b) => a + b, 0) / overlaps.length;
    };
    const random = await mean('random');
    const bm25 = await mean('bm25');
    const knn = await mean('knn');
    // Measured: random 0.050, bm25 0.170, knn 0.149 mean word-set overlap; ask for twice random's.
    expect(bm25).toBeGreaterThan(2 * random);
    expect(knn).toBeGreaterThan(2 * random);
  });
});

describe('iclkr retrieve: the queries and the model-based strategies', () => {
  it('--sample draws the queries as iclkr probe does: a seeded shuffle of --data cut to --prompts', async () => {
    const base = ['retrieve', '--demos', SST2_TRAIN, '--data', SST2_DEV, '--strategy', 'bm25', '--shots', '2', '--prompts', '6'];
    const sampled = parseLines((await run(...base, '--sample', '--seed', '4')).stdout);
    expect(sampled.map((l) => l.query)).toEqual(new Rng(4).shuffle(dev.texts.map((_, i) => i)).slice(0, 6));
    // The same demonstrations as the same queries retrieved in file order.
    const inOrder = parseLines((await run(...base.slice(0, -1), String(dev.texts.length))).stdout);
    for (const l of sampled) expect(l.indices).toEqual(inOrder[l.query].indices);
  });

  it('zero, hidden-knn, attention-kernel and mdl choose from the random GPT-2-vocabulary model, with their texts', async () => {
    const model = ['--model', textModel, '--tokenizer', GPT2_TOKENIZER, '--pool', '30'];
    const base = ['retrieve', '--demos', SST2_TRAIN, '--data', SST2_DEV, '--shots', '3', '--prompts', '4'];
    const zero = parseLines((await run(...base, '--strategy', 'zero')).stdout);
    expect(zero.map((l) => l.indices)).toEqual([[], [], [], []]);
    for (const strategy of [['hidden-knn', '--layer', '0'], ['attention-kernel', '--head', '0.1'], ['mdl']]) {
      const r = await run(...base, '--strategy', ...strategy, ...model);
      expect(r.code, r.stderr).toBe(0);
      for (const l of parseLines(r.stdout)) {
        expect(new Set(l.indices).size, strategy[0]).toBe(3);
        expect(l.texts).toEqual(l.indices.map((i) => train.texts[i]));
      }
      expect((await run(...base, '--strategy', ...strategy, ...model)).stdout).toBe(r.stdout);
    }
  });
});
