/**
 * @iclkr/probing — transformer language models you can look inside: components with
 * TransformerLens hook points composed by a configuration, GPT-2 and Llama built from Hugging Face
 * checkpoints, activation caches. Loading from disk is in `@iclkr/probing/node`.
 */

/** Model configuration: sizes plus the choice of normalisation, positions and MLP, and its check. */
export { checkModelConfig, type ModelConfig } from './config.js';
/** Hook points and the activation cache a forward pass fills, by TransformerLens name. */
export { type ActivationCache, type HookFilter, HookPoints } from './hooks.js';
/** Parameters by TransformerLens name ([in, out] weights), the checked reader components take them from, and x W + b. */
export { linear, type ParamMap, ParamReader } from './params.js';
/** Token embedding (`embed.W_E`, hook `hook_embed`). */
export { Embed } from './components/embed.js';
/** Learned positional embedding (`pos_embed.W_pos`, hook `hook_pos_embed`). */
export { PosEmbed } from './components/pos-embed.js';
/** Rotary position embedding, Hugging Face rotate-half layout. */
export { RotaryEmbedding } from './components/rotary-embeddings.js';
/** LayerNorm (weight, bias, eps). */
export { LayerNorm } from './components/layer-norm.js';
/** RMSNorm (weight, eps). */
export { RMSNorm } from './components/rms-norm.js';
/** Causal attention with grouped-query support and hooks q/k/v/rot_q/rot_k/attn_scores/pattern/z. */
export { Attention, type AttentionShape } from './components/attention.js';
/** GPT-2 MLP with gelu_new, and gelu_new itself. */
export { geluNew, MLP } from './components/mlp.js';
/** SwiGLU gated MLP (Llama). */
export { GatedMLP } from './components/gated-mlp.js';
/** Pre-norm transformer block and the normalisation factory the config drives. */
export { makeNorm, TransformerBlock } from './components/transformer-block.js';
/** Unembedding to logits (tied models pass W_E transposed). */
export { Unembed } from './components/unembed.js';
/** The transformer assembled from components: `run(ids, { cache })` gives logits and activations. */
export { type RunOptions, type RunResult, Transformer } from './model.js';
/** A model from a Hugging Face config object and safetensors tensors (gpt2, llama). */
export { checkpointConfig, modelFromCheckpoint, SUPPORTED_MODEL_TYPES } from './from-checkpoint.js';
/** Hugging Face config.json field readers and the checked float32 weight reader the loaders share. */
export { configBool, configInt, configNumber, configOneOf, type HfConfig, readWeight } from './loaders/checkpoint.js';
/** GPT-2 checkpoints: config mapping and checkpoint-name-to-parameter mapping. */
export { gpt2Config, gpt2Params } from './loaders/gpt2.js';
/** Llama checkpoints: config mapping and checkpoint-name-to-parameter mapping. */
export { llamaConfig, llamaParams } from './loaders/llama.js';
/** Tokenizers from Hugging Face files (tokenizer.json, or GPT-2's vocab.json + merges.txt) via Tokenizers.js. */
export { createTokenizer, gpt2TokenizerJson, type Tokenizer, type TokenizerFiles } from './tokenizer.js';
