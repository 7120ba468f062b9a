import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { file, lastLine, run, tempDir, expectCleanFailure } from './run.js';

const dir = tempDir();
// A deterministic cycle 0 -> 1 -> 2 -> 0; state 0 emits token 0, state 1 tokens 1 or 2 (half each),
// state 2 the delimiter (token 2). Task a starts in state 0, task b in state 0 or 1.
const spec = {
  name: 'cycle',
  tokens: 3,
  states: 3,
  delimiter: 2,
  transition: [
    [0, 1, 0],
    [0, 0, 1],
    [1, 0, 0],
  ],
  emission: [
    [1, 0, 0],
    [0, 0.5, 0.5],
    [0, 0, 1],
  ],
  tasks: [
    { name: 'a', prior: 0.5, start: [1, 0, 0] },
    { name: 'b', prior: 0.5, start: [0.5, 0.5, 0] },
  ],
  labels: [0, 1],
};
const world = file(dir, 'world.json', JSON.stringify(spec));
const unlabeled = file(dir, 'unlabeled.json', JSON.stringify({ ...spec, labels: undefined }));
// By hand: restart scores "0 1" (a: 1/2, b: 1/4) and "0" (a: 1, b: 1/2) apart, posterior a = 0.8;
// continuous scores "0 1 2 0" (a: 1/2, b: 1/4), posterior a = 2/3. After state 0 comes state 1: tokens 1, 2.
const prompts = file(dir, 'prompts.jsonl', '{"demos": [[[0], 1]], "query": [0]}\n\n{"demos": [], "query": []}\n');

const parse = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
const close = (actual: number[], expected: number[]) => actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i], 12));

describe('iclkr bayes', () => {
  it('writes one JSON line per prompt, in input order (restart mode by default)', async () => {
    const r = await run('bayes', '--world', world, '--prompts', prompts);
    expect(r.code, r.stderr).toBe(0);
    const [first, second] = parse(r.stdout);
    expect(Object.keys(first)).toEqual(['taskPosterior', 'predictive', 'logEvidence']);
    close(first.taskPosterior, [0.8, 0.2]);
    close(first.predictive, [0, 0.5, 0.5]);
    expect(first.logEvidence).toBeCloseTo(Math.log(0.25 + 0.0625), 12);
    // Nothing observed: the prior, and the first token's distribution.
    close(second.taskPosterior, [0.5, 0.5]);
    close(second.predictive, [0.75, 0.125, 0.125]);
    expect(parse(r.stdout)).toHaveLength(2);
  });

  it('--mode continuous scores the whole prompt, delimiters included', async () => {
    const r = await run('bayes', '--world', world, '--prompts', prompts, '--mode', 'continuous');
    expect(r.code, r.stderr).toBe(0);
    const [first] = parse(r.stdout);
    close(first.taskPosterior, [2 / 3, 1 / 3]);
    close(first.predictive, [0, 0.5, 0.5]);
  });

  it('--labels-only restricts the predictive to the label tokens', async () => {
    const r = await run('bayes', '--world', world, '--prompts', prompts, '--labels-only');
    const [first, second] = parse(r.stdout);
    close(first.predictive, [0, 1, 0]);
    close(second.predictive, [0.75 / 0.875, 0.125 / 0.875, 0]);
  });

  it('--out writes the lines to a file and nothing to stdout', async () => {
    const out = join(dir, 'out.jsonl');
    const r = await run('bayes', '--world', world, '--prompts', prompts, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(parse(readFileSync(out, 'utf8'))).toHaveLength(2);
  });
});

describe('iclkr bayes: bad input is a one-line error, exit 1, nothing written', () => {
  const prompt = (name: string, text: string) => file(dir, name, text);
  const cases: [string, string[], RegExp][] = [
    [
      'malformed JSON line',
      ['--prompts', prompt('broken.jsonl', '{"demos": [], "query": [0]}\n{"demos": [\n')],
      /broken\.jsonl:2: not valid JSON/,
    ],
    ['line that is not an object', ['--prompts', prompt('array.jsonl', '[1, 2]\n')], /array\.jsonl:1: a prompt must be a JSON object/],
    [
      'token outside the vocabulary',
      ['--prompts', prompt('vocab.jsonl', '{"demos": [], "query": [0]}\n\n{"demos": [], "query": [7]}\n')],
      /vocab\.jsonl:3: prompt 1: token 7 in the query is outside the vocabulary 0\.\.2/,
    ],
    [
      'label that is not a token',
      ['--prompts', prompt('label.jsonl', '{"demos": [[[0], "yes"]], "query": [0]}\n')],
      /label\.jsonl:1: prompt 0: demo 0 label holds "yes", not an integer token/,
    ],
    [
      'missing query',
      ['--prompts', prompt('noquery.jsonl', '{"demos": []}\n')],
      /noquery\.jsonl:1: prompt 0: query is not an array of tokens/,
    ],
    [
      'prompt impossible under every task',
      ['--prompts', prompt('impossible.jsonl', '{"demos": [], "query": [0]}\n{"demos": [], "query": [1, 1]}\n')],
      /impossible\.jsonl:2: prompt 1 has probability 0 under every task/,
    ],
    ['no prompts', ['--prompts', prompt('blank.jsonl', '\n\n')], /blank\.jsonl: holds no prompts/],
    ['missing prompts file', ['--prompts', join(dir, 'nope.jsonl')], /nope\.jsonl: no such file/],
    ['missing world file', ['--prompts', prompts, '--world', join(dir, 'nope.json')], /nope\.json/],
    ['bad mode', ['--prompts', prompts, '--mode', 'sliding'], /--mode sliding is not one of restart, continuous/],
    ['labels-only without labels', ['--prompts', prompts, '--world', unlabeled, '--labels-only'], /the world has no label tokens/],
    ['unknown option', ['--prompts', prompts, '--promts', prompts], /unknown option --promts/],
  ];
  for (const [name, args, pattern] of cases) {
    it(name, async () => {
      const out = join(dir, `out-${name.replace(/\W+/g, '-')}.jsonl`);
      const withWorld = args.includes('--world') ? args : [...args, '--world', world];
      const r = await run('bayes', ...withWorld, '--out', out);
      expectCleanFailure(r, pattern, out);
    });
  }

  it('missing required options', async () => {
    expect(lastLine((await run('bayes', '--prompts', prompts)).stderr)).toMatch(/missing --world/);
    expect(lastLine((await run('bayes', '--world', world)).stderr)).toMatch(/missing --prompts/);
  });

  it('an --out in a missing folder is an error and leaves no temporary file', async () => {
    const r = await run('bayes', '--world', world, '--prompts', prompts, '--out', join(dir, 'no-such-folder', 'r.jsonl'));
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toMatch(/--out .*r\.jsonl: the folder .*no-such-folder does not exist/);
    expect(readdirSync(dir).some((f) => f.includes('.tmp-'))).toBe(false);
  });
});
