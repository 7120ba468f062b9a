import { OptionError } from '@iclkr/core';
import { PRESET_NAMES, type PresetName, type World, worldFromPreset } from '@iclkr/theory';
import { loadWorld } from '@iclkr/theory/node';
import { choiceOption, type OptionSpec, type OptionValues } from './args.js';

/** The --preset and --world options of commands that run on a world. */
export const WORLD_OPTIONS: Record<string, OptionSpec> = {
  preset: { type: 'string', placeholder: PRESET_NAMES.join('|'), description: 'build the world from a preset (seeded by --seed)' },
  world: { type: 'string', placeholder: 'FILE', description: 'read the world from a JSON file instead of a preset' },
};

/** Where a command's world comes from: exactly one of a preset or a file. */
export interface WorldSource {
  readonly preset?: PresetName;
  readonly path?: string;
  /** Builds (preset, seeded) or loads (file) the world. */
  load(seed: number): Promise<World>;
}

/** Reads --preset / --world: exactly one must be given. */
export function worldSource(values: OptionValues): WorldSource {
  const preset = choiceOption(values, 'preset', PRESET_NAMES);
  const path = typeof values.world === 'string' ? values.world : undefined;
  if (preset !== undefined && path !== undefined) throw new OptionError('--preset and --world both given', 'pass one of them');
  if (preset !== undefined) return { preset, load: async (seed) => worldFromPreset(preset, seed) };
  if (path !== undefined) return { path, load: () => loadWorld(path) };
  throw new OptionError('missing --preset or --world', `pass --preset ${PRESET_NAMES.join('|')} or --world FILE`);
}
