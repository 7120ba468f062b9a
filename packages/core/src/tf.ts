/**
 * The single tfjs instance every package uses. Importing tfjs through core guarantees one engine
 * (one registry of backends and tensors) however packages are bundled.
 */
export * as tf from '@tensorflow/tfjs';
