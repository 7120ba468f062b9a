// The shape the training benchmarks time: our GPT in its default configuration at batch 16 x 128.
import type { GptConfig } from '../src/index.js';

/** The default recipe's model: 2 layers, 4 heads, d_model 64, d_mlp 256, ALiBi, untied, n_ctx 128, vocabulary 67. */
export const TRAIN_CONFIG: GptConfig = {
  vocabSize: 67,
  nCtx: 128,
  nLayers: 2,
  nHeads: 4,
  dModel: 64,
  dMlp: 256,
  positions: 'alibi',
  tiedEmbeddings: false,
};

/** Sequences per training batch. */
export const TRAIN_BATCH = 16;
