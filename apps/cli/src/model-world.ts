/** Worlds of model runs: a --world option (preset or file) and the world a model folder records. */
import { OptionError } from '@iclkr/core';
import { PRESET_NAMES, parseWorldJson, type World, worldFromPreset } from '@iclkr/theory';
import { loadWorld } from '@iclkr/theory/node';

/** The world named by a --world value: a preset name (seeded by `seed`) or a world JSON file. */
export async function resolveWorld(spec: string, seed: number): Promise<World> {
  return (PRESET_NAMES as readonly string[]).includes(spec) ? worldFromPreset(spec, seed) : loadWorld(spec);
}

/** The world stored in model folder `dir` (its world.json, already read as JSON), checked like any world file. */
export function modelWorld(json: unknown, dir: string): World {
  if (json === undefined) throw new OptionError(`${dir} has no world.json`, 'pass --world PRESET|FILE');
  return parseWorldJson(JSON.stringify(json), `${dir}/world.json`);
}
