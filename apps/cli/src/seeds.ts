/** The seeds an experiment command runs on: `--seeds`, or the one `--seed`. */
import { OptionError } from '@iclkr/core';

/** The seeds of a run: --seeds when given (refused beside an explicit --seed), else the one --seed. */
export function seedsOf(values: { readonly seed: number; readonly seeds?: number[]; readonly given: ReadonlySet<string> }): number[] {
  if (values.seeds === undefined) return [values.seed];
  if (values.given.has('seed')) throw new OptionError('--seed and --seeds both given', 'pass --seeds S1,S2,... (or LOW-HIGH) alone');
  return values.seeds;
}
