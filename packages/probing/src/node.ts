/**
 * @iclkr/probing/node — the Node-only part of probing: loading model folders from disk.
 */

/** Loads a Hugging Face model folder (config.json + model.safetensors; gpt2 or llama). */
export { loadModel } from './load-model.js';
/** Loads a tokenizer folder (tokenizer.json + tokenizer_config.json, or vocab.json + merges.txt). */
export { loadTokenizer } from './tokenizer-node.js';
/** Our GPT's checkpoint folders: config.json, model.safetensors, world.json, training state; every tensor checked on load. */
export { loadGptCheckpoint, saveGptCheckpoint } from './gpt/checkpoint-node.js';
/** The checkpoint's file names, model type, types and config parser (also in the main entry, with the loader from bytes). */
export { GPT_FILES, GPT_MODEL_TYPE, type GptCheckpoint, type GptCheckpointExtras, parseGptConfigJson } from './gpt/checkpoint.js';
/**
 * Activations computed elsewhere (prompts.json + activations.safetensors, docs/activations.md),
 * read prompt by prompt for the probing analyses.
 */
export { ACTIVATIONS_FORMAT, type ActivationsMeta, type ActivationsSource, openActivations } from './activations-node.js';
