/**
 * Built-in interventions (TransformerLens's hook functions): zero- and mean-ablation of one head's
 * output (`hook_z`), activation patching from another prompt's recorded activation, and attention
 * knock-out (a head's attention from a query position to chosen keys set to zero and the row
 * renormalised). Each returns `Interventions` for `run(ids, { interventions })`; `combine` merges
 * several, in order.
 */

import { OptionError, ShapeError, tf } from '@iclkr/core';
import { type HookedModel, lengthChunks, LOGIT_FLOATS, passFloats, rightPadded } from './hooked-model.js';
import type { Intervention, InterventionContext, Interventions } from './hooks.js';

/** The sizes a head's address is checked against. */
export interface HeadLayout {
  readonly nLayers: number;
  readonly nHeads: number;
  readonly dHead: number;
}

/** A head: layer and head index. */
export interface HeadAddress {
  readonly layer: number;
  readonly head: number;
}

/** Throws a one-line OptionError unless `layer` and `head` exist in `config`. */
export function checkHead(config: HeadLayout, { layer, head }: HeadAddress): void {
  if (!Number.isInteger(layer) || layer < 0 || layer >= config.nLayers) {
    throw new OptionError(`layer ${layer} is out of range: the model has layers 0..${config.nLayers - 1}`, 'choose an existing layer');
  }
  if (!Number.isInteger(head) || head < 0 || head >= config.nHeads) {
    throw new OptionError(`head ${head} is out of range: the model has heads 0..${config.nHeads - 1}`, 'choose an existing head');
  }
}

/** The interventions of `parts` in one object; several on one hook apply in the order given. */
export function combine(...parts: readonly Interventions[]): Interventions {
  const out: Record<string, Intervention[]> = {};
  for (const part of parts) {
    for (const [name, fns] of Object.entries(part)) {
      out[name] = [...(out[name] ?? []), ...(typeof fns === 'function' ? [fns] : fns)];
    }
  }
  return out;
}

/**
 * Replaces head `head`'s output at `blocks.{layer}.attn.hook_z` by `value` ([d_head], every
 * position and prompt); the other heads pass through bit for bit.
 */
function replaceHead(config: HeadLayout, address: HeadAddress, value: ArrayLike<number> | undefined): Interventions {
  checkHead(config, address);
  const { nHeads, dHead } = config;
  if (value !== undefined && value.length !== dHead) {
    throw new ShapeError(
      `the mean of head ${address.head} has ${value.length} values, the model's heads ${dHead}`,
      'compute it with headMean on this model',
    );
  }
  const keep = new Float32Array(nHeads).fill(1);
  keep[address.head] = 0;
  const fill = new Float32Array(nHeads * dHead);
  if (value !== undefined) for (let d = 0; d < dHead; d++) fill[address.head * dHead + d] = value[d]!;
  const fn: Intervention = (z) => tf.add(tf.mul(z, tf.tensor4d(keep, [1, 1, nHeads, 1])), tf.tensor4d(fill, [1, 1, nHeads, dHead]));
  return { [`blocks.${address.layer}.attn.hook_z`]: fn };
}

/** Zero-ablation: head `head` of layer `layer` outputs zeros (its `hook_z` slice; the output projection's bias stays). */
export function zeroAblation(config: HeadLayout, address: HeadAddress): Interventions {
  return replaceHead(config, address, undefined);
}

/** Mean-ablation: the head's `hook_z` slice replaced by `mean` [d_head] (from `headMean` over a reference batch). */
export function meanAblation(config: HeadLayout, address: HeadAddress, mean: ArrayLike<number>): Interventions {
  return replaceHead(config, address, mean);
}

/**
 * The mean of head `head`'s output (`hook_z` of layer `layer`, [d_head]) over every real position
 * of every prompt of the reference batch, accumulated in float64.
 */
