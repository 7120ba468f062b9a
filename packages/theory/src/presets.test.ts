import { OptionError } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { PRESET_NAMES, PRESETS, worldFromPreset } from './presets.js';

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
});
