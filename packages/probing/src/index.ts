/**
 * @iclkr/probing — transformer language models you can look inside: components with
 * TransformerLens hook points composed by a configuration, GPT-2, Llama, Qwen2 and GPT-NeoX built
 * from Hugging Face checkpoints, activation caches. Loading from disk is in `@iclkr/probing/node`.
 */

/** Model configuration: sizes plus the choice of normalisation, positions and MLP, and its check. */
export { checkModelConfig, type ModelConfig } from './config.js';
/** Rotary scaling variants a model configuration can carry (linear, dynamic NTK, llama3, yarn). */
export { ROPE_SCALING_TYPES, type RopeScaling } from './config.js';
/** Hook points and the activation cache a forward pass fills, by TransformerLens name. */
export { type ActivationCache, type HookFilter, HookPoints } from './hooks.js';
/** Interventions a hook point can carry (a replacement of the activation, scoped to one run), and their context. */
export type { Intervention, InterventionContext, Interventions } from './hooks.js';
/** Built-in interventions: zero/mean head ablation (hook_z), the reference-batch head mean, activation patching, attention knock-out and scaling; combine merges them. */
export {
  checkHead,
  combine,
  type HeadAddress,
  type HeadLayout,
  headMean,
  type AttentionScaling,
  type KnockOut,
  knockOut,
  meanAblation,
  patchActivation,
  scaleAttention,
  zeroAblation,
} from './interventions.js';
/** Parameters by TransformerLens name ([in, out] weights), the checked reader components take them from, and x W + b. */
export { linear, type ParamMap, ParamReader } from './params.js';
/** Token embedding (`embed.W_E`, hook `hook_embed`). */
export { Embed } from './components/embed.js';
/** Learned positional embedding (`pos_embed.W_pos`, hook `hook_pos_embed`). */
export { PosEmbed } from './components/pos-embed.js';
/** Fixed sinusoidal position embedding (Vaswani et al.) and its table. */
export { SinusoidalPosEmbed, sinusoidalTable } from './components/pos-embed.js';
/** Rotary position embedding, Hugging Face rotate-half layout, partial (first rotaryDim dimensions) or full, with rope scaling. */
export { RotaryEmbedding, type RotaryOptions } from './components/rotary-embeddings.js';
/** Inverse frequencies and cos/sin scale of RoPE and its scalings, as transformers' modeling_rope_utils computes them (float32). */
export { type RopeFrequencies, ropeFrequencies } from './components/rotary-embeddings.js';
/** LayerNorm (weight, bias, eps). */
export { LayerNorm } from './components/layer-norm.js';
/** RMSNorm (weight, eps). */
export { RMSNorm } from './components/rms-norm.js';
/** Causal attention with grouped-query support and hooks q/k/v/rot_q/rot_k/attn_scores/pattern/z. */
export { Attention, type AttentionShape } from './components/attention.js';
/** ALiBi slopes per head (Press et al.). */
export { alibiSlopes } from './components/attention.js';
/** Two-layer MLP with gelu_new (GPT-2) or exact gelu (GPT-NeoX), and gelu_new itself. */
export { geluNew, MLP } from './components/mlp.js';
/** SwiGLU gated MLP (Llama). */
export { GatedMLP } from './components/gated-mlp.js';
/** Pre-norm transformer block (sequential or parallel residual) and the normalisation factory the config drives. */
export { makeNorm, TransformerBlock } from './components/transformer-block.js';
/** Unembedding to logits (tied models pass W_E transposed). */
export { Unembed } from './components/unembed.js';
/**
 * The transformer assembled from components: `run(ids, { cache, logitPositions })` gives logits (at
 * every position, or one per row) and activations; `ids` is an int32 tensor or arrays of token ids.
 */
