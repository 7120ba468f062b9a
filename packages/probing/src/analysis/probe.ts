/**
 * The probing experiment (SPEC §3) on any HookedModel: each batch of prompts runs once with the
 * final attention rows, keys and values cached, each input x runs alone for P(o | x) and its
 * hidden states, and every analysis accumulates from that. Per prompt only a few numbers per head
 * are kept, and the key/value probes take a capped number of prompts, so memory stays bounded.
 */

import { type Matrix, OptionError, ShapeError, tf } from '@iclkr/core';
import { accuracy, agreement, argmax, NadarayaWatson } from '@iclkr/kernels';
import type { HookedModel } from '../hooked-model.js';
import { AttentionMap, type AttentionMapResult } from './attention-map.js';
import { AttentionVoteAccumulator, attentionVote, checkLabels, type Score, selectionSplit, VOTE_VARIANTS, type VoteVariant } from './attention-vote.js';
import { type HeadCorrelation, KernelCorrelation, outputSimilarity } from './kernel-correlation.js';
import { KvProbe, type KvProbeResult } from './kv-probe.js';
import { attentionRows, type LayerHeadRows, promptBlock } from './pattern.js';
import { labelPositions, type PromptSpans, type Span } from './spans.js';
import { type ProbeSummary, probeSummary } from './summary.js';

/** One ICL prompt to probe: tokens, spans, demonstration labels and gold as label ids. */
export interface ProbePrompt {
  readonly tokens: readonly number[];
  readonly spans: PromptSpans;
  readonly labels: readonly number[];
  readonly gold: number;
  /** Input classes of the demonstrations and of x_test, where the world knows them. */
  readonly classes?: readonly number[];
  readonly queryClass?: number;
  /** The world's true kernel K(x_test, x_i) per demonstration, by kernel name (task worlds only). */
  readonly trueKernels?: Readonly<Record<string, ArrayLike<number>>>;
}

/** Options of the probing experiment. */
export interface ProbeOptions {
  /** Token id of each label id: the model's prediction is its next-token distribution over these. */
  readonly labelTokens: readonly number[];
  /** Fraction of prompts that choose the best head (default 0.7); the rest score it. */
  readonly selectFrac?: number;
  /** Seed of the selection split and the probes' folds (default 0). */
  readonly seed?: number;
  /** Cells per input span in the attention map (default 30). */
  readonly resolution?: number;
  /** Offsets from each label position the key/value probes read (default -1..+3). */
  readonly offsets?: readonly number[];
  /** Ridge penalties of the probes (default [0.01]). */
  readonly lambdas?: readonly number[];
  /** Prompts whose keys and values feed the probes (default 256): the probes' memory is bounded by it. */
  readonly probePrompts?: number;
}

/** An explicit kernel-regression vote on the same prompts, scored like a head. */
export interface BaselineScore {
  readonly name: string;
  readonly description: string;
  readonly all: Score;
  readonly heldOut: Score;
}

/** Everything the experiment measured. */
export interface ProbeResult {
  /** Model, majority and oracle baselines, best head and every head (kernelCorrelation: the first true kernel's). */
  readonly summary: ProbeSummary;
  readonly map: AttentionMapResult;
  /** Correlation of a_i (per variant) with the model's own similarity P(o | x_test)^T P(o | x_i). */
  readonly outputCorrelation: Readonly<Record<VoteVariant, HeadCorrelation[]>>;
  /** Correlation of a_i (per variant) with each of the world's true kernels, by kernel name (empty for text). */
  readonly trueCorrelation: Readonly<Record<string, Readonly<Record<VoteVariant, HeadCorrelation[]>>>>;
  /** Key probes (target argmax_o P(o | x_i)) and value probes (target y_i). */
  readonly keys: KvProbeResult;
  readonly values: KvProbeResult;
  /** Key probes with x_i's input class as the target, where the prompts carry classes. */
  readonly keyClasses: KvProbeResult | null;
  readonly baselines: BaselineScore[];
}

/** What one input x gives when run alone: P(o | x) over the vocabulary and its mean-pooled hidden state per layer. */
interface InputRun {
  readonly distribution: Float32Array;
  readonly features: Float32Array[];
}

/** Floats the input cache may hold before it is cleared. */
const INPUT_CACHE_FLOATS = 16_000_000;

const RESID = (l: number) => `blocks.${l}.hook_resid_post`;
const ATTN = (l: number, hook: string) => `blocks.${l}.attn.${hook}`;

const tokensOf = (prompt: ProbePrompt, span: Span) => prompt.tokens.slice(span.start, span.end);

