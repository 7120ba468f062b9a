/**
 * The probing experiment's analyses (SPEC §3) over prompts whose activations are known, however
 * they were computed: by `Probe` running a HookedModel, or elsewhere (saved activations). Per
 * prompt only a few numbers per head are kept, the key/value probes take a capped number of
 * prompts, and at most `samplePrompts` held-out prompts keep their attention rows, so memory stays bounded.
 */

import { type Matrix, OptionError, ShapeError } from '@iclkr/core';
import { accuracy, agreement, argmax, NadarayaWatson } from '@iclkr/kernels';
import { AttentionMap, type AttentionMapResult } from './attention-map.js';
import {
  AttentionVoteAccumulator,
  attentionVote,
  checkLabels,
  type Score,
  selectionSplit,
  VOTE_VARIANTS,
  type VoteVariant,
} from './attention-vote.js';
import { type HeadCorrelation, KernelCorrelation } from './kernel-correlation.js';
import { KV_PROBE_FOLDS, KvProbe, type KvProbeResult } from './kv-probe.js';
import type { LayerHeadRows } from './pattern.js';
import { labelPositions, type PromptSpans } from './spans.js';
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

/** What the model did on one prompt; the optional parts feed the analyses that need them. */
export interface PromptActivations {
  /** The final position's attention row per [layer][head], over the prompt's positions. */
  readonly rows: LayerHeadRows;
  /** The model's next-token distribution over the label words (renormalised), by label id. */
  readonly modelDistribution: ArrayLike<number>;
  /** Per layer, hook_k and hook_v of the prompt as flat [pos, kv head, d_head] blocks (the key/value probes). */
  readonly kv?: { readonly keys: readonly ArrayLike<number>[]; readonly values: readonly ArrayLike<number>[] };
  /** sim(x_test, x_i) = P(o | x_test)^T P(o | x_i) per demonstration, each input run alone. */
  readonly outputSimilarity?: ArrayLike<number>;
  /** argmax_o P(o | x_i) per demonstration (the key probes' target). */
  readonly inputArgmax?: ArrayLike<number>;
  /** Per layer, the mean-pooled hidden state of x_test and of each x_i run alone (the explicit kernel-regression baselines). */
  readonly hidden?: { readonly query: readonly ArrayLike<number>[]; readonly demos: readonly (readonly ArrayLike<number>[])[] };
}

/** Options of the analyses. */
export interface ProbeAnalysesOptions {
  /** Number of labels C: label ids are 0..C-1. */
  readonly numClasses: number;
  /** Key/value heads per layer and their width (the probes' blocks are [pos, kvHeads, dHead]). */
  readonly kvHeads: number;
  readonly dHead: number;
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
  /** Held-out prompts kept whole with every head's attention row (default 0): the first ones of the held-out part, in add order. */
  readonly samplePrompts?: number;
  /**
   * How many prompts will be added: the held-out part depends on the final count, so `samplePrompts`
   * needs it up front to keep only the prompts it will show; `result` checks it.
   */
  readonly expectedPrompts?: number;
}

/** A held-out prompt kept as the model saw it (`samplePrompts`), for a report's head view. */
export interface HeldOutSample {
  /** The prompt's index in add order, a held-out one of `selectionSplit`. */
  readonly prompt: number;
  readonly tokens: readonly number[];
  readonly spans: PromptSpans;
  readonly labels: readonly number[];
  readonly gold: number;
  /** The final position's attention row per [layer][head] over exactly the prompt's positions (copies, padding cut off). */
  readonly rows: readonly (readonly Float32Array[])[];
  /** The model's next-token distribution over the label words (renormalised), by label id. */
  readonly modelDistribution: Float32Array;
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
  /** Correlation of a_i (per variant) with the model's own similarity P(o | x_test)^T P(o | x_i); null without it. */
  readonly outputCorrelation: Readonly<Record<VoteVariant, HeadCorrelation[]>> | null;
  /** Correlation of a_i (per variant) with each of the world's true kernels, by kernel name (empty for text). */
  readonly trueCorrelation: Readonly<Record<string, Readonly<Record<VoteVariant, HeadCorrelation[]>>>>;
  /** Key probes (target argmax_o P(o | x_i); null without it) and value probes (target y_i); null without keys and values. */
  readonly keys: KvProbeResult | null;
  readonly values: KvProbeResult | null;
  /** Key probes with x_i's input class as the target, where the prompts carry classes. */
  readonly keyClasses: KvProbeResult | null;
  readonly baselines: BaselineScore[];
  /** The first `samplePrompts` held-out prompts (all of them when there are fewer), in prompt order. */
  readonly samples: HeldOutSample[];
}

