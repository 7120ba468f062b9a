/**
 * @iclkr/core — shared types and schemas, tensor backend selection, seeded randomness,
 * dataset and safetensors I/O, typed errors and report schemas.
 */

/** Typed errors: every one carries the fix the user should apply. */
export {
  BackendError,
  DataError,
  IclkrError,
  OptionError,
  SafetensorsError,
  ShapeError,
} from './errors.js';
/** Dense row-major float32 matrices, the feature format every package shares. */
export { type Matrix, matrixFromRows, matrixRow } from './matrix.js';
