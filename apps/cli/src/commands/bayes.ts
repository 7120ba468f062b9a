import { DataError } from '@iclkr/core';
import { BAYES_MODES, bayesPredictive, type IclPrompt } from '@iclkr/theory';
import { loadWorld } from '@iclkr/theory/node';
import { readInputFile } from '@iclkr/core/node';
import { defineCommand } from '../command.js';
import { writeOutput } from '../output.js';

const PROMPT_FIX = 'write one prompt per line as { "demos": [[[x tokens...], y], ...], "query": [x_test tokens...] }';

/** Reads a JSONL prompts file: the prompts and the line each came from (blank lines skipped). */
async function readPrompts(path: string): Promise<{ prompts: IclPrompt[]; lines: number[] }> {
  const text = new TextDecoder().decode(await readInputFile(path));
  const prompts: IclPrompt[] = [];
  const lines: number[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new DataError(path, i + 1, `not valid JSON (${(error as Error).message.split('\n')[0]})`, PROMPT_FIX);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new DataError(path, i + 1, 'a prompt must be a JSON object', PROMPT_FIX);
    }
    prompts.push(value as IclPrompt);
    lines.push(i + 1);
  });
  if (prompts.length === 0) throw new DataError(path, undefined, 'holds no prompts', PROMPT_FIX);
  return { prompts, lines };
}

/** `iclkr bayes`: the exact Bayesian predictive of ICL prompts in a world. */
export const bayesCommand = defineCommand({
  name: 'bayes',
  summary:
    'Exact Bayesian predictive of ICL prompts in a world (HMM task mixture): for each prompt of a\n' +
    'JSONL file, P(task | prompt) and P(next token | prompt), one JSON line per prompt, in order.',
  options: {
    world: {
      kind: 'string',
      role: 'input',
      required: true,
      placeholder: 'FILE',
      description: 'the world (JSON: tokens, states, delimiter, transition, emission, tasks)',
    },
    prompts: {
      kind: 'string',
      role: 'input',
      required: true,
      placeholder: 'FILE',
      description: 'prompts, one JSON object per line: {"demos": [[[x...], y], ...], "query": [x...]}',
    },
    mode: {
      kind: 'choice',
      choices: BAYES_MODES,
      description: 'restart: each x_i y_i and the query start afresh (delimiters unscored); continuous: one sequence',
      default: 'restart',
    },
    'labels-only': { kind: 'boolean', description: "restrict the predictive to the world's label tokens and renormalise" },
    out: {
      kind: 'string',
      role: 'output-file',
      placeholder: 'FILE',
      description: 'write the JSON lines to FILE (atomically) instead of stdout',
    },
  },
  async run(values, context) {
    const { world: worldPath, prompts: promptsPath, mode } = values;
    const world = await loadWorld(worldPath);
    const { prompts, lines } = await readPrompts(promptsPath);
    const bar = context.progress('bayes');
    const results = bayesPredictive(world, prompts, {
      mode,
      labelsOnly: values['labels-only'],
      source: promptsPath,
      lines,
      onProgress: (done, total) => bar.update(done, total),
    });
    bar.finish();
    const text = results.map((r) => `${JSON.stringify(r)}\n`).join('');
    if (values.out !== undefined) await writeOutput(values.out, text);
    else context.stdout.write(text);
  },
});