/** One correlation accumulator per vote variant (pooled Spearman off: memory does not grow with prompts). */
const correlations = () =>
  Object.fromEntries(VOTE_VARIANTS.map((variant) => [variant, new KernelCorrelation({ variant, pooledSpearman: false })])) as Record<
    VoteVariant,
    KernelCorrelation
  >;
const results = (c: Record<VoteVariant, KernelCorrelation>) =>
  Object.fromEntries(VOTE_VARIANTS.map((v) => [v, c[v].result()])) as Record<VoteVariant, HeadCorrelation[]>;

/** The prompt indices `samplePrompts` keeps: the first ones of `selectionSplit(expectedPrompts)`'s held-out part. */
function sampleIndices(options: ProbeAnalysesOptions): ReadonlySet<number> {
  const { samplePrompts = 0, expectedPrompts } = options;
  if (!Number.isInteger(samplePrompts) || samplePrompts < 0)
    throw new OptionError(`samplePrompts ${samplePrompts} is not a whole number`, 'give 0 or more prompts');
  if (expectedPrompts !== undefined && (!Number.isInteger(expectedPrompts) || expectedPrompts < 0))
    throw new OptionError(`expectedPrompts ${expectedPrompts} is not a whole number`, 'give the number of prompts that will be added');
  if (samplePrompts === 0) return new Set();
  if (expectedPrompts === undefined)
    throw new OptionError(
      `samplePrompts ${samplePrompts} without expectedPrompts`,
      'pass expectedPrompts, the number of prompts that will be added (the held-out part depends on it)',
    );
  const { heldOut } = selectionSplit(expectedPrompts, { selectFrac: options.selectFrac ?? 0.7, seed: options.seed ?? 0 });
  return new Set(heldOut.slice(0, samplePrompts));
}

/** A copy of what the analyses keep of a sampled prompt: rows cut to the prompt's positions (they may be views into a padded batch). */
function heldOutSample(prompt: number, p: ProbePrompt, acts: PromptActivations): HeldOutSample {
  const length = p.tokens.length;
  const cut = (row: ArrayLike<number>) => {
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++) out[i] = row[i];
    return out;
  };
  return {
    prompt,
    tokens: [...p.tokens],
    spans: p.spans,
    labels: [...p.labels],
    gold: p.gold,
    rows: acts.rows.map((byHead) => byHead.map(cut)),
    modelDistribution: Float32Array.from(acts.modelDistribution),
  };
}

/**
 * The streaming analyses: `add` one prompt with its activations at a time, then `result`. Every
 * prompt must have the same number of demonstrations and template (the attention map's layout),
 * and give the same optional activations.
 */
export class ProbeAnalyses {
  readonly options: ProbeAnalysesOptions;
  private readonly votes: AttentionVoteAccumulator;
  private readonly map: AttentionMap;
  private readonly output = correlations();
  private readonly truth = new Map<string, Record<VoteVariant, KernelCorrelation>>();
  private readonly keys: KvProbe;
  private readonly values: KvProbe;
  private readonly keyClasses: KvProbe;
  private readonly baselines = new Map<string, { description: string; predictions: number[] }>();
  private probed = 0;
  private withSimilarity = 0;
  /** The prompt indices `samplePrompts` keeps (the first of the held-out part at `expectedPrompts`), and what they kept. */
  private readonly sampleAt: ReadonlySet<number>;
  private readonly samples: HeldOutSample[] = [];

