/**
 * What the model-based selectors and classifiers read from a model, each sequence run alone: the
 * next-token distribution P(o | x), the mean-pooled hidden state at a layer, and one head's key at
 * a chosen position and query at the final position; and, for whole prompts, the label
 * distribution (next-token probabilities restricted to the label tokens) with one head's final
 * attention row. Sequences are deduplicated, sorted by length and right-padded into passes (causal
 * attention never lets a real position see the padding after it).
 */
import { type Matrix, OptionError, tf } from '@iclkr/core';
import { type HookedModel, tidyData } from '@iclkr/probing';

/** An attention head: layer and head index, from 0. */
export interface HeadChoice {
  readonly layer: number;
  readonly head: number;
}

/** `L.H` (e.g. `1.2`) as a head, checked against the model when one is given. */
export function parseHead(text: string): HeadChoice {
  const match = /^\s*(\d+)\.(\d+)\s*$/.exec(text);
  if (match === null) throw new OptionError(`--head '${text}' is not LAYER.HEAD`, 'pass --head L.H, e.g. --head 1.2 (both from 0)');
  return { layer: Number(match[1]), head: Number(match[2]) };
}

/** Refuses a head outside the model, naming its layers and heads. */
export function checkHead(head: HeadChoice, model: HookedModel): void {
  const { nLayers, nHeads } = model.config;
  if (!Number.isInteger(head.layer) || head.layer < 0 || head.layer >= nLayers)
    throw new OptionError(
      `attention-kernel: layer ${head.layer} is out of range (the model has layers 0-${nLayers - 1})`,
      `pass --head L.H with L from 0 to ${nLayers - 1}`,
    );
  if (!Number.isInteger(head.head) || head.head < 0 || head.head >= nHeads)
    throw new OptionError(
      `attention-kernel: head ${head.head} is out of range (layer ${head.layer} has heads 0-${nHeads - 1})`,
      `pass --head L.H with H from 0 to ${nHeads - 1}`,
    );
}

/** Refuses a hidden-state layer outside the model. */
export function checkLayer(layer: number, model: HookedModel): void {
  const { nLayers } = model.config;
  if (!Number.isInteger(layer) || layer < 0 || layer >= nLayers)
    throw new OptionError(`--layer ${layer} is out of range (the model has layers 0-${nLayers - 1})`, `pass --layer 0 to ${nLayers - 1}`);
}

/** The default hidden-state layer: the middle of the model (layer 1 of our 2-layer GPT, 6 of GPT-2 small's 12). */
export function defaultLayer(model: HookedModel): number {
  return Math.floor(model.config.nLayers / 2);
}

/** What a pass over sequences run alone reads. */
export interface AloneRequest {
  /** P(o | x) over the whole vocabulary at the last position. */
  readonly distribution?: boolean;
  /** The layer whose hook_resid_post is mean-pooled over the sequence. */
  readonly hiddenLayer?: number;
  /** The head whose key (at `keyPositions`) and query (at the last position, times 1/sqrt(d_head)) are read. */
  readonly head?: HeadChoice;
  /** Per sequence, the position of its key (with `head`). */
  readonly keyPositions?: readonly number[];
  /** Read the head's query at the last position. */
  readonly query?: boolean;
}

/** Per sequence (in the order given), what the request asked for. */
export interface AloneViews {
  readonly distributions: Float32Array[];
  readonly hidden: Float32Array[];
  readonly keys: Float32Array[];
  readonly queries: Float32Array[];
}

/** Floats a pass may hold in its largest cached activation and logits (64 MB). */
const PASS_FLOATS = 16_000_000;

/** Right-padded int32 ids [B, T] of sequences (padding id 0) and each one's last position. */
function padded(sequences: readonly (readonly number[])[]): { ids: tf.Tensor2D; last: number[]; length: number } {
  const length = Math.max(...sequences.map((s) => s.length));
  const ids = new Int32Array(sequences.length * length);
  sequences.forEach((s, row) => ids.set(s, row * length));
  return { ids: tf.tensor2d(ids, [sequences.length, length], 'int32'), last: sequences.map((s) => s.length - 1), length };
}

/** Consecutive chunks of `order` (sorted by length) of at most `batch` items whose pass stays under PASS_FLOATS. */
function chunks<T extends { length: number }>(order: readonly T[], perItem: (length: number) => number, batch: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && end - start < batch && (end + 1 - start) * perItem(order[end].length) <= PASS_FLOATS) end++;
    out.push(order.slice(start, end));
    start = end;
  }
  return out;
}