export function headMean(model: HookedModel, prompts: readonly (readonly number[])[], address: HeadAddress, batchSize = 64): Float64Array {
  const config = model.config;
  checkHead(config, address);
  if (prompts.length === 0) throw new OptionError('the reference batch for a mean-ablation is empty', 'give at least one prompt');
  const { nHeads, dHead } = config;
  const hook = `blocks.${address.layer}.attn.hook_z`;
  const sum = new Float64Array(dHead);
  let count = 0;
  const order = prompts.map((p) => p).sort((a, b) => a.length - b.length);
  for (const chunk of lengthChunks(order, (n, longest) => n * passFloats(config, longest), LOGIT_FLOATS, batchSize)) {
    const { ids, last, length } = rightPadded(chunk);
    const { logits, cache } = model.run(ids, { cache: [hook], logitPositions: last });
    const z = cache.get(hook)!.dataSync();
    tf.dispose([ids, logits, ...cache.values()]);
    chunk.forEach((prompt, row) => {
      for (let pos = 0; pos < prompt.length; pos++) {
        const base = ((row * length + pos) * nHeads + address.head) * dHead;
        for (let d = 0; d < dHead; d++) sum[d]! += z[base + d]!;
      }
      count += prompt.length;
    });
  }
  return sum.map((s) => s / count);
}

/** The position axis of hook `name`'s activation: the query axis of scores and patterns, else axis 1. */
function positionAxis(name: string): number {
  return /hook_(attn_scores|pattern)$/.test(name) ? 2 : 1;
}

/**
 * Activation patching: hook `hook`'s activation replaced by `source`, the activation recorded at
 * the same hook on other prompts (same shape), at `positions` only when given (along the position
 * axis; the query axis of scores and patterns). `source` stays the caller's.
 */
export function patchActivation(hook: string, source: tf.Tensor, options: { positions?: readonly number[] } = {}): Interventions {
  const fn: Intervention = (activation, context) => {
    if (source.shape.length !== activation.shape.length || source.shape.some((n, i) => n !== activation.shape[i])) {
      throw new ShapeError(
        `the patch for ${hook} is [${source.shape.join(', ')}] but the activation is [${activation.shape.join(', ')}]`,
        'record the source on prompts of the same batch size and length',
      );
    }
    if (options.positions === undefined) return source.clone();
    const bad = options.positions.find((p) => !Number.isInteger(p) || p < 0 || p >= context.positions);
    if (bad !== undefined) {
      throw new OptionError(`patch position ${bad} is outside the prompt [0, ${context.positions})`, 'patch positions inside the input');
    }
    const axis = positionAxis(hook);
    const marked = new Uint8Array(context.positions);
    for (const p of options.positions) marked[p] = 1;
    const shape = activation.shape.map((n, d) => (d === axis ? n : 1));
    const mask = tf.broadcastTo(tf.tensor(marked, shape, 'bool'), activation.shape);
    return tf.where(mask, source, activation);
  };
  return { [hook]: fn };
}

/** A knock-out: from query position `query`, head `head` of layer `layer` no longer attends to `keys`. */
export interface KnockOut extends HeadAddress {
  /** The query position: one for every prompt, or one per batch row. */
  readonly query: number | readonly number[];
  /** The key positions removed: one list for every prompt, or one per batch row. */
  readonly keys: readonly number[] | readonly (readonly number[])[];
}

/**
 * Attention knock-out (on `hook_pattern`): the head's attention from the query position to the
 * keys set to zero and that row renormalised to sum 1; every other row passes through bit for
 * bit. Keys must lie at or before the query (causal attention sees no others) and leave one.
 */
export function knockOut(config: HeadLayout, spec: KnockOut): Interventions {
  checkHead(config, spec);
  const fn: Intervention = (pattern, context) => {
    const rows = knockOutRows(spec, context);
    if (rows.every((r) => r.keys.length === 0)) return pattern;
    const removed = rows.map(({ keys }) => {
      const row = new Float32Array(context.positions);
      for (const k of keys) row[k] = 1;
      return row;
    });
    return rescaleRows(
      pattern,
      spec.head,
      rows.map((r) => (r.keys.length === 0 ? -1 : r.query)),
      removed,
    );
  };
  return { [`blocks.${spec.layer}.attn.hook_pattern`]: fn };
}

/**
 * pattern [batch, head, q, k] with head `head`'s row at `queries[b]` (none where -1) scaled by
 * 1 - removed[b][k] and renormalised to sum 1; every other row passes through bit for bit. The
 * factors are built from [batch, 1, q, 1] and [batch, 1, 1, k] pieces, never a [batch, head, q, k] array.
 */