  constructor(options: ProbeAnalysesOptions) {
    this.options = options;
    checkLabels([], options.numClasses);
    const probePrompts = options.probePrompts ?? 256;
    if (!Number.isInteger(probePrompts) || probePrompts < 0)
      throw new OptionError(`probePrompts ${probePrompts} is not a whole number`, 'give 0 or more prompts');
    // Each prompt is one group of the probes' folds: too few would fail only at result(), after every prompt ran.
    const probed = Math.min(probePrompts, options.expectedPrompts ?? probePrompts);
    if (probed > 0 && probed < KV_PROBE_FOLDS)
      throw new OptionError(
        `key/value probes on ${probed} prompts cannot fill their ${KV_PROBE_FOLDS} folds (each prompt is one fold's group)`,
        `give probePrompts 0 to skip the probes, or at least ${KV_PROBE_FOLDS} (and as many prompts)`,
      );
    this.sampleAt = sampleIndices(options);
    this.votes = new AttentionVoteAccumulator({ numClasses: options.numClasses });
    this.map = new AttentionMap({ resolution: options.resolution });
    const shape = { heads: options.kvHeads, dHead: options.dHead, offsets: options.offsets, lambdas: options.lambdas, seed: options.seed };
    this.keys = new KvProbe(shape);
    this.values = new KvProbe(shape);
    this.keyClasses = new KvProbe(shape);
  }

  /** Prompts added so far. */
  get prompts(): number {
    return this.votes.prompts;
  }

  /** Held-out prompts kept so far (at most `samplePrompts`). */
  get sampled(): number {
    return this.samples.length;
  }

  /** Whether the next prompt's keys and values still feed the probes (the first `probePrompts` do). */
  get wantsKv(): boolean {
    return this.probed < (this.options.probePrompts ?? 256);
  }

  /** Checks a prompt's tokens, spans and labels. */
  check(p: ProbePrompt): void {
    if (p.spans.length !== p.tokens.length) {
      throw new ShapeError(
        `prompt spans cover ${p.spans.length} tokens but the prompt has ${p.tokens.length}`,
        'build spans from the same tokens',
      );
    }
    if (p.labels.length !== p.spans.y.length)
      throw new ShapeError(`${p.labels.length} labels for ${p.spans.y.length} demonstrations`, 'give one label per demonstration');
    checkLabels(p.labels, this.options.numClasses);
    checkLabels([p.gold], this.options.numClasses, 'gold label of prompt');
  }

  /** Scores one prompt from its activations. */
  add(p: ProbePrompt, acts: PromptActivations): this {
    this.check(p);
    const { rows } = acts;
    const c = this.options.numClasses;
    this.votes.add({
      rows,
      spans: p.spans,
      labels: p.labels,
      gold: p.gold,
      modelDistribution: acts.modelDistribution,
      classes: p.classes,
      queryClass: p.queryClass,
    });
    if (this.sampleAt.has(this.prompts - 1)) this.samples.push(heldOutSample(this.prompts - 1, p, acts));
    this.map.add(rows, p.spans);
    if (acts.outputSimilarity !== undefined) {
      this.withSimilarity++;
      for (const k of Object.values(this.output)) k.add(rows, p.spans, acts.outputSimilarity);
      this.baseline(
        'output-similarity',
        "vote weighted by the model's output similarity P(o | x_test)^T P(o | x_i)",
        attentionVote(acts.outputSimilarity, p.labels, c).prediction,
      );
    }
    for (const [name, values] of Object.entries(p.trueKernels ?? {})) {
      if (!this.truth.has(name)) this.truth.set(name, correlations());
      for (const k of Object.values(this.truth.get(name)!)) k.add(rows, p.spans, values);
      this.baseline(
        `true-kernel:${name}`,
        `vote weighted by the world's ${name} kernel K(x_test, x_i)`,
        attentionVote(values, p.labels, c).prediction,
      );
    }
    acts.hidden?.query.forEach((q, l) => {
      this.baseline(
        `hidden-cosine:L${l}`,
        `kernel regression (cosine kernel, kernels' NadarayaWatson) on layer ${l}'s mean-pooled hidden states of each input alone`,
        this.hiddenVote(
          acts.hidden!.demos.map((d) => d[l]),
          q,
          p.labels,
        ),
      );
    });
    if (acts.kv !== undefined && this.wantsKv) {
      this.addProbes(p, acts.kv, acts.inputArgmax);
      this.probed++;
    }
    return this;
  }

