import { OptionError } from '@iclkr/core';
import { PRESET_NAMES, type PresetName, type PresetParams, type World, worldFromPreset } from '@iclkr/theory';
import { loadWorld } from '@iclkr/theory/node';
import type { OptionValues } from './args.js';

/** The --preset, --world and --param options of commands that run on a world. */
export const WORLD_OPTIONS = {
  preset: {
    kind: 'choice',
    choices: PRESET_NAMES,
    placeholder: PRESET_NAMES.join('|'),
    description: 'build the world from a preset (seeded by --seed)',
  },
  world: { kind: 'string', role: 'input', placeholder: 'FILE', description: 'read the world from a JSON file instead of a preset' },
  param: {
    kind: 'string',
    placeholder: 'NAME=V,...',
    description:
      "override the preset's generator parameters, e.g. " +
      "transitionConcentration=1,emissionConcentration=1 (an unknown NAME lists the preset's)",
  },
} as const;

/** The --world option of commands that run a trained model on task-world prompts (default: the world it was trained on). */
export const MODEL_WORLD_OPTION = {
  kind: 'string',
  role: 'input',
  placeholder: 'PRESET|FILE',
  description: `world of the prompts: ${PRESET_NAMES.join(', ')} or a world JSON file (default: the model's own)`,
} as const;

/** The --length option of those commands: the input length k of a world's prompts. */
export const WORLD_LENGTH_OPTION = {
  kind: 'int',
  min: 1,
  max: 1_000,
  placeholder: 'K',
  description: "input length k in a world (default: the world's inputLength, else 3)",
} as const;

/** Where a command's world comes from: exactly one of a preset or a file. */
export interface WorldSource {
  readonly preset?: PresetName;
  readonly path?: string;
  /** Generator parameters overriding the preset's (--param). */
  readonly params?: PresetParams;
  /** Builds (preset, seeded) or loads (file) the world. */
  load(seed: number): Promise<World>;
}

/** Parses --param NAME=VALUE,...: numbers where the value is one, else the string (e.g. labellings=fresh). */
function presetParamsOption(text: string): PresetParams {
  const params: Record<string, number | string> = {};
  for (const item of text.split(',')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\S+)\s*$/.exec(item);
    if (match === null) throw new OptionError(`--param '${item}' is not NAME=VALUE`, 'pass --param NAME=VALUE[,NAME=VALUE...]');
    const [, name, value] = match;
    if (Object.hasOwn(params, name)) throw new OptionError(`--param sets ${name} twice`, 'set each parameter once');
    params[name] = Number.isFinite(Number(value)) ? Number(value) : value;
  }
  return params;
}

/** Reads --preset / --world (exactly one must be given) and --param (with --preset only). */
export function worldSource(values: OptionValues<typeof WORLD_OPTIONS>): WorldSource {
  const { preset, world: path } = values;
  if (preset !== undefined && path !== undefined) throw new OptionError('--preset and --world both given', 'pass one of them');
  const params = values.param !== undefined ? presetParamsOption(values.param) : undefined;
  if (params !== undefined && preset === undefined)
    throw new OptionError('--param needs --preset', 'set the parameters in the world file, or use --preset');
  if (preset !== undefined) return { preset, params, load: async (seed) => worldFromPreset(preset, seed, params) };
  if (path !== undefined) return { path, load: () => loadWorld(path) };
  throw new OptionError('missing --preset or --world', `pass --preset ${PRESET_NAMES.join('|')} or --world FILE`);
}
