/** The options of commands that build text prompts (probe, insights, compare-retrievers): the pool, template, label words and tokenizer. */
import { OptionError } from '@iclkr/core';
import { loadTextDataset } from '@iclkr/core/node';
import { checkTextData, checkVocabulary, labelWords, type TextPromptParts } from '@iclkr/experiments';
import { DEFAULT_TEMPLATE, type HookedModel } from '@iclkr/probing';
import { loadModel } from '@iclkr/probing/node';
import { modelName, textTokenizer } from './models.js';

/** --model of the commands that run on a task world or, with --data, on text. */
export const WORLD_OR_TEXT_MODEL_OPTION = {
  kind: 'string',
  role: 'input',
  placeholder: 'DIR',
  description:
    'model folder: `iclkr pretrain` output, or with --data a Hugging Face GPT-2, Llama, Qwen2 or GPT-NeoX folder ' +
    '(default: the built-in model)',
} as const;

/** --data of such a command: `what` runs on text instead (e.g. `ablate`). */
export function dataOption(what: string) {
  return {
    kind: 'string',
    role: 'input',
    placeholder: 'FILE',
    description: `${what} on text instead: the examples whose queries are scored (e.g. ../shared/data/sst2/glue-dev.tsv)`,
  } as const;
}

/** With `--data`: where demonstrations come from and how a prompt is written. */
export const TEXT_PROMPT_OPTIONS = {
  demos: {
    kind: 'string',
    role: 'input',
    placeholder: 'FILE',
    description: 'with --data: the pool demonstrations are drawn from (e.g. ../shared/data/sst2/stsa.binary.train)',
  },
  template: {
    kind: 'string',
    placeholder: 'T',
    description: 'with --data: a demonstration line with {x} and {y}',
    default: DEFAULT_TEMPLATE,
  },
  'label-words': {
    kind: 'string',
    placeholder: 'W1,W2,...',
    description: 'with --data: the word of each class, in class order (default: the class names)',
  },
  tokenizer: {
    kind: 'string',
    role: 'input',
    placeholder: 'DIR',
    description: 'with --data: tokenizer folder (default: the model folder)',
  },
} as const;

/**
 * Refuses an option of the other prompt kind: with `--data` (text), any of `worldOnly`; without it,
 * any of `textOnly`. `verb` names what the command does with the prompts (e.g. `probe`).
 */
export function checkPromptKind(
  given: ReadonlySet<string>,
  text: boolean,
  options: { readonly worldOnly: readonly string[]; readonly textOnly: readonly string[]; readonly verb: string },
): void {
  const clash = (text ? options.worldOnly : options.textOnly).find((name) => given.has(name));
  if (clash === undefined) return;
  throw new OptionError(
    text ? `--${clash} applies to task worlds only, not to --data` : `--${clash} applies to text prompts only (with --data)`,
    text
      ? `drop --${clash} to ${options.verb} text, or drop --data to ${options.verb} a world`
      : `pass --data and --demos to ${options.verb} text, or drop it`,
  );
}

/** The text prompt options as parsed. */
interface TextPromptValues {
  readonly demos?: string;
  readonly template: string;
  readonly 'label-words'?: string;
  readonly tokenizer?: string;
}

/**
 * What `--data FILE` with the text prompt options names: the data and the pool loaded and checked
 * (same label set, no empty texts), the label words, the tokenizer and the model, whose vocabulary
 * must cover the tokenizer's. The caller disposes the model.
 */
export async function loadTextPrompts(
  values: TextPromptValues,
  data: string,
  modelDir: string,
  modelGiven: boolean,
): Promise<{ readonly parts: TextPromptParts; readonly model: HookedModel }> {
  if (values.demos === undefined)
    throw new OptionError(
      '--data needs --demos FILE, the pool demonstrations are drawn from',
      'pass --demos with a training split of the same task',
    );
  const dataset = await loadTextDataset(data);
  const demos = await loadTextDataset(values.demos);
  checkTextData(dataset, demos);
  const words = labelWords(dataset, values['label-words']);
  const tokenizer = await textTokenizer(modelDir, modelName(modelDir, modelGiven), values.tokenizer);
  const model = await loadModel(modelDir);
  checkVocabulary(tokenizer, model);
  return {
    parts: { tokenizer, data: dataset, dataName: data, demos, demosName: values.demos, template: values.template, labelWords: words },
    model,
  };
}
