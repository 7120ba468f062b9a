/**
 * A decoder-only transformer assembled from components by its configuration: embed (+ pos_embed),
 * blocks, ln_final, unembed. The same class runs GPT-2, Llama and our own GPT; loaders only map
 * checkpoint tensors to its parameters.
 */

import { OptionError, ShapeError, tf } from '@iclkr/core';
import { Embed } from './components/embed.js';
import type { LayerNorm } from './components/layer-norm.js';
import { PosEmbed, SinusoidalPosEmbed } from './components/pos-embed.js';
import type { RMSNorm } from './components/rms-norm.js';
import { RotaryEmbedding } from './components/rotary-embeddings.js';
import { makeNorm, TransformerBlock } from './components/transformer-block.js';
import { Unembed } from './components/unembed.js';
import { checkModelConfig, type ModelConfig } from './config.js';
import { type HookedModel, rowsAt } from './hooked-model.js';
import { type ActivationCache, type HookFilter, HookPoints, type Interventions } from './hooks.js';
import { type ParamMap, ParamReader } from './params.js';

/** What to keep from a forward pass, and where logits are wanted. */
export interface RunOptions {
  /** Activations to keep: a name predicate or a list of hook names (default: nothing). */
  cache?: HookFilter | readonly string[];
  /**
   * One position per batch row (e.g. each prompt's last real token): logits are computed there
   * only, as [batch, 1, vocab], and ln_final's hooks see those positions only. Unembedding every
   * position costs GPT-2 77 MFLOP a token against the body's 170.
   */
  logitPositions?: readonly number[];
  /**
   * Replacements of activations by hook name, for this call only (nothing stays installed): each
   * hook's interventions run when the pass reaches it, so they compose in hook order, and the
   * cache keeps the replaced values. None set costs nothing. Built-ins: `interventions.ts`.
   */
  interventions?: Interventions;
}

/** Logits [batch, pos, vocab] ([batch, 1, vocab] with `logitPositions`) and the requested activations; the caller disposes both. */
export interface RunResult {
  logits: tf.Tensor3D;
  cache: ActivationCache;
}

/** A transformer language model; owns its parameters until `dispose()`. */
export class Transformer implements HookedModel {
  readonly embed: Embed;
  readonly posEmbed: PosEmbed | SinusoidalPosEmbed | undefined;
  readonly rotary: RotaryEmbedding | undefined;
  readonly blocks: readonly TransformerBlock[];
  readonly lnFinal: LayerNorm | RMSNorm;
  readonly unembed: Unembed;
  private readonly params: ParamMap;
  private names: readonly string[] | undefined;

  /** Builds the model from parameters by TransformerLens name (see ParamMap); takes them over. */
  constructor(
    readonly config: ModelConfig,
    params: ParamMap,
  ) {
    checkModelConfig(config);
    const reader = new ParamReader(params);
    this.params = params;
    this.embed = new Embed(reader, config.vocabSize, config.dModel);
    this.posEmbed =
      config.positions === 'learned'
        ? new PosEmbed(reader, config.nCtx, config.dModel)
        : config.positions === 'sinusoidal'
          ? new SinusoidalPosEmbed(config.nCtx, config.dModel)
          : undefined;
    this.rotary =
      config.positions === 'rotary'
        ? new RotaryEmbedding(config.dHead, config.ropeTheta, config.nCtx, { rotaryDim: config.rotaryDim, scaling: config.ropeScaling })
        : undefined;
    this.blocks = Array.from({ length: config.nLayers }, (_, l) => new TransformerBlock(reader, l, config, this.rotary));
    this.lnFinal = makeNorm(reader, 'ln_final', config);
    this.unembed = new Unembed(reader, config.dModel, config.vocabSize, config.tiedEmbeddings === true);
    reader.checkAllUsed();
  }

  /**
   * Runs token ids [batch, pos]: an int32 tensor, or plain arrays of ids (`[[1, 2, 3]]`, as JSON
   * has them); keeps only the activations `options.cache` selects.
   */
  run(ids: tf.Tensor2D | readonly (readonly number[])[], options: RunOptions = {}): RunResult {
    if (Array.isArray(ids)) {
      const tensor = tensorOfIds(ids);
      try {
        return this.run(tensor, options);
      } finally {
        tensor.dispose();
      }
    }
    const inputIds = ids as tf.Tensor2D;
    this.checkIds(inputIds);
    checkLogitPositions(options.logitPositions, inputIds.shape);
    if (options.interventions !== undefined) this.checkHookNames(Object.keys(options.interventions));
    const wanted = options.cache ?? [];
    const filter: HookFilter = typeof wanted === 'function' ? wanted : (name) => wanted.includes(name);
    const hooks = new HookPoints(filter, options.interventions);
    let resid: tf.Tensor | undefined;
    try {
      // One tidy scope per block: a pass holds one block's intermediates at a time, plus the cache.
      resid = tf.tidy(() => {
        const embedded = this.embed.forward(inputIds, hooks);
        return this.posEmbed === undefined ? embedded : tf.add(embedded, this.posEmbed.forward(inputIds.shape[1], hooks));
      });
      for (const block of this.blocks) {
        const input: tf.Tensor = resid;
        resid = tf.tidy(() => block.forward(input, hooks));
        input.dispose();
      }
      const last: tf.Tensor = resid;
      const logits = tf.tidy(() => {
        const final = options.logitPositions === undefined ? last : rowsAt(last, 1, options.logitPositions);
        return this.unembed.forward(this.lnFinal.forward(final, hooks)) as tf.Tensor3D;
      });
      last.dispose();
      return { logits, cache: hooks.cache };
    } catch (error) {
      // An intervention that refuses its input (a position outside the prompt) leaves nothing behind.
      if (resid !== undefined && !resid.isDisposed) resid.dispose();
      tf.dispose([...hooks.cache.values()]);
      throw error;
    }
  }

