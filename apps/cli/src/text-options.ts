/** The options of commands that build text prompts (probe, insights, compare-retrievers): the pool, template, label words and tokenizer. */
import { DEFAULT_TEMPLATE } from '@iclkr/probing';

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
