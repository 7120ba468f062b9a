/**
 * Training recipes for `iclkr pretrain`: the world, the model and the optimisation that make
 * in-context learning emerge (docs/research/pretraining-icl.md records how they were found).
 */
import type { GptConfig } from '@iclkr/probing';

/** Everything a pre-training run needs besides its output folder. */
export interface Recipe {
  /** World preset name or world JSON file. */
  readonly world: string;
  /** A corpus folder to train on instead of sampling the world (its own world then applies). */
  readonly corpus?: string;
  /** The model, without the vocabulary (taken from the world). */
  readonly model: Omit<GptConfig, 'vocabSize'>;
  readonly batch: number;
  readonly steps: number;
  /** Peak learning rate (AdamW, linear warm-up then cosine decay). */
  readonly lr: number;
  readonly warmup: number;
  /** Loss weight of label targets. */
  readonly labelWeight: number;
  /** Steps between validation loss and the quick ICL probe. */
  readonly evalEvery: number;
  readonly seed: number;
}

const MODEL: Recipe['model'] = { nCtx: 128, nLayers: 2, nHeads: 4, dModel: 64, dMlp: 256, positions: 'alibi', tiedEmbeddings: false };

/**
 * The named recipes: `default` trains the built-in model (about 11 minutes here); `quick` (about 6)
 * shows the onset with label targets weighted 3x.
 */
export const RECIPES = {
  default: { world: 'recall', model: MODEL, batch: 16, steps: 4000, lr: 1e-3, warmup: 60, labelWeight: 1, evalEvery: 250, seed: 0 },
  quick: { world: 'recall', model: MODEL, batch: 16, steps: 2000, lr: 1e-3, warmup: 30, labelWeight: 3, evalEvery: 250, seed: 0 },
} as const satisfies Record<string, Recipe>;

/** A recipe's name. */
export type RecipeName = keyof typeof RECIPES;

/** Names of the recipes. */
export const RECIPE_NAMES = Object.keys(RECIPES) as RecipeName[];
