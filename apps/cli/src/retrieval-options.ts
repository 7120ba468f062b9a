/** The options that choose demonstrations for text prompts (`probe --retrieval`, `retrieve --strategy`). */
import { MODEL_POOL_DEFAULT } from '@iclkr/experiments';
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