/** One correlation accumulator per vote variant. */
const correlations = () =>
  Object.fromEntries(VOTE_VARIANTS.map((variant) => [variant, new KernelCorrelation({ variant, pooledSpearman: false })])) as Record<VoteVariant, KernelCorrelation>;
const results = (c: Record<VoteVariant, KernelCorrelation>) => Object.fromEntries(VOTE_VARIANTS.map((v) => [v, c[v].result()])) as Record<VoteVariant, HeadCorrelation[]>;

/**
 * The streaming experiment: `add` batches of prompts (any lengths), then `result`. Every prompt
 * must have the same number of demonstrations and template (the attention map's layout).
 */
export class Probe {
  readonly options: ProbeOptions;
  private readonly model: HookedModel;
  private readonly votes: AttentionVoteAccumulator;
  private readonly map: AttentionMap;
  private readonly output = correlations();
  private readonly truth = new Map<string, Record<VoteVariant, KernelCorrelation>>();
  private readonly keys: KvProbe;
  private readonly values: KvProbe;
  private readonly keyClasses: KvProbe;
  private readonly baselines = new Map<string, { description: string; predictions: number[] }>();
  private readonly inputs = new Map<string, InputRun>();
  private inputFloats = 0;
  private probed = 0;

  constructor(model: HookedModel, options: ProbeOptions) {
    this.model = model;
    this.options = options;
    const { vocabSize } = model.config;
    checkLabels([], options.labelTokens.length);
    const bad = options.labelTokens.find((t) => !Number.isInteger(t) || t < 0 || t >= vocabSize);
    if (bad !== undefined) throw new OptionError(`label token ${bad} is outside the model's vocabulary [0, ${vocabSize})`, 'give label words the model can predict');
    if (new Set(options.labelTokens).size !== options.labelTokens.length) {
      throw new OptionError(`two labels share a first token (${options.labelTokens.join(', ')})`, 'use label words whose first tokens differ');
    }
    const probePrompts = options.probePrompts ?? 256;
    if (!Number.isInteger(probePrompts) || probePrompts < 0) throw new OptionError(`probePrompts ${probePrompts} is not a whole number`, 'give 0 or more prompts');
    this.votes = new AttentionVoteAccumulator({ numClasses: options.labelTokens.length });
    this.map = new AttentionMap({ resolution: options.resolution });
    const shape = { heads: model.config.nKvHeads, dHead: model.config.dHead, offsets: options.offsets, lambdas: options.lambdas, seed: options.seed };
    this.keys = new KvProbe(shape);
    this.values = new KvProbe(shape);
    this.keyClasses = new KvProbe(shape);
  }

  /** Prompts added so far. */
  get prompts(): number {
    return this.votes.prompts;
  }

  /** Runs and scores a batch of prompts (equal lengths run together). */
  add(batch: readonly ProbePrompt[]): this {
    const byLength = new Map<number, ProbePrompt[]>();
    for (const p of batch) {
      this.check(p);
      byLength.set(p.tokens.length, [...(byLength.get(p.tokens.length) ?? []), p]);
    }
    for (const group of byLength.values()) this.addGroup(group);
    return this;
  }

  /** Scores everything accumulated. */
  result(): ProbeResult {
    if (this.prompts < 2) throw new OptionError(`${this.prompts} prompt(s) probed`, 'probe at least 2 prompts (a selection and a held-out part)');
    const selectFrac = this.options.selectFrac ?? 0.7;
    const seed = this.options.seed ?? 0;
    const trueCorrelation = Object.fromEntries([...this.truth].map(([name, c]) => [name, results(c)]));
    const summary = probeSummary(this.votes, { correlations: this.truth.values().next().value, selectFrac, seed });
    const split = selectionSplit(this.prompts, { selectFrac, seed });
    const { model, gold } = this.votes.predictions();
    const score = (pred: readonly number[], subset: readonly number[]): Score => {
      const at = (v: readonly number[]) => subset.map((i) => v[i]);
      return { agreement: agreement(at(pred), at(model)), accuracy: accuracy(at(pred), at(gold)) };
    };
    const everyone = model.map((_, i) => i);
    return {
      summary,
      map: this.map.result(),
      outputCorrelation: results(this.output),
      trueCorrelation,
      keys: this.keys.result(),
      values: this.values.result(),
      keyClasses: this.keyClasses.examples > 0 ? this.keyClasses.result() : null,
      baselines: [...this.baselines].map(([name, b]) => ({
        name,
        description: b.description,
        all: score(b.predictions, everyone),
        heldOut: score(b.predictions, split.heldOut),
      })),
    };
  }

