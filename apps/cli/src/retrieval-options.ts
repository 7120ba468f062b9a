/** The options that choose demonstrations for text prompts (`probe --retrieval`, `retrieve --strategy`). */
import { OptionError } from '@iclkr/core';
import { MODEL_POOL_DEFAULT, parseHead, type RetrievalSettings } from '@iclkr/experiments';
import { DEMONSTRATION_ORDERS, RETRIEVAL_STRATEGY_NAMES } from '@iclkr/retrieval';

/** The help line of a strategy option. */
export const STRATEGY_DESCRIPTION = `how demonstrations are chosen: ${RETRIEVAL_STRATEGY_NAMES.join(', ')} (docs/retrieval.md)`;

/** The prompt order of the chosen demonstrations and the pool subset they are chosen from. */
export const ORDER_AND_POOL_OPTIONS = {
  order: {
    kind: 'choice',
    choices: DEMONSTRATION_ORDERS,
    description: 'prompt order of the chosen demonstrations: as chosen, by ascending score (the best next to the query), or shuffled',
    default: 'selected',
  },
  pool: {
    kind: 'int',
    min: 1,
    max: 10_000_000,
    placeholder: 'N',
    description:
      `choose from a seeded random subset of N --demos examples (default: all of them; ` +
      `${MODEL_POOL_DEFAULT} for model-kernel and in-distribution, which run each through the model)`,
  },
} as const;

/** The options of single strategies: hidden-knn's layer, attention-kernel's head and key position. */
export const SELECTOR_OPTIONS = {
  layer: {
    kind: 'int',
    min: 0,
    max: 1_000,
    placeholder: 'L',
    description: 'hidden-knn: the hidden-state layer (default: the middle one)',
  },
  head: {
    kind: 'string',
    placeholder: 'L.H',
    description: "attention-kernel: the head, layer.head from 0 (iclkr compare-retrievers chooses the probe's best head)",
  },
  'key-position': {
    kind: 'choice',
    choices: ['label', 'delimiter'],
    description: "attention-kernel: where each demonstration's key is read (default: its label)",
  },
} as const;

/** Which strategies read each selector option (any other refuses it). */
const SELECTOR_OPTION_STRATEGIES: Readonly<Record<keyof typeof SELECTOR_OPTIONS, readonly string[]>> = {
  layer: ['hidden-knn'],
  head: ['attention-kernel'],
  'key-position': ['attention-kernel'],
};

/** The values of the selector options as parsed. */
interface SelectorValues {
  readonly given: ReadonlySet<string>;
  readonly layer?: number;
  readonly head?: string;
  readonly 'key-position'?: string;
}

/**
 * The selector options as retrieval settings, checked against the strategy: an option another
 * strategy reads is refused, and attention-kernel needs its head.
 */
export function selectorSettings(values: SelectorValues, strategy: string): Pick<RetrievalSettings, 'layer' | 'head' | 'keyPosition'> {
  for (const [option, strategies] of Object.entries(SELECTOR_OPTION_STRATEGIES)) {
    if (values.given.has(option) && !strategies.includes(strategy))
      throw new OptionError(`--${option} applies to the ${strategies.join(' or ')} strategy only`, `drop --${option}`);
  }
  if (strategy === 'attention-kernel' && values.head === undefined)
    throw new OptionError(
      'attention-kernel needs a head: --head L.H',
      "pass --head L.H (iclkr compare-retrievers chooses the probe's best head itself; iclkr probe prints the best heads)",
    );
  return {
    layer: values.layer,
    head: values.head === undefined ? undefined : parseHead(values.head),
    keyPosition: values['key-position'] as 'label' | 'delimiter' | undefined,
  };
}