function checkSequences(model: HookedModel, sequences: readonly (readonly number[])[]): void {
  sequences.forEach((s, i) => {
    if (s.length === 0) throw new OptionError(`sequence ${i} is empty`, 'give every text at least one token');
    if (s.length > model.config.nCtx)
      throw new OptionError(
        `a sequence has ${s.length} tokens, more than the model's context of ${model.config.nCtx}`,
        'use shorter texts',
      );
  });
}

/**
 * Runs each distinct sequence alone once (keyed by its tokens and key position) and reads what
 * `request` asks for; `onProgress(done, total)` after each pass.
 */
export function runAlone(
  model: HookedModel,
  sequences: readonly (readonly number[])[],
  request: AloneRequest,
  batch = 64,
  onProgress?: (done: number, total: number) => void,
): AloneViews {
  checkSequences(model, sequences);
  const { vocabSize, dModel, nHeads, nKvHeads, dHead } = model.config;
  const head = request.head;
  if (head !== undefined) checkHead(head, model);
  if (request.hiddenLayer !== undefined) checkLayer(request.hiddenLayer, model);
  const keyAt = request.keyPositions;
  if (keyAt !== undefined) {
    if (head === undefined || keyAt.length !== sequences.length)
      throw new OptionError('key positions need a head and one position per sequence', 'pass request.head and keyPositions');
    keyAt.forEach((p, i) => {
      if (!Number.isInteger(p) || p < 0 || p >= sequences[i].length)
        throw new OptionError(`key position ${p} is outside sequence ${i} (${sequences[i].length} tokens)`, 'give a position inside it');
    });
  }
  const keyOf = (i: number) => `${sequences[i].join(',')}@${keyAt?.[i] ?? ''}`;
  const distinct = new Map<string, number>();
  sequences.forEach((_, i) => {
    if (!distinct.has(keyOf(i))) distinct.set(keyOf(i), i);
  });
  const order = [...distinct.values()].map((i) => ({ index: i, length: sequences[i].length })).sort((a, b) => a.length - b.length);
  const hiddenName = request.hiddenLayer === undefined ? undefined : `blocks.${request.hiddenLayer}.hook_resid_post`;
  // Rotary models rotate q and k by position; the unrotated vectors leave the positional part out.
  const qName = head && `blocks.${head.layer}.attn.hook_q`;
  const kName = head && `blocks.${head.layer}.attn.hook_k`;
  const names = [hiddenName, keyAt !== undefined ? kName : undefined, request.query ? qName : undefined].filter(
    (n): n is string => n !== undefined,
  );
  const kvHead = head === undefined ? 0 : Math.floor(head.head / (nHeads / nKvHeads));
  const views = new Map<number, { d?: Float32Array; h?: Float32Array; k?: Float32Array; q?: Float32Array }>();
  const perItem = (length: number) => vocabSize + length * (4 * dModel + 2 * nHeads * dHead);
  let done = 0;
  for (const part of chunks(order, perItem, batch)) {
    const rows = part.map((p) => p.index);
    const { ids, last, length } = padded(rows.map((i) => sequences[i]));
    const { logits, cache } = model.run(ids, { cache: names, logitPositions: last });
    ids.dispose();
    try {
      const dist = request.distribution ? tidyData(() => tf.softmax(logits.reshape([rows.length, vocabSize]))) : undefined;
      const resid = hiddenName ? (cache.get(hiddenName)!.dataSync() as Float32Array) : undefined;
      const kAll = keyAt !== undefined ? (cache.get(kName!)!.dataSync() as Float32Array) : undefined;
      const qAll = request.query ? (cache.get(qName!)!.dataSync() as Float32Array) : undefined;
      rows.forEach((i, b) => {
        const v: { d?: Float32Array; h?: Float32Array; k?: Float32Array; q?: Float32Array } = {};
        if (dist) v.d = dist.slice(b * vocabSize, (b + 1) * vocabSize);
        if (resid) {
          const h = new Float32Array(dModel);
          const count = last[b] + 1;
          for (let t = 0; t < count; t++) {
            const base = (b * length + t) * dModel;
            for (let c = 0; c < dModel; c++) h[c] += resid[base + c];
          }
          for (let c = 0; c < dModel; c++) h[c] /= count;
          v.h = h;
        }
        if (kAll) {
          const base = ((b * length + keyAt![i]) * nKvHeads + kvHead) * dHead;
          v.k = kAll.slice(base, base + dHead);
        }
        if (qAll) {
          const base = ((b * length + last[b]) * nHeads + head!.head) * dHead;
          v.q = qAll.slice(base, base + dHead).map((x) => x / Math.sqrt(dHead));
        }
        views.set(i, v);
      });
    } finally {
      tf.dispose([logits, ...cache.values()]);
    }
    done += rows.length;
    onProgress?.(done, order.length);
  }
  const pick = (f: 'd' | 'h' | 'k' | 'q') => sequences.map((_, i) => views.get(distinct.get(keyOf(i))!)![f]!);
  return {
    distributions: request.distribution ? pick('d') : [],
    hidden: hiddenName ? pick('h') : [],
    keys: keyAt !== undefined ? pick('k') : [],
    queries: request.query ? pick('q') : [],
  };
}

