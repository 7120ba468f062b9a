import pkg from '../package.json' with { type: 'json' };

/** The iclkr version, recorded in every report. */
export const VERSION: string = pkg.version;