  private check(p: ProbePrompt): void {
    const c = this.options.labelTokens.length;
    if (p.spans.length !== p.tokens.length) {
      throw new ShapeError(`prompt spans cover ${p.spans.length} tokens but the prompt has ${p.tokens.length}`, 'build spans from the same tokens');
    }
    if (p.tokens.length > this.model.config.nCtx) {
      throw new OptionError(
        `a prompt has ${p.tokens.length} tokens, more than the model's context of ${this.model.config.nCtx}`,
        'use fewer or shorter demonstrations (--shots)',
      );
    }
    if (p.labels.length !== p.spans.y.length) throw new ShapeError(`${p.labels.length} labels for ${p.spans.y.length} demonstrations`, 'give one label per demonstration');
    checkLabels(p.labels, c);
    checkLabels([p.gold], c, 'gold label of prompt');
  }

  private addGroup(group: readonly ProbePrompt[]): void {
    const { nLayers } = this.model.config;
    const length = group[0].tokens.length;
    const room = Math.max(0, (this.options.probePrompts ?? 256) - this.probed);
    const kv = room > 0;
    const names = Array.from({ length: nLayers }, (_, l) => [ATTN(l, 'hook_pattern'), ...(kv ? [ATTN(l, 'hook_k'), ATTN(l, 'hook_v')] : [])]).flat();
    const ids = tf.tensor2d(Int32Array.from(group.flatMap((p) => p.tokens)), [group.length, length], 'int32');
    const { logits, cache } = this.model.run(ids, { cache: names });
    ids.dispose();
    const read = (t: tf.Tensor) => t.dataSync() as Float32Array;
    let rowsByLayer: Float32Array[];
    let distributions: Float32Array;
    const blocks: { k: Float32Array; v: Float32Array; shape: [number, number, number, number] }[] = [];
    try {
      distributions = read(tf.tidy(() => tf.softmax(tf.gather(logits.slice([0, length - 1, 0], [group.length, 1, -1]).squeeze([1]), Int32Array.from(this.options.labelTokens), 1))));
      rowsByLayer = Array.from({ length: nLayers }, (_, l) => {
        const pattern = cache.get(ATTN(l, 'hook_pattern'));
        if (pattern === undefined) throw new OptionError('the model does not report attention patterns (hook_pattern)', 'probe a model whose attention fires hook_pattern, such as our GPT, GPT-2 or Llama');
        const [b, h, , k] = pattern.shape;
        return read(tf.tidy(() => pattern.slice([0, 0, length - 1, 0], [b, h, 1, k])));
      });
      if (kv) {
        for (let l = 0; l < nLayers; l++) {
          const k = cache.get(ATTN(l, 'hook_k'))!;
          blocks.push({ k: read(k), v: read(cache.get(ATTN(l, 'hook_v'))!), shape: k.shape as [number, number, number, number] });
        }
      }
    } finally {
      tf.dispose([logits, ...cache.values()]);
    }
    const heads = this.model.config.nHeads;
    this.runInputs(group.flatMap((p) => [...p.spans.x.map((s) => tokensOf(p, s)), tokensOf(p, p.spans.query)]));
    group.forEach((p, b) => {
      const rows: LayerHeadRows = rowsByLayer.map((flat) => attentionRows(flat, [group.length, heads, 1, length], b, 0));
      const modelDistribution = distributions.subarray(b * this.options.labelTokens.length, (b + 1) * this.options.labelTokens.length);
      this.votes.add({ rows, spans: p.spans, labels: p.labels, gold: p.gold, modelDistribution, classes: p.classes, queryClass: p.queryClass });
      this.map.add(rows, p.spans);
      const demos = p.spans.x.map((s) => this.inputs.get(tokensOf(p, s).join(','))!);
      const query = this.inputs.get(tokensOf(p, p.spans.query).join(','))!;
      const similarity = outputSimilarity(query.distribution, demos.map((d) => d.distribution));
      for (const c of Object.values(this.output)) c.add(rows, p.spans, similarity);
      this.baseline('output-similarity', "vote weighted by the model's output similarity P(o | x_test)^T P(o | x_i)", attentionVote(similarity, p.labels, this.numClasses).prediction);
      for (const [name, values] of Object.entries(p.trueKernels ?? {})) {
        if (!this.truth.has(name)) this.truth.set(name, correlations());
        for (const c of Object.values(this.truth.get(name)!)) c.add(rows, p.spans, values);
        this.baseline(`true-kernel:${name}`, `vote weighted by the world's ${name} kernel K(x_test, x_i)`, attentionVote(values, p.labels, this.numClasses).prediction);
      }
      query.features.forEach((f, l) => {
        this.baseline(`hidden-cosine:L${l}`, `kernel regression (cosine kernel, kernels' NadarayaWatson) on layer ${l}'s mean-pooled hidden states of each input alone`, this.hiddenVote(demos.map((d) => d.features[l]), f, p.labels));
      });
      if (b < room) this.addProbes(p, blocks, b, demos);
    });
    this.probed += Math.min(room, group.length);
  }

