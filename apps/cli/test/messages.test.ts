// Messages that name the problem and the fix in the CLI's words (issue 20): counts beyond a stated
// maximum, probes with fewer prompts than folds, and model folders of the wrong kind. Every case
// here is refused before any model runs.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OptionSpecs } from '../src/args.js';
import { COMMANDS } from '../src/cli.js';
import { defaultModelDir } from '../src/default-model.js';
import { expectCleanFailure, file, run, sharedData, tempDir } from './run.js';

const dir = tempDir();
const HUGE = '99999999999';

describe('counts', () => {
  it('every count option of every command declares its maximum', () => {
    for (const command of COMMANDS) {
      const options: OptionSpecs = command.options;
      for (const [name, spec] of Object.entries(options))
        if (spec.kind === 'int' || spec.kind === 'ints') expect(spec.max, `${command.name} --${name}`).toBeDefined();
    }
  });

  it('a very large count names the minimum and the maximum (it was "internal error: Invalid typed array length")', async () => {
    const cases: [string[], RegExp][] = [
      [['demo', '--train', HUGE], /--train 99999999999 is not an integer in \[2, 20000\]; pass --train as an integer in \[2, 20000\]$/],
      [['icl', '--prompts', HUGE], /--prompts 99999999999 is not an integer in \[1, 100000\]/],
      [['probe', '--prompts', HUGE], /--prompts 99999999999 is not an integer in \[2, 100000\]/],
      [['simulate', '--preset', 'classify', '--sigma-samples', HUGE], /--sigma-samples 99999999999 is not an integer in \[2, 50000\]/],
      [
        ['simulate', '--preset', 'classify', '--shots', `1,${HUGE}`],
        /--shots 1,99999999999 is not a comma-separated list of integers in \[0, 10000\]/,
      ],
      [
        ['generate', '--preset', 'ginc', '--docs', HUGE, '--out', join(dir, 'never')],
        /--docs 99999999999 is not an integer in \[1, 10000000\]/,
      ],
    ];
    for (const [args, pattern] of cases) expectCleanFailure(await run(...args), pattern);
  });
});

describe('probe --probe-prompts', () => {
  it('fewer probe prompts than the 5 folds is refused up front, naming the option that limits them', async () => {
    expectCleanFailure(
      await run('probe', '--prompts', '2', '--probe-prompts', '2'),
      /--probe-prompts 2 gives the key\/value probes 2 prompts, fewer than the 5 their folds need; pass --probe-prompts 0 to skip the probes, or --probe-prompts 5 or more$/,
    );
    expectCleanFailure(await run('probe', '--probe-prompts', '4'), /--probe-prompts 4 gives the key\/value probes 4 prompts/);
    expectCleanFailure(await run('probe', '--prompts', '3'), /--prompts 3 gives the key\/value probes 3 prompts.*or --prompts 5 or more$/);
  });
});

describe('model folders of the wrong kind', () => {
  const hf = join(sharedData, '../fixtures/gpt2-tiny');
  const data = file(dir, 'data.tsv', 'sentence\tlabel\na good film\t1\na bad film\t0\n');

  it('a Hugging Face folder where a task-world model runs names the CLI options, not loadModel', async () => {
    expectCleanFailure(
      await run('icl', '--model', hf),
      /--model .*gpt2-tiny is a Hugging Face gpt2 model, which reads text, not task-world tokens; icl scores our GPT on its task world/,
    );
    expectCleanFailure(await run('probe', '--model', hf), /is a Hugging Face gpt2 model.*; probe it on text with --data FILE --demos FILE/);
  });

  it('our task-world model where text is scored says so (it said "download the model\'s tokenizer files")', async () => {
    const builtIn = defaultModelDir();
    expectCleanFailure(
      await run('retrieve', '--demos', data, '--data', data, '--strategy', 'model-kernel', '--shots', '1', '--model', builtIn),
      /--model .*models\/default is a task-world model \(our GPT, trained on world tokens\) without text: it has no tokenizer; pass --model with a Hugging Face/,
    );
    expectCleanFailure(
      await run('probe', '--data', data, '--demos', data, '--shots', '1'),
      /the built-in model \(.*models\/default\) is a task-world model .* without text/,
    );
  });
});
