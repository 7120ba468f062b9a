import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareRetrieversReportSchema, initBackend } from '@iclkr/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectCleanFailure, file, GPT2_TOKENIZER, randomTextModel, run, SST2_DEV, SST2_TRAIN, sharedData, tempDir } from './run.js';

const dir = tempDir();
const TREC_TEST = join(sharedData, 'trec/test.txt');
const TREC_TRAIN = join(sharedData, 'trec/train.txt');

let textModel: string;
beforeAll(async () => {
  await initBackend();
  textModel = await randomTextModel(dir);
});

interface Row {
  strategy: string;
  method: string;
  n: number;
  accuracy: number;
  ci: [number, number];
}

/** The rows of a --json run, checked: one per strategy x method x n, accuracies inside their intervals. */
function rowsOf(stdout: string, strategies: string[], methods: string[], shots: number[]): Row[] {
  const report = compareRetrieversReportSchema.parse(JSON.parse(stdout));
  const rows = report.rows as Row[];
  expect(report.methods.map((m) => m.name)).toEqual(methods);
  expect(rows.map((r) => `${r.strategy} ${r.method} ${r.n}`)).toEqual(
    strategies.flatMap((s) => methods.flatMap((m) => shots.map((n) => `${s} ${m} ${n}`))),
  );
  for (const r of rows) {
    expect(r.ci[0]).toBeLessThanOrEqual(r.accuracy);
    expect(r.accuracy).toBeLessThanOrEqual(r.ci[1]);
  }
  return rows;
}

const WORLD_METHODS = ['icl', 'head', 'nw-tfidf', 'nw-hidden', 'nw-output', 'bayes', 'majority', 'oracle'];
const TEXT_METHODS = ['icl', 'head', 'nw-tfidf', 'nw-hidden', 'nw-output', 'majority'];

describe('iclkr compare-retrievers', () => {
  it('on the built-in model and its world: --json rows per strategy x method x n, the head the probe chose, a report folder', async () => {
    const out = join(dir, 'world-report');
    const strategies = ['random', 'attention-kernel', 'true-kernel'];
    const r = await run(
      'compare-retrievers',
      '--strategies',
      strategies.join(','),
      '--shots',
      '1,4',
      '--prompts',
      '24',
      '--head-prompts',
      '40',
      '--sigma-samples',
      '200',
      '--json',
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    rowsOf(r.stdout, strategies, WORLD_METHODS, [1, 4]);
    const report = compareRetrieversReportSchema.parse(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    expect(report.head).toMatchObject({ chosenBy: 'probe', keyPosition: 'delimiter', variant: 'line', probe: { prompts: 40, shots: 4 } });
    expect(report.meta.settings).toMatchObject({ strategies, pool: 64, prompts: 24 });
    for (const name of ['accuracy', 'methods']) expect(existsSync(join(out, 'figures', `${name}.svg`))).toBe(true);
    const shown = await run('report', out);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('In-context accuracy per strategy (method icl)');
  }, 90_000);

  it('on SST-2 with a random-weight model of GPT-2 vocabulary: every text strategy, no world baselines', async () => {
    const strategies = ['random', 'zero', 'bm25', 'knn', 'hidden-knn', 'attention-kernel', 'mdl', 'model-kernel'];
    const r = await run(
      'compare-retrievers',
      '--model',
      textModel,
      '--tokenizer',
      GPT2_TOKENIZER,
      '--data',
      SST2_DEV,
      '--demos',
      SST2_TRAIN,
      '--pool',
      '40',
      '--prompts',
      '8',
      '--shots',
      '1,2',
      '--head',
      '0.1',
      '--strategies',
      strategies.join(','),
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const rows = rowsOf(r.stdout, strategies, TEXT_METHODS, [1, 2]);
    // Zero demonstrations: the query alone at every n, so every method scores the same at n = 1 and 2.
    for (const m of TEXT_METHODS) {
      const zero = rows.filter((x) => x.strategy === 'zero' && x.method === m).map((x) => x.accuracy);
      expect(zero[0]).toBe(zero[1]);
    }
  }, 60_000);

  it('on TREC (six classes), choosing the head with the probe', async () => {
    const strategies = ['random', 'knn', 'attention-kernel'];
    const r = await run(
      'compare-retrievers',
      '--model',
      textModel,
      '--tokenizer',
      GPT2_TOKENIZER,
      '--data',
      TREC_TEST,
      '--demos',
      TREC_TRAIN,
      '--pool',
      '30',
      '--prompts',
      '8',
      '--shots',
      '2',
      '--head-prompts',
      '8',
      '--strategies',
      strategies.join(','),
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    rowsOf(r.stdout, strategies, TEXT_METHODS, [2]);
    const report = JSON.parse(r.stdout);
    expect(report.labels).toEqual(['ABBR', 'DESC', 'ENTY', 'HUM', 'LOC', 'NUM']);
    expect(report.head.chosenBy).toBe('probe');
  }, 60_000);

  it('refuses bad input in one line, writing nothing', async () => {
    const out = join(dir, 'never');
    const text = ['--model', textModel, '--tokenizer', GPT2_TOKENIZER, '--data', SST2_DEV, '--demos', SST2_TRAIN, '--prompts', '4'];
    const world = ['--prompts', '4', '--head', '1.2'];
    const queries = file(dir, 'queries.tsv', 'sentence\tlabel\na good film\t1\na bad film\t0\n');
    const emptyDemos = file(dir, 'empty.tsv', 'sentence\tlabel\ngood film\t1\n \t0\nbad film\t0\n');
    const otherLabels = file(dir, 'other.tsv', 'sentence\tlabel\ngood film\t1\nbad film\t2\nfine film\t0\n');
    const small = ['--model', textModel, '--tokenizer', GPT2_TOKENIZER, '--data', queries, '--head', '0.0', '--prompts', '2'];
    const cases: [string[], RegExp][] = [
      [['--strategies', 'random,nearest', ...world], /unknown retrieval strategy 'nearest'; use one of random, balanced/],
      [['--strategies', 'attention-kernel', '--prompts', '4', '--head', '5.0'], /attention-kernel: layer 5 is out of range/],
      [['--strategies', 'attention-kernel', '--prompts', '4', '--head', '1.7'], /attention-kernel: head 7 is out of range/],
      [['--strategies', 'random', '--shots', '4', '--pool', '2', ...world], /--pool 2 is smaller than the largest --shots 4/],
      [['--strategies', 'true-kernel', '--head', '0.0', ...text], /the true-kernel strategy ranks by a task world's kernel/],
      [['--strategies', 'random', '--data', SST2_DEV, '--demos', SST2_TRAIN], /the built-in model reads task-world tokens, not text/],
      [['--strategies', 'random', '--head', '0.0', ...text, '--shots', '8', '--pool', '4'], /the pool of 4 demonstrations is smaller/],
      [
        ['--strategies', 'random', ...small, '--demos', otherLabels],
        /the demonstrations' labels \(0, 1, 2\) are not the data's label set \(0, 1\)/,
      ],
      [
        ['--strategies', 'random', ...small, '--demos', emptyDemos, '--shots', '1'],
        /--demos .*empty\.tsv has rows with a label but no text \(line 3\); remove those lines/,
      ],
      [['--strategies', 'random', '--demos', SST2_TRAIN, ...world], /--demos applies to text only/],
    ];
    for (const [args, pattern] of cases) expectCleanFailure(await run('compare-retrievers', ...args, '--out', out), pattern, out);
  }, 60_000);
});
