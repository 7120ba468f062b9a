/** The theory playground's form: its fields, their defaults (the CLI's), and the check of each field before anything runs. */
import { PRESET_NAMES, presetParams, THEOREM_KERNEL_DEFAULTS } from '@iclkr/theory';
import type { PageBackend, SimulationRequest } from './protocol.js';

/** The form as typed: every field a string. */
export interface FormValues {
  readonly preset: string;
  readonly params: Readonly<Record<string, string>>;
  readonly shots: string;
  readonly prompts: string;
  readonly kernel: string;
  readonly seed: string;
  readonly sigmaSamples: string;
  readonly backend: PageBackend;
}

/** The longest prompt the page simulates (demonstrations n): the exact predictive's cost grows with n. */
export const MAX_SHOTS = 512;
/** The most prompts per n the page runs. */
export const MAX_PROMPTS = 5000;

/** The presets the page offers. */
export const PRESETS = PRESET_NAMES;

/** The form of a preset with its generator parameters, and the CLI's defaults (prompts fewer than its 200, to stay quick). */
export function defaultForm(preset: string): FormValues {
  return {
    preset,
    params: Object.fromEntries(Object.entries(presetParams(preset as never)).map(([k, v]) => [k, String(v)])),
    shots: '1,2,4,8,16',
    prompts: '50',
    kernel: 'auto',
    seed: '0',
    sigmaSamples: String(THEOREM_KERNEL_DEFAULTS.samples),
    backend: 'wasm',
  };
}

/** A field's problem, in words, by field name (`param.NAME` for generator parameters). */
export type FieldErrors = Record<string, string>;

const isInt = (text: string) => /^\s*\d+\s*$/.test(text);

/** What is wrong with a generator parameter's value, or null: concentrations and temperatures > 0, shares in [0, 1], counts whole. */
function paramProblem(name: string, preset: number, text: string, value: number): string | null {
  if (text.trim() === '' || !Number.isFinite(value)) return 'a number';
  if (/concentration|temp/i.test(name)) return value > 0 ? null : 'must be > 0';
  if (/noise|probability|sparsity|coeff/i.test(name)) return value >= 0 && value <= 1 ? null : 'between 0 and 1';
  if (Number.isInteger(preset)) {
    const least = /^ood/i.test(name) ? 0 : 1;
    return Number.isInteger(value) && value >= least ? null : `a whole number >= ${least}`;
  }
  return null;
}

/** Checks the form: the request it makes, or each field's problem (nothing runs while there is one). */
export function checkForm(form: FormValues): { request: SimulationRequest } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  const shots = form.shots.split(',').map((s) => s.trim());
  if (shots.some((s) => !isInt(s))) errors.shots = 'give whole numbers n >= 0 separated by commas, e.g. 1,2,4,8';
  else if (shots.some((s) => Number(s) > MAX_SHOTS))
    errors.shots = `n above ${MAX_SHOTS}: the page simulates prompts of at most ${MAX_SHOTS} demonstrations`;
  if (!isInt(form.prompts) || Number(form.prompts) < 2) errors.prompts = 'at least 2 prompts per n';
  else if (Number(form.prompts) > MAX_PROMPTS) errors.prompts = `at most ${MAX_PROMPTS} prompts in the page (the CLI runs more)`;
  if (!isInt(form.seed)) errors.seed = 'a whole number >= 0';
  if (!isInt(form.sigmaSamples) || Number(form.sigmaSamples) < 1) errors.sigmaSamples = 'at least 1 sample';
  const defaults = presetParams(form.preset as never);
  const params: Record<string, number | string> = {};
  for (const [name, text] of Object.entries(form.params)) {
    const preset = defaults[name];
    if (typeof preset !== 'number') {
      if (text !== String(preset)) params[name] = text;
      continue;
    }
    const value = Number(text);
    const problem = paramProblem(name, preset, text, value);
    if (problem !== null) errors[`param.${name}`] = problem;
    else if (value !== preset) params[name] = value;
  }
  if (Object.keys(errors).length > 0) return { errors };
  return {
    request: {
      preset: form.preset,
      params,
      shots: [...new Set(shots.map(Number))].sort((a, b) => a - b),
      prompts: Number(form.prompts),
      ...(form.kernel === 'auto' ? {} : { kernel: form.kernel }),
      seed: Number(form.seed),
      sigmaSamples: Number(form.sigmaSamples),
      backend: form.backend,
    },
  };
}