  /** Scores everything accumulated. */
  result(): ProbeResult {
    if (this.prompts < 2)
      throw new OptionError(`${this.prompts} prompt(s) probed`, 'probe at least 2 prompts (a selection and a held-out part)');
    const expected = this.options.expectedPrompts;
    if (expected !== undefined && expected !== this.prompts) {
      throw new OptionError(
        `${this.prompts} prompts probed but expectedPrompts is ${expected} (the held-out samples were chosen for ${expected})`,
        'pass expectedPrompts equal to the number of prompts added',
      );
    }
    if (this.withSimilarity !== 0 && this.withSimilarity !== this.prompts) {
      throw new OptionError(
        `${this.withSimilarity} of ${this.prompts} prompts give the output similarity`,
        'give it for every prompt or for none',
      );
    }
    for (const [name, b] of this.baselines) {
      if (b.predictions.length !== this.prompts)
        throw new OptionError(
          `baseline ${name} is missing for some prompts`,
          'give every prompt the same optional activations and true kernels',
        );
    }
    const selectFrac = this.options.selectFrac ?? 0.7;
    const seed = this.options.seed ?? 0;
    const trueCorrelation = Object.fromEntries([...this.truth].map(([name, k]) => [name, results(k)]));
    const summary = probeSummary(this.votes, { correlations: this.truth.values().next().value, selectFrac, seed });
    const split = selectionSplit(this.prompts, { selectFrac, seed });
    const { model, gold } = this.votes.predictions();
    const score = (pred: readonly number[], subset: readonly number[]): Score => {
      const at = (v: readonly number[]) => subset.map((i) => v[i]);
      return { agreement: agreement(at(pred), at(model)), accuracy: accuracy(at(pred), at(gold)) };
    };
    const everyone = model.map((_, i) => i);
    const probe = (p: KvProbe) => (p.examples > 0 ? p.result() : null);
    return {
      summary,
      map: this.map.result(),
      outputCorrelation: this.withSimilarity > 0 ? results(this.output) : null,
      trueCorrelation,
      keys: probe(this.keys),
      values: probe(this.values),
      keyClasses: probe(this.keyClasses),
      baselines: [...this.baselines].map(([name, b]) => ({
        name,
        description: b.description,
        all: score(b.predictions, everyone),
        heldOut: score(b.predictions, split.heldOut),
      })),
      samples: [...this.samples],
    };
  }

  private baseline(name: string, description: string, prediction: number): void {
    if (!this.baselines.has(name)) this.baselines.set(name, { description, predictions: [] });
    const entry = this.baselines.get(name)!;
    if (entry.predictions.length !== this.votes.prompts - 1) {
      throw new OptionError(
        `baseline ${name} is missing for some prompts`,
        'give every prompt the same optional activations and true kernels',
      );
    }
    entry.predictions.push(prediction);
  }

  /** argmax_y sum_i cos(h(x_test), h(x_i)) e(y_i), through kernels' NadarayaWatson (the theorem's 1/n form). */
  private hiddenVote(demos: readonly ArrayLike<number>[], query: ArrayLike<number>, labels: readonly number[]): number {
    if (demos.length === 0) return 0;
    const d = query.length;
    const x: Matrix = { rows: demos.length, cols: d, data: Float32Array.from(demos.flatMap((f) => Array.from(f))) };
    const nw = new NadarayaWatson({ kernel: 'cosine', normalize: false }).fit(x, {
      kind: 'class',
      labels,
      numClasses: this.options.numClasses,
    });
    const out = nw.predict({ rows: 1, cols: d, data: Float32Array.from(query) });
    return argmax(out.data);
  }

  /** Feeds the probes the demonstrations whose offset window fits inside the prompt. */
  private addProbes(p: ProbePrompt, kv: NonNullable<PromptActivations['kv']>, inputArgmax: ArrayLike<number> | undefined): void {
    const offsets = this.keys.offsets;
    const lo = Math.min(...offsets);
    const hi = Math.max(...offsets);
    const all = labelPositions(p.spans);
    const keep = all.flatMap((pos, i) => (pos + lo >= 0 && pos + hi < p.tokens.length ? [i] : []));
    if (keep.length === 0) return;
    const positions = keep.map((i) => all[i]);
    if (inputArgmax !== undefined)
      this.keys.add(
        kv.keys,
        positions,
        keep.map((i) => inputArgmax[i]),
      );
    this.values.add(
      kv.values,
      positions,
      keep.map((i) => p.labels[i]),
    );
    if (p.classes)
      this.keyClasses.add(
        kv.keys,
        positions,
        keep.map((i) => p.classes![i]),
      );
  }
}
