/** Worlds of model runs: the world a model folder records, read from its JSON. */
import { OptionError } from '@iclkr/core';
import { parseWorldJson, type World } from '@iclkr/theory';

/** The world stored with a model (its world.json, already read as JSON), checked like any world file; `dir` names it in errors. */
export function modelWorld(json: unknown, dir: string): World {
  if (json === undefined) throw new OptionError(`${dir} has no world.json`, 'pass --world PRESET|FILE');
  return parseWorldJson(JSON.stringify(json), `${dir}/world.json`);
}