export { type RunOptions, type RunResult, Transformer } from './model.js';
/** A model from a Hugging Face config object and safetensors tensors (gpt2, llama, qwen2, gpt_neox). */
export { checkpointConfig, modelFromCheckpoint, SUPPORTED_MODEL_TYPES } from './from-checkpoint.js';
/** Hugging Face config.json field readers and the checked float32 weight reader the loaders share. */
export { configBool, configInt, configNumber, configOneOf, type HfConfig, readWeight } from './loaders/checkpoint.js';
/** GPT-2 checkpoints: config mapping and checkpoint-name-to-parameter mapping. */
export { gpt2Config, gpt2Params } from './loaders/gpt2.js';
/** Llama checkpoints: config mapping and checkpoint-name-to-parameter mapping. */
export { llamaConfig, llamaParams } from './loaders/llama.js';
/** Qwen2 checkpoints: the Llama layout with q/k/v biases (parameters map with llamaParams). */
export { qwen2Config } from './loaders/llama.js';
/** GPT-NeoX (Pythia) checkpoints: config mapping and checkpoint-name-to-parameter mapping (fused query_key_value split per head). */
export { gptNeoxConfig, gptNeoxParams } from './loaders/gpt-neox.js';
/** Rotary settings of a Hugging Face config in the rope_parameters (transformers >= 5) or rope_theta + rope_scaling format. */
export { type RotaryDefaults, type RotarySettings, rotarySettings, SUPPORTED_ROPE_TYPES } from './loaders/rope.js';
/** Tokenizers from Hugging Face files (tokenizer.json, or GPT-2's vocab.json + merges.txt) via Tokenizers.js. */
export { createTokenizer, gpt2TokenizerJson, type Tokenizer, type TokenizerFiles } from './tokenizer.js';
/** Prompt bookkeeping (labelSpans): spans of x_i, y_i, delimiters and x_test in token-world and text-template prompts. */
export {
  DEFAULT_TEMPLATE,
  labelPositions,
  type PromptSpans,
  type Segment,
  type SegmentKind,
  type Span,
  type TextDemonstration,
  type TextPrompt,
  type TextPromptOptions,
  textPromptSpans,
  spansFromSegments,
  tokenPromptSpans,
} from './analysis/spans.js';
/** Final-position attention rows and per-prompt key/value blocks cut from flat hook arrays. */
export { attentionRows, checkRows, type LayerHeadRows, promptBlock } from './analysis/pattern.js';
/** The attention map: final-position attention with input spans resampled by linear interpolation, averaged over prompts. */
export { AttentionMap, type AttentionMapResult, attentionMapRow, type MapCell, resampleLinear } from './analysis/attention-map.js';
/** Attention as kernel weights: a_i, the vote argmax_y sum_i a_i e(y_i), baselines, selection split and best head. */
export {
  AttentionVoteAccumulator,
  attentionVote,
  type BestHead,
  bestHead,
  checkLabels,
  demonstrationWeights,
  type HeadVoteStats,
  majorityVote,
  sameClassOracle,
  type Score,
  selectionSplit,
  VOTE_KL_SMOOTHING,
  VOTE_VARIANTS,
  type VoteItem,
  type VoteStats,
  type VoteVariant,
} from './analysis/attention-vote.js';
/** Which demonstrations get attention: correlation of a_i with sim(x_test, x_i) = P(o|x_test)^T P(o|x_i). */
export { type HeadCorrelation, KernelCorrelation, outputSimilarity } from './analysis/kernel-correlation.js';
/** What keys and values hold: ridge probes per head at offsets around the label position, cross-validated. */
export {
  type HeadProbe,
  KV_PROBE_FOLDS,
  KvProbe,
  type KvProbeOptions,
  type KvProbeResult,
  type RidgeProbeOptions,
  type RidgeProbeResult,
  ridgeProbe,
} from './analysis/kv-probe.js';
/** The probing summary (report body) built from the accumulators, and per-head grids for plots. */
export { type HeadSummary, headGrid, type ProbeSummary, probeSummary } from './analysis/summary.js';
/**
 * The probing experiment on any HookedModel: prompts streamed once through the model into every
 * analysis and explicit kernel-regression baselines.
 */
export { Probe, type ProbeOptions } from './analysis/probe.js';
/**
 * The probing analyses over prompts with known activations (from a model run or saved elsewhere):
 * votes, maps, correlations, probes, baselines, and a bounded sample of held-out prompts.
 */
export {
  type BaselineScore,
  type HeldOutSample,
  ProbeAnalyses,
  type ProbeAnalysesOptions,
  type PromptActivations,
  type ProbePrompt,
  type ProbeResult,
} from './analysis/probe-analyses.js';
/** The interface every analysis depends on (run with a cache filter, config, dispose) and batched next-token distributions. */
export { type HookedModel, type NextTokenOptions, nextTokenDistributions, type PassOptions, tidyData } from './hooked-model.js';
/** Prompts of any lengths right-padded into one batch, logits at one position per row, and x at one position per row along an axis. */
export { logitsAt, rightPadded, rowsAt } from './hooked-model.js';
/** Mean log-probability per token of spans of token sequences (minus the log-perplexity), batched. */
export { type ScoredSpan, spanLogLikelihoods } from './log-likelihood.js';
/** Our GPT's plain configuration object, its check, and its mapping to the shared ModelConfig. */
export { checkGptConfig, GPT_POSITIONS, type GptConfig, gptModelConfig } from './gpt/config.js';
/** Our GPT's parameters: their names and shapes, seeded GPT-2 style initialisation as tf.Variables, and the model. */
export { createGpt, type GptInit, type GptParamSpec, gptParamSpecs, gptVariables, initGptParams } from './gpt/init.js';
/** The weighted next-token cross-entropy used in training. */
export { lmLoss } from './gpt/loss.js';
/** AdamW with warm-up and cosine decay, gradient clipping, and a resumable state. */
export {
  GptTrainer,
  isDecayed,
  learningRate,
  type LrSchedule,
  type StepResult,
  type TrainBatch,
  type TrainerOptions,
  type TrainingState,
} from './gpt/trainer.js';
/**
 * Our GPT's checkpoint as files (config.json, model.safetensors, world, training state) from and to
 * bytes, every tensor checked; folders are in `@iclkr/probing/node`.
 */
export {
  GPT_FILES,
  GPT_MODEL_TYPE,
  type GptCheckpoint,
  type GptCheckpointExtras,
  type GptCheckpointFiles,
  type GptCheckpointFilesOptions,
  gptCheckpointFromFiles,
  gptCheckpointToFiles,
  parseGptConfigJson,
} from './gpt/checkpoint.js';
/** Causal attention in one WebAssembly kernel on the wasm backend (fused, or staged for hooks on scores and patterns). */
export { type AttentionStages, attentionKernelsRun, fusedAttention, stagedAttention } from './attention-kernel.js';
/**
 * Differentiable ops on fast kernels (the components compute with them): products, channel-batched
 * products, embedding lookup, LayerNorm, gelu_new, exact gelu.
 */
export {
  type CustomOpResult,
  channelMatMul,
  customOp,
  embeddingLookup,
  gelu,
  geluExact,
  layerNorm,
  matMul,
  oneHotFloat,
  sumRows,
  transpose2d,
} from './ops.js';
