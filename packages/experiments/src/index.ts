/**
 * @iclkr/experiments — the paper's experiments, each one function from typed settings to a typed
 * report, and one Vega-Lite spec per figure. Everything here also runs in a browser (a Web
 * Worker); file writing is in `@iclkr/experiments/node`.
 */

/** The io an experiment talks through: progress, an AbortSignal and a log. */
export { type ExperimentIo, silentIo } from './io.js';
