/** The built-in model (models/default) and the world it was trained on, as the experiments' tests load them. */
import { fileURLToPath } from 'node:url';
import type { HookedModel } from '@iclkr/probing';
import { loadGptCheckpoint } from '@iclkr/probing/node';
import type { World } from '@iclkr/theory';
import { modelWorld } from '../src/world.js';

/** The built-in model's folder. */
export const DEFAULT_MODEL = fileURLToPath(new URL('../../../models/default', import.meta.url));

/** Loads the built-in model and its world; the caller disposes the model. */
export async function loadDefaultModel(): Promise<{ model: HookedModel; world: World }> {
  const checkpoint = await loadGptCheckpoint(DEFAULT_MODEL);
  return { model: checkpoint.model, world: modelWorld(checkpoint.world, DEFAULT_MODEL) };
}
