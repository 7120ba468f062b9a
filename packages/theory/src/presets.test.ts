import { OptionError } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { PRESET_NAMES, PRESETS, presetParams, worldFromPreset } from './presets.js';

describe('presets', () => {
  it('lists paper-table3, ginc, classify and recall', () => {
    expect(PRESET_NAMES).toEqual(['paper-table3', 'ginc', 'classify', 'recall']);
  });

  it('builds valid worlds of the documented sizes, recording the seed', () => {
    const sizes = { 'paper-table3': [8, 80, 100], ginc: [10, 100, 50], classify: [256, 35, 67], recall: [256, 11, 35] };
    for (const name of PRESET_NAMES) {
      const w = worldFromPreset(name, 7);
      expect([w.tasks.length, w.d, w.m]).toEqual(sizes[name]);
      expect(w.spec.name).toBe(name);
      expect(w.spec.generator?.seed).toBe(7);
    }
  });

  it('is deterministic by seed', () => {
    expect(PRESETS.ginc(3)).toEqual(PRESETS.ginc(3));
    expect(PRESETS.ginc(3).tasks[0].start).not.toEqual(PRESETS.ginc(4).tasks[0].start);
  });

  it('names the valid presets when the name is unknown', () => {
    expect(() => worldFromPreset('gnic', 1)).toThrow(OptionError);
    expect(() => worldFromPreset('gnic', 1)).toThrow("unknown world preset 'gnic'");
    let error: unknown;
    try {
      worldFromPreset('toString', 1);
    } catch (e) {
      error = e;
    }
    expect((error as OptionError).fix).toBe('use one of paper-table3, ginc, classify, recall');
  });

  it("lists each preset's generator parameters with the preset's values", () => {
    expect(presetParams('paper-table3')).toEqual({
      tasks: 8,
      states: 80,
      tokens: 100,
      transitionConcentration: 0.006,
      emissionConcentration: 0.006,
      delimiterProbability: 0.05,
    });
    expect(Object.keys(presetParams('ginc'))).toEqual([
      'n_values',
      'n_slots',
      'n_symbols',
      'transition_temp',
      'start_temp',
      'value_identity_coeff',
      'n_hmms',
    ]);
    expect(presetParams('recall')).toMatchObject({ inputTokens: 32, inputLength: 1, labellings: 192 });
  });

  it('overrides generator parameters and records them', () => {
    const w = worldFromPreset('paper-table3', 7, { transitionConcentration: 1, tasks: 4 });
    expect(w.spec.generator).toMatchObject({ transitionConcentration: 1, emissionConcentration: 0.006, tasks: 4, seed: 7 });
    expect(w.tasks).toHaveLength(4);
    expect(worldFromPreset('classify', 1, { classes: 4, labellings: 'fresh', oodLabellings: 0 }).tasks).toHaveLength(16);
  });

  it('rejects unknown parameters and bad values with one-line errors', () => {
    expect(() => worldFromPreset('paper-table3', 1, { alpha: 1 })).toThrow("preset paper-table3 has no parameter 'alpha'");
    let error: unknown;
    try {
      worldFromPreset('ginc', 1, { states: 10 });
    } catch (e) {
      error = e;
    }
    expect((error as OptionError).fix).toBe(
      'use one of n_values, n_slots, n_symbols, transition_temp, start_temp, value_identity_coeff, n_hmms',
    );
    expect(() => worldFromPreset('paper-table3', 1, { tasks: 'x' })).toThrow('randomWorld: tasks x is not an integer >= 1');
    expect(() => worldFromPreset('paper-table3', 1, { emissionConcentration: -1 })).toThrow(
      'randomWorld: emissionConcentration -1 is not in (0, inf)',
    );
  });
});
