/** Named worlds: the paper's Table 3 setting, GINC, and the classification world. */
import { OptionError, Rng } from '@iclkr/core';
import { classifyWorld } from './generators/classify.js';
import { gincWorld } from './generators/ginc.js';
import { randomWorld } from './generators/random.js';
import { compileWorld, type World, type WorldSpec } from './world.js';

/** Records the seed next to the generator's parameters. */
function seeded(spec: WorldSpec, seed: number): WorldSpec {
  return { ...spec, generator: { ...spec.generator, seed } };
}

/** Preset name -> world spec built from a seed (the seed is recorded in `generator`). */
export const PRESETS = {
  /** The paper's Table 3: random HMMs with 8 tasks, 80 states, 100 tokens. */
  'paper-table3': (seed: number) => seeded({ ...randomWorld({ tasks: 8, states: 80, tokens: 100 }, new Rng(seed)), name: 'paper-table3' }, seed),
  /** GINC with the defaults of its released data set (10 concepts, 5 in the pre-training mixture). */
  ginc: (seed: number) => seeded({ ...gincWorld({}, new Rng(seed)), name: 'ginc' }, seed),
  /**
   * The classification world: 8 classes, 2 labels, inputs of 4 tokens; 192 of the 256 labellings
   * make the pre-training mixture, the other 64 are held out (out-of-distribution), and a label is
   * flipped with probability 0.01 so held-out labellings keep a Bayesian answer.
   */
  classify: (seed: number) =>
    seeded({ ...classifyWorld({ labellings: 192, oodLabellings: 64, labelNoise: 0.01 }, new Rng(seed)), name: 'classify' }, seed),
  /**
   * The classification world with one-token inputs (in-context associative recall with noisy class
   * tokens): 8 classes each emitting 4 of 32 input tokens, 2 labels, 192 labellings in pre-training
   * and 64 held out, label noise 0.01. The world our default model learns similarity-based ICL in.
   */
  recall: (seed: number) =>
    seeded(
      {
        ...classifyWorld({ inputTokens: 32, inputLength: 1, sparsity: 0.125, labellings: 192, oodLabellings: 64, labelNoise: 0.01 }, new Rng(seed)),
        name: 'recall',
      },
      seed,
    ),
} as const satisfies Record<string, (seed: number) => WorldSpec>;

/** A preset's name. */
export type PresetName = keyof typeof PRESETS;

/** Names of the presets, in listing order. */
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** The compiled world of preset `name` built from `seed`; an unknown name is an OptionError listing the valid ones. */
export function worldFromPreset(name: string, seed: number): World {
  if (!Object.hasOwn(PRESETS, name)) {
    throw new OptionError(`unknown world preset '${name}'`, `use one of ${PRESET_NAMES.join(', ')}`);
  }
  return compileWorld(PRESETS[name as PresetName](seed), `preset ${name}`);
}