  /** Every hook name a forward pass fires, in firing order (found once, by a one-token pass). */
  hookNames(): readonly string[] {
    if (this.names === undefined) {
      const seen = new Set<string>();
      const { logits, cache } = this.run([[0]], {
        cache: (name) => {
          seen.add(name);
          return false;
        },
      });
      tf.dispose([logits, ...cache.values()]);
      this.names = [...seen];
    }
    return this.names;
  }

  private checkHookNames(names: readonly string[]): void {
    const known = new Set(this.hookNames());
    const unknown = names.find((name) => !known.has(name));
    if (unknown === undefined) return;
    const near = this.hookNames().find((name) => name.endsWith(unknown.split('.').pop() ?? '')) ?? this.hookNames()[0];
    throw new OptionError(`this model has no hook ${JSON.stringify(unknown)}`, `name a hook the model fires, e.g. ${near}`);
  }

  /** Frees every parameter and precomputed table. */
  dispose(): void {
    tf.dispose(Object.values(this.params));
    this.rotary?.dispose();
    if (this.posEmbed instanceof SinusoidalPosEmbed) this.posEmbed.dispose();
    this.unembed.dispose();
  }

  private checkIds(ids: tf.Tensor2D): void {
    if (typeof ids !== 'object' || ids === null || !Array.isArray(ids.shape))
      throw new ShapeError(`input ids must be an int32 tensor [batch, pos] or arrays of token ids, got ${typeof ids}`, IDS_FIX);
    if (ids.rank !== 2 || ids.dtype !== 'int32') {
      throw new ShapeError(
        `input ids must be an int32 tensor [batch, pos], got ${ids.dtype} [${ids.shape.join(', ')}]`,
        'pass tf.tensor2d(ids, [batch, pos], "int32")',
      );
    }
    if (ids.shape[1] > this.config.nCtx) {
      throw new ShapeError(
        `input has ${ids.shape[1]} positions but the model accepts at most ${this.config.nCtx}`,
        'truncate or split the input',
      );
    }
    if (ids.size === 0) return;
    const [min, max] = tf
      .tidy(() => [tf.min(ids), tf.max(ids)])
      .map((t) => {
        const value = t.dataSync()[0];
        t.dispose();
        return value;
      });
    if (min < 0 || max >= this.config.vocabSize) {
      throw new OptionError(
        `token id ${min < 0 ? min : max} is outside the vocabulary [0, ${this.config.vocabSize})`,
        'tokenize with the tokenizer that belongs to this model',
      );
    }
  }
}

const IDS_FIX = 'pass equally long arrays of integer token ids, e.g. [[1, 2, 3]], or tf.tensor2d(ids, [batch, pos], "int32")';

/** Token ids given as arrays: equally long rows of non-negative integers, as an int32 tensor [batch, pos]. */
function tensorOfIds(ids: readonly unknown[]): tf.Tensor2D {
  if (ids.length === 0 || !ids.every((row) => Array.isArray(row))) {
    const got = ids.length === 0 ? 'an empty array' : 'an array whose items are not all arrays (one row per sequence)';
    throw new ShapeError(`input ids must be an int32 tensor [batch, pos] or arrays of token ids, got ${got}`, IDS_FIX);
  }
  const rows = ids as unknown[][];
  const length = rows[0].length;
  if (length === 0 || rows.some((row) => row.length !== length))
    throw new ShapeError(
      `rows of input ids must be non-empty and equally long, got lengths ${rows.map((r) => r.length).join(', ')}`,
      IDS_FIX,
    );
  const bad = rows.flat().find((id) => !Number.isSafeInteger(id) || (id as number) < 0);
  if (bad !== undefined) throw new ShapeError(`input id ${JSON.stringify(bad)} is not a non-negative integer`, IDS_FIX);
  return tf.tensor2d(rows as number[][], [rows.length, length], 'int32');
}

/** One integer position per batch row, inside the sequence. */
function checkLogitPositions(positions: readonly number[] | undefined, [batch, length]: [number, number]): void {
  if (positions === undefined) return;
  if (positions.length !== batch) {
    throw new OptionError(`logitPositions has ${positions.length} entries for a batch of ${batch}`, 'give one position per batch row');
  }
  const bad = positions.find((p) => !Number.isInteger(p) || p < 0 || p >= length);
  if (bad !== undefined)
    throw new OptionError(`logitPositions holds ${bad}, outside the sequence [0, ${length})`, 'give positions inside the input');
}
