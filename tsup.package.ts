import type { Options } from 'tsup';

/** The build every library package shares: ESM with type declarations for the given entry points. */
export function packageConfig(entry: string[]): Options {
  return { entry, format: ['esm'], dts: true, sourcemap: true, clean: true, target: 'node20' };
}