/** Rows of equal length as a matrix. */
export function matrixOf(rows: readonly ArrayLike<number>[], cols: number): Matrix {
  const data = new Float32Array(rows.length * cols);
  rows.forEach((r, i) => data.set(r, i * cols));
  return { rows: rows.length, cols, data };
}

/** Per prompt: the label distribution (restricted to the label tokens, renormalised) and, with a head, its final attention row. */
export interface PromptViews {
  readonly distributions: Float32Array[];
  /** The head's attention from the last position over the prompt's positions (empty without a head). */
  readonly rows: Float32Array[];
}

/**
 * Runs each distinct prompt once: next-token probabilities at its last position restricted to
 * `labelTokens` (renormalised over them), and `head`'s attention row from that position.
 */
export function promptViews(
  model: HookedModel,
  prompts: readonly (readonly number[])[],
  labelTokens: readonly number[],
  head: HeadChoice | undefined,
  batch = 64,
  onProgress?: (done: number, total: number) => void,
): PromptViews {
  checkSequences(model, prompts);
  if (head !== undefined) checkHead(head, model);
  const { vocabSize, nHeads, dModel } = model.config;
  const keyOf = (i: number) => prompts[i].join(',');
  const distinct = new Map<string, number>();
  prompts.forEach((_, i) => {
    if (!distinct.has(keyOf(i))) distinct.set(keyOf(i), i);
  });
  const order = [...distinct.values()].map((i) => ({ index: i, length: prompts[i].length })).sort((a, b) => a.length - b.length);
  const pattern = head && `blocks.${head.layer}.attn.hook_pattern`;
  const gather = Int32Array.from(labelTokens);
  const dists = new Map<number, Float32Array>();
  const rows = new Map<number, Float32Array>();
  const c = labelTokens.length;
  const perItem = (length: number) => vocabSize + length * (4 * dModel + (head ? nHeads * length : 0));
  let done = 0;
  for (const part of chunks(order, perItem, batch)) {
    const items = part.map((p) => p.index);
    const { ids, last, length } = padded(items.map((i) => prompts[i]));
    const { logits, cache } = model.run(ids, { cache: pattern ? [pattern] : [], logitPositions: last });
    ids.dispose();
    try {
      const d = tidyData(() => tf.softmax(tf.gather(logits.reshape([items.length, vocabSize]), gather, 1)));
      items.forEach((i, b) => dists.set(i, d.slice(b * c, (b + 1) * c)));
      if (pattern) {
        const p = cache.get(pattern)!;
        const all = tidyData(() => p.slice([0, head!.head, 0, 0], [items.length, 1, length, length]));
        items.forEach((i, b) => {
          const base = (b * length + last[b]) * length;
          rows.set(i, all.slice(base, base + last[b] + 1));
        });
      }
    } finally {
      tf.dispose([logits, ...cache.values()]);
    }
    done += items.length;
    onProgress?.(done, order.length);
  }
  const at = (i: number) => distinct.get(keyOf(i))!;
  return { distributions: prompts.map((_, i) => dists.get(at(i))!), rows: head ? prompts.map((_, i) => rows.get(at(i))!) : [] };
}

/** Entropy in nats of a distribution. */
export function entropy(p: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < p.length; i++) if (p[i] > 0) h -= p[i] * Math.log(p[i]);
  return h;
}
