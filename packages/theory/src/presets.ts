/** Named worlds: the paper's Table 3 setting, GINC, and the classification world. */
import { OptionError, Rng } from '@iclkr/core';
import { type ClassifyParams, classifyWorld } from './generators/classify.js';
import { type GincParams, gincWorld } from './generators/ginc.js';
import { type RandomWorldParams, randomWorld } from './generators/random.js';
import { compileWorld, type World, type WorldSpec } from './world.js';

/** Records the seed next to the generator's parameters. */
function seeded(spec: WorldSpec, seed: number): WorldSpec {
  return { ...spec, generator: { ...spec.generator, seed } };
}

/** Generator parameters that override a preset's (names as in the generator's params; values checked by the generator). */
export type PresetParams = Readonly<Record<string, number | string>>;

/** Preset name -> world spec built from a seed and parameter overrides (the seed is recorded in `generator`). */
export const PRESETS = {
  /**
   * The paper's Table 3: random HMMs with 8 tasks, 80 states, 100 tokens. The Dirichlet
   * concentration 0.006 (transitions and emissions) reproduces the paper's n = 1 row, which no
   * kernel affects (at n = 1 the normalised estimate is the one demonstration's label):
   * docs/research/theorem-kernel-table3.md, "Calibrating the world to the paper's n = 1 row".
   */
  'paper-table3': (seed: number, params: PresetParams = {}) =>
    seeded(
      {
        ...randomWorld(
          {
            tasks: 8,
            states: 80,
            tokens: 100,
            transitionConcentration: 0.006,
            emissionConcentration: 0.006,
            ...(params as RandomWorldParams),
          },
          new Rng(seed),
        ),
        name: 'paper-table3',
      },
      seed,
    ),
  /** GINC with the defaults of its released data set (10 concepts, 5 in the pre-training mixture). */
  ginc: (seed: number, params: PresetParams = {}) => seeded({ ...gincWorld(params as GincParams, new Rng(seed)), name: 'ginc' }, seed),
  /**
   * The classification world: 8 classes, 2 labels, inputs of 4 tokens; 192 of the 256 labellings
   * make the pre-training mixture, the other 64 are held out (out-of-distribution), and a label is
   * flipped with probability 0.01 so held-out labellings keep a Bayesian answer.
   */
  classify: (seed: number, params: PresetParams = {}) =>
    seeded(
      {
        ...classifyWorld({ labellings: 192, oodLabellings: 64, labelNoise: 0.01, ...(params as ClassifyParams) }, new Rng(seed)),
        name: 'classify',
      },
      seed,
    ),
  /**
   * The classification world with one-token inputs (in-context associative recall with noisy class
   * tokens): 8 classes each emitting 4 of 32 input tokens, 2 labels, 192 labellings in pre-training
   * and 64 held out, label noise 0.01. The world our default model learns similarity-based ICL in.
   */
  recall: (seed: number, params: PresetParams = {}) =>
    seeded(
      {
        ...classifyWorld(
          {
            inputTokens: 32,
            inputLength: 1,
            sparsity: 0.125,
            labellings: 192,
            oodLabellings: 64,
            labelNoise: 0.01,
            ...(params as ClassifyParams),
          },
          new Rng(seed),
        ),
        name: 'recall',
      },
      seed,
    ),
} as const satisfies Record<string, (seed: number, params?: PresetParams) => WorldSpec>;

/** A preset's name. */
export type PresetName = keyof typeof PRESETS;

/** Names of the presets, in listing order. */
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** The generator parameters preset `name` takes, with their values in the preset (the keys its world records in `generator`). */
export function presetParams(name: PresetName): Record<string, unknown> {
  const { name: _generator, seed: _seed, ...params } = PRESETS[name](0).generator ?? {};
  return params;
}

/**
 * The compiled world of preset `name` built from `seed`, with generator parameters overridden by
 * `params`; an unknown preset or parameter name is an OptionError listing the valid ones.
 */
export function worldFromPreset(name: string, seed: number, params: PresetParams = {}): World {
  if (!Object.hasOwn(PRESETS, name)) {
    throw new OptionError(`unknown world preset '${name}'`, `use one of ${PRESET_NAMES.join(', ')}`);
  }
  const preset = name as PresetName;
  const known = Object.keys(presetParams(preset));
  const unknown = Object.keys(params).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw new OptionError(`preset ${name} has no parameter '${unknown[0]}'`, `use one of ${known.join(', ')}`);
  }
  return compileWorld(PRESETS[preset](seed, params), `preset ${name}`);
}