function rescaleRows(pattern: tf.Tensor, head: number, queries: readonly number[], removed: readonly Float32Array[]): tf.Tensor {
  const [batch, nHeads, positions] = pattern.shape as [number, number, number, number];
  const headHot = new Float32Array(nHeads);
  headHot[head] = 1;
  const atQuery = new Float32Array(batch * positions);
  const drop = new Float32Array(batch * positions);
  queries.forEach((q, b) => {
    if (q < 0) return;
    atQuery[b * positions + q] = 1;
    drop.set(removed[b]!, b * positions);
  });
  const rowMask = tf.mul(tf.tensor4d(headHot, [1, nHeads, 1, 1]), tf.tensor4d(atQuery, [batch, 1, positions, 1]));
  const factors = tf.sub(1, tf.mul(rowMask, tf.tensor4d(drop, [batch, 1, 1, positions])));
  const scaled = tf.mul(pattern, factors);
  const renormalised = tf.div(scaled, tf.sum(scaled, -1, true));
  return tf.where(tf.broadcastTo(tf.cast(rowMask, 'bool'), pattern.shape), renormalised, pattern);
}

/** A partial knock-out: from query position `query`, head `head`'s attention to key k scaled by `keep[row][k]`. */
export interface AttentionScaling extends HeadAddress {
  /** The query position: one for every prompt, or one per batch row. */
  readonly query: number | readonly number[];
  /** Per batch row, a factor in [0, 1] per key position (the prompt's length; 1 keeps a key, 0 knocks it out). */
  readonly keep: readonly ArrayLike<number>[];
}

/**
 * Attention scaling (on `hook_pattern`): the head's attention from the query position to each key
 * multiplied by its factor and the row renormalised; a knock-out is the case of factors 0 and 1.
 */
export function scaleAttention(config: HeadLayout, spec: AttentionScaling): Interventions {
  checkHead(config, spec);
  const fn: Intervention = (pattern, context) => {
    const queries = knockOutRows({ ...spec, keys: [] }, context).map((r) => r.query);
    if (spec.keep.length !== context.batch) {
      throw new OptionError(
        `attention scaling has ${spec.keep.length} rows of factors for a batch of ${context.batch}`,
        'give one row per batch row',
      );
    }
    const removed = spec.keep.map((row, b) => {
      if (row.length > context.positions) {
        throw new OptionError(
          `attention scaling row ${b} has ${row.length} factors, more than the ${context.positions} positions of the input`,
          'give one factor per key position',
        );
      }
      const out = new Float32Array(context.positions);
      for (let k = 0; k < row.length; k++) {
        const f = row[k]!;
        if (!(f >= 0 && f <= 1)) throw new OptionError(`attention factor ${f} is outside [0, 1]`, 'give factors in [0, 1]');
        out[k] = 1 - f;
      }
      return out;
    });
    return rescaleRows(pattern, spec.head, queries, removed);
  };
  return { [`blocks.${spec.layer}.attn.hook_pattern`]: fn };
}

/** The query and keys of each batch row, checked against the input. */
function knockOutRows(spec: KnockOut, { batch, positions }: InterventionContext): { query: number; keys: readonly number[] }[] {
  const perRow = <T>(value: T | readonly T[], what: string, isOne: (v: unknown) => boolean): T[] => {
    if (isOne(value)) return Array.from({ length: batch }, () => value as T);
    const list = value as readonly T[];
    if (list.length !== batch) {
      throw new OptionError(
        `knock-out ${what} has ${list.length} entries for a batch of ${batch}`,
        `give one ${what} list per batch row, or one for all`,
      );
    }
    return [...list];
  };
  const queries = perRow<number>(spec.query, 'query', (v) => typeof v === 'number');
  const keyLists = perRow<readonly number[]>(spec.keys as readonly number[], 'keys', (v) =>
    (v as unknown[]).every((k) => typeof k === 'number'),
  );
  return queries.map((query, b) => {
    if (!Number.isInteger(query) || query < 0 || query >= positions) {
      throw new OptionError(
        `knock-out query position ${query} is outside the prompt [0, ${positions})`,
        'choose a query position inside the input',
      );
    }
    const keys = keyLists[b]!;
    const bad = keys.find((k) => !Number.isInteger(k) || k < 0 || k > query);
    if (bad !== undefined) {
      throw new OptionError(
        `knock-out key position ${bad} is outside the prompt before query position ${query} ([0, ${query}])`,
        'knock out keys at or before the query position',
      );
    }
    if (new Set(keys).size === query + 1) {
      throw new OptionError(
        `knock-out removes every key of query position ${query}`,
        'leave at least one key for the attention to renormalise over',
      );
    }
    return { query, keys };
  });
}
