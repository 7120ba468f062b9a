import { PRESET_NAMES, type World, worldFromPreset } from '@iclkr/theory';
import { loadWorld } from '@iclkr/theory/node';

/** The world named by a --world value: a preset name (seeded by `seed`) or a world JSON file. */
export async function resolveWorld(spec: string, seed: number): Promise<World> {
  return (PRESET_NAMES as readonly string[]).includes(spec) ? worldFromPreset(spec, seed) : loadWorld(spec);
}
