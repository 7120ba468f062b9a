import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toFloat32 } from '@iclkr/core';
import { readSafetensors } from '@iclkr/core/node';
import { describe, expect, it } from 'vitest';
import { expectCleanFailure, file, run, tempDir } from './run.js';

const fixtures = process.env.ICLKR_SHARED_FIXTURES ?? resolve(fileURLToPath(import.meta.url), '../../../../../shared/fixtures');
const dir = tempDir();

// Reference: the fixtures' reference.safetensors, computed by llm.c (GPT-2) and llama2.c (Llama).
for (const [name, extra] of [
  ['gpt2-tiny', ['blocks.0.hook_resid_post', 'blocks.1.attn.hook_q']],
  ['llama-tiny', []],
] as const) {
  describe(`iclkr run-model on ${name}`, () => {
    it('reproduces the reference logits, attention patterns and final normalisation', async () => {
      const reference = await readSafetensors(join(fixtures, name, 'reference.safetensors'));
      const idsTensor = reference.tensors.get('input_ids')!;
      const [batch, pos] = idsTensor.shape;
      const flat = Array.from(toFloat32(idsTensor));
      const ids = Array.from({ length: batch }, (_, b) => flat.slice(b * pos, (b + 1) * pos));
      const idsPath = file(dir, `${name}-ids.json`, JSON.stringify(ids));
      const out = join(dir, `${name}.safetensors`);
      const cache = ['blocks.0.attn.hook_pattern', 'blocks.1.attn.hook_pattern', 'ln_final.hook_normalized', ...extra];
      const r = await run('run-model', '--model', join(fixtures, name), '--input-ids', idsPath, '--cache', cache.join(','), '--out', out);
      expect(r.code, r.stderr).toBe(0);
      const ours = await readSafetensors(out);
      for (const tensorName of ['logits', ...cache]) {
        const want = toFloat32(reference.tensors.get(tensorName)!);
        const got = toFloat32(ours.tensors.get(tensorName)!);
        expect(got.length).toBe(want.length);
        const tolerance = tensorName.endsWith('hook_pattern') ? 1e-5 : 1e-4;
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
        expect(worst, tensorName).toBeLessThan(tolerance);
      }
    });
  });
}

describe('iclkr run-model --cache', () => {
  it('writes and counts a name given twice once (issue 20)', async () => {
    const out = join(dir, 'twice.safetensors');
    const ids = file(dir, 'twice-ids.json', '[[1, 2, 3]]');
    const name = 'blocks.0.attn.hook_pattern';
    const r = await run(
      'run-model',
      '--model',
      join(fixtures, 'gpt2-tiny'),
      '--input-ids',
      ids,
      '--cache',
      `${name},${name}`,
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ and 1 activation\n$/);
    expect([...(await readSafetensors(out)).tensors.keys()].sort()).toEqual([name, 'logits']);
  });
});

describe('iclkr run-model: bad input is a one-line error, exit 1, nothing written', () => {
  const model = join(fixtures, 'gpt2-tiny');
  const ids = file(dir, 'ids.json', '[[1, 2, 3]]');
  const cases: [string, string[], RegExp][] = [
    [
      'ragged ids',
      ['--model', model, '--input-ids', file(dir, 'ragged.json', '[[1, 2], [3]]')],
      /rows of input ids have different lengths/,
    ],
    ['not JSON', ['--model', model, '--input-ids', file(dir, 'bad.json', '[[1, 2')], /not valid JSON/],
    ['negative id', ['--model', model, '--input-ids', file(dir, 'neg.json', '[[1, -2]]')], /input id -2 is not a non-negative integer/],
    [
      'id outside the vocabulary',
      ['--model', model, '--input-ids', file(dir, 'big.json', '[[1, 600]]')],
      /token id 600 is outside the vocabulary \[0, 512\)/,
    ],
    [
      'too many positions',
      ['--model', model, '--input-ids', file(dir, 'long.json', JSON.stringify([Array.from({ length: 65 }, () => 1)]))],
      /65 positions but the model accepts at most 64/,
    ],
    [
      'unknown activation',
      ['--model', model, '--input-ids', ids, '--cache', 'blocks.9.attn.hook_pattern'],
      /no activation named 'blocks\.9\.attn\.hook_pattern'/,
    ],
    ['missing model folder', ['--model', join(dir, 'nope'), '--input-ids', ids], /nope/],
    ['missing ids file', ['--model', model, '--input-ids', join(dir, 'none.json')], /none\.json: no such file/],
    [
      'unsupported model type',
      ['--model', modelDir('mamba'), '--input-ids', ids],
      /model_type "mamba" is not supported \(supported: gpt2, llama, qwen2, gpt_neox\)/,
    ],
    ['folder without config.json', ['--model', dir, '--input-ids', ids], /config\.json: no such file/],
  ];
  for (const [name, args, pattern] of cases) {
    it(name, async () => {
      const out = join(dir, `out-${name.replace(/\W+/g, '-')}.safetensors`);
      expectCleanFailure(await run('run-model', ...args, '--out', out), pattern, out);
    });
  }
  it('requires --model, --input-ids and --out', async () => {
    expectCleanFailure(await run('run-model', '--input-ids', ids, '--out', join(dir, 'x.st')), /missing --model/);
    expect(existsSync(join(dir, 'x.st'))).toBe(false);
  });
});

function modelDir(modelType: string): string {
  const d = join(tempDir(), 'model');
  mkdirSync(d);
  writeFileSync(join(d, 'config.json'), JSON.stringify({ model_type: modelType }));
  return d;
}
