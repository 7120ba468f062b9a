/** Worlds of model runs: the world a model folder records, read from its JSON. */
import { OptionError } from '@iclkr/core';
import { parseWorldJson, type World } from '@iclkr/theory';

/** Refuses a model whose vocabulary cannot hold the world's tokens; `verb` says what the caller does (e.g. `evaluate`). */
export function checkWorldVocabulary(model: { readonly config: { readonly vocabSize: number } }, world: World, verb: string): void {
  if (model.config.vocabSize < world.m) {
    throw new OptionError(
      `the model's vocabulary (${model.config.vocabSize}) is smaller than the world's (${world.m})`,
      `${verb} the model on the world it was trained on`,
    );
  }
}

/** The world stored with a model (its world.json, already read as JSON), checked like any world file; `dir` names it in errors. */
export function modelWorld(json: unknown, dir: string): World {
  if (json === undefined) throw new OptionError(`${dir} has no world.json`, 'pass --world PRESET|FILE');
  return parseWorldJson(JSON.stringify(json), `${dir}/world.json`);
}