  private get numClasses(): number {
    return this.options.labelTokens.length;
  }

  private baseline(name: string, description: string, prediction: number): void {
    if (!this.baselines.has(name)) this.baselines.set(name, { description, predictions: [] });
    const entry = this.baselines.get(name)!;
    if (entry.predictions.length !== this.votes.prompts - 1) {
      throw new OptionError(`baseline ${name} is missing for some prompts`, 'give every prompt the same true kernels');
    }
    entry.predictions.push(prediction);
  }

  /** argmax_y sum_i cos(h(x_test), h(x_i)) e(y_i), through kernels' NadarayaWatson (the theorem's 1/n form). */
  private hiddenVote(demos: readonly Float32Array[], query: Float32Array, labels: readonly number[]): number {
    if (demos.length === 0) return 0;
    const d = query.length;
    const x: Matrix = { rows: demos.length, cols: d, data: Float32Array.from(demos.flatMap((f) => Array.from(f))) };
    const nw = new NadarayaWatson({ kernel: 'cosine', normalize: false }).fit(x, { kind: 'class', labels, numClasses: this.numClasses });
    const out = nw.predict({ rows: 1, cols: d, data: query });
    return argmax(out.data);
  }

  private addProbes(p: ProbePrompt, blocks: readonly { k: Float32Array; v: Float32Array; shape: [number, number, number, number] }[], b: number, demos: readonly InputRun[]): void {
    const offsets = this.keys.offsets;
    const lo = Math.min(...offsets);
    const hi = Math.max(...offsets);
    const keep = labelPositions(p.spans).flatMap((pos, i) => (pos + lo >= 0 && pos + hi < p.tokens.length ? [i] : []));
    if (keep.length === 0) return;
    const positions = keep.map((i) => labelPositions(p.spans)[i]);
    this.keys.add(blocks.map((x) => promptBlock(x.k, x.shape, b)), positions, keep.map((i) => argmax(demos[i].distribution)));
    this.values.add(blocks.map((x) => promptBlock(x.v, x.shape, b)), positions, keep.map((i) => p.labels[i]));
    if (p.classes) this.keyClasses.add(blocks.map((x) => promptBlock(x.k, x.shape, b)), positions, keep.map((i) => p.classes![i]));
  }

  /** Runs every input not yet cached alone: its next-token distribution and mean-pooled residual stream per layer. */
  private runInputs(sequences: readonly (readonly number[])[]): void {
    const missing = new Map<string, readonly number[]>();
    for (const s of sequences) {
      if (s.length === 0) throw new ShapeError('an input span has no tokens', 'give every x_i and x_test at least one token');
      const key = s.join(',');
      if (!this.inputs.has(key)) missing.set(key, s);
    }
    const { nLayers, vocabSize, dModel } = this.model.config;
    const perInput = vocabSize + nLayers * dModel;
    if (this.inputFloats + missing.size * perInput > INPUT_CACHE_FLOATS) {
      this.inputs.clear();
      this.inputFloats = 0;
      for (const s of sequences) missing.set(s.join(','), s);
    }
    const byLength = new Map<number, [string, readonly number[]][]>();
    for (const entry of missing) byLength.set(entry[1].length, [...(byLength.get(entry[1].length) ?? []), entry]);
    const names = Array.from({ length: nLayers }, (_, l) => RESID(l));
    const maxBatch = Math.max(1, Math.floor(4_000_000 / perInput));
    for (const [length, all] of byLength) {
      for (let start = 0; start < all.length; start += maxBatch) {
        const chunk = all.slice(start, start + maxBatch);
        const ids = tf.tensor2d(Int32Array.from(chunk.flatMap(([, s]) => s)), [chunk.length, length], 'int32');
        const { logits, cache } = this.model.run(ids, { cache: names });
        ids.dispose();
        try {
          const dist = tf.tidy(() => tf.softmax(logits.slice([0, length - 1, 0], [chunk.length, 1, -1]).squeeze([1])).dataSync() as Float32Array);
          const pooled = names.map((n) => tf.tidy(() => tf.mean(cache.get(n)!, 1).dataSync() as Float32Array));
          chunk.forEach(([key], i) => {
            this.inputs.set(key, {
              distribution: dist.slice(i * vocabSize, (i + 1) * vocabSize),
              features: pooled.map((f) => f.slice(i * dModel, (i + 1) * dModel)),
            });
          });
          this.inputFloats += chunk.length * perInput;
        } finally {
          tf.dispose([logits, ...cache.values()]);
        }
      }
    }
  }
}
