/**
 * The probing experiment on any HookedModel: each batch of prompts runs once with the final
 * attention rows, keys and values cached, each input x runs alone for P(o | x) and its hidden
 * states, and `ProbeAnalyses` accumulates from that.
 */

import { OptionError, ShapeError, tf } from '@iclkr/core';
import { argmax } from '@iclkr/kernels';
import { type HookedModel, LOGIT_FLOATS, lengthChunks, logitsAt, passFloats, rightPadded, rowsAt, tidyData } from '../hooked-model.js';
import { outputSimilarity } from './kernel-correlation.js';
import { attentionRows, type LayerHeadRows, promptBlock } from './pattern.js';
import { ProbeAnalyses, type ProbeAnalysesOptions, type ProbePrompt, type ProbeResult, type PromptActivations } from './probe-analyses.js';
import type { Span } from './spans.js';

/** Options of the probing experiment on a model. */
export interface ProbeOptions extends Omit<ProbeAnalysesOptions, 'numClasses' | 'kvHeads' | 'dHead'> {
  /** Token id of each label id: the model's prediction is its next-token distribution over these. */
  readonly labelTokens: readonly number[];
}

/** What one input x gives when run alone: P(o | x) over the vocabulary and its mean-pooled hidden state per layer. */
interface InputRun {
  readonly distribution: Float32Array;
  readonly features: Float32Array[];
}

/** Floats of cached attention patterns and logits one forward pass may hold (64 MB). */
const PATTERN_FLOATS = 16_000_000;

/** Floats the input cache may hold before it is cleared. */
const INPUT_CACHE_FLOATS = 16_000_000;

const RESID = (l: number) => `blocks.${l}.hook_resid_post`;
const ATTN = (l: number, hook: string) => `blocks.${l}.attn.${hook}`;

const tokensOf = (prompt: ProbePrompt, span: Span) => prompt.tokens.slice(span.start, span.end);

/**
 * The streaming experiment on a model: `add` batches of prompts (any lengths; equal lengths run
 * together), then `result`. Every prompt must have the same number of demonstrations and template.
 */
export class Probe {
  readonly options: ProbeOptions;
  private readonly model: HookedModel;
  private readonly analyses: ProbeAnalyses;
  private readonly inputs = new Map<string, InputRun>();
  private inputFloats = 0;

  constructor(model: HookedModel, options: ProbeOptions) {
    this.model = model;
    this.options = options;
    const { vocabSize, nKvHeads, dHead } = model.config;
    const bad = options.labelTokens.find((t) => !Number.isInteger(t) || t < 0 || t >= vocabSize);
    if (bad !== undefined)
      throw new OptionError(
        `label token ${bad} is outside the model's vocabulary [0, ${vocabSize})`,
        'give label words the model can predict',
      );
    if (new Set(options.labelTokens).size !== options.labelTokens.length) {
      throw new OptionError(
        `two labels share a first token (${options.labelTokens.join(', ')})`,
        'use label words whose first tokens differ',
      );
    }
    this.analyses = new ProbeAnalyses({ ...options, numClasses: options.labelTokens.length, kvHeads: nKvHeads, dHead });
  }

  /** Prompts added so far. */
  get prompts(): number {
    return this.analyses.prompts;
  }

  /**
   * Runs and scores a batch of prompts: sorted by length and cut into right-padded forward passes
   * (`rightPadded`) whose cached attention patterns and logits stay under PATTERN_FLOATS.
   */
  add(batch: readonly ProbePrompt[]): this {
    for (const p of batch) {
      this.analyses.check(p);
      if (p.tokens.length > this.model.config.nCtx) {
        throw new OptionError(
          `a prompt has ${p.tokens.length} tokens, more than the model's context of ${this.model.config.nCtx}`,
          'use fewer or shorter demonstrations (--shots)',
        );
      }
    }
    const { nLayers, nHeads, vocabSize } = this.model.config;
    const sorted = batch.map((prompt) => ({ prompt, length: prompt.tokens.length })).sort((a, b) => a.length - b.length);
    const acts = new Map<ProbePrompt, PromptActivations>();
    // Patterns are [prompts, heads, T, T] per layer, logits [prompts, 1, vocabulary].
    const floats = (count: number, longest: number) => count * (longest * nLayers * nHeads * longest + vocabSize);
    for (const part of lengthChunks(sorted, floats, PATTERN_FLOATS)) {
      const group = part.map((p) => p.prompt);
      this.run(group).forEach((a, i) => acts.set(group[i], a));
    }
    // The analyses see the prompts in the caller's order (it decides the selection split).
    for (const p of batch) this.analyses.add(p, acts.get(p)!);
    return this;
  }

  /** Scores everything accumulated. */
  result(): ProbeResult {
    return this.analyses.result();
  }

  /** One right-padded forward pass over `group` (and its inputs alone): each prompt's activations. */
  private run(group: readonly ProbePrompt[]): PromptActivations[] {
    const { nLayers, nHeads } = this.model.config;
    const kv = this.analyses.wantsKv;
    const names = Array.from({ length: nLayers }, (_, l) => [
      ATTN(l, 'hook_pattern'),
      ...(kv ? [ATTN(l, 'hook_k'), ATTN(l, 'hook_v')] : []),
    ]).flat();
    const { ids, last, length } = rightPadded(group.map((p) => p.tokens));
    const { logits, cache } = this.model.run(ids, { cache: names, logitPositions: last });
    ids.dispose();
    const read = (t: tf.Tensor) => t.dataSync() as Float32Array;
    let rowsByLayer: Float32Array[];
    let distributions: Float32Array;
    const blocks: { k: Float32Array; v: Float32Array; shape: [number, number, number, number] }[] = [];
    try {
      distributions = tidyData(() =>
        tf.softmax(tf.gather(logitsAt(logits, last).squeeze([1]), Int32Array.from(this.options.labelTokens), 1)),
      );
      rowsByLayer = Array.from({ length: nLayers }, (_, l) => {
        const pattern = cache.get(ATTN(l, 'hook_pattern'));
        if (pattern === undefined)
          throw new OptionError(
            'the model does not report attention patterns (hook_pattern)',
            'probe a model whose attention fires hook_pattern, such as our GPT, GPT-2 or Llama',
          );
        return tidyData(() => rowsAt(pattern, 2, last));
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
    this.runInputs(group.flatMap((p) => [...p.spans.x.map((s) => tokensOf(p, s)), tokensOf(p, p.spans.query)]));
    const c = this.options.labelTokens.length;
    return group.map((p, b) => {
      const rows: LayerHeadRows = rowsByLayer.map((flat) => attentionRows(flat, [group.length, nHeads, 1, length], b, 0));
      const demos = p.spans.x.map((s) => this.inputs.get(tokensOf(p, s).join(','))!);
      const query = this.inputs.get(tokensOf(p, p.spans.query).join(','))!;
      return {
        rows,
        modelDistribution: distributions.subarray(b * c, (b + 1) * c),
        outputSimilarity: outputSimilarity(
          query.distribution,
          demos.map((d) => d.distribution),
        ),
        inputArgmax: demos.map((d) => argmax(d.distribution)),
        hidden: { query: query.features, demos: demos.map((d) => d.features) },
        ...(kv
          ? { kv: { keys: blocks.map((x) => promptBlock(x.k, x.shape, b)), values: blocks.map((x) => promptBlock(x.v, x.shape, b)) } }
          : {}),
      };
    });
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
    const names = Array.from({ length: nLayers }, (_, l) => RESID(l));
    const sorted = [...missing].map(([key, tokens]) => ({ key, tokens, length: tokens.length })).sort((a, b) => a.length - b.length);
    const floats = (count: number, longest: number) => count * (passFloats(this.model.config, longest) + longest * nLayers * dModel);
    for (const part of lengthChunks(sorted, floats, LOGIT_FLOATS)) {
      const chunk = part.map((p): [string, readonly number[]] => [p.key, p.tokens]);
      const { ids, last } = rightPadded(chunk.map(([, s]) => s));
      const { logits, cache } = this.model.run(ids, { cache: names, logitPositions: last });
      ids.dispose();
      try {
        const dist = tidyData(() => tf.softmax(logitsAt(logits, last).squeeze([1])));
        // Mean over each input's own positions (the padding after it is left out).
        const pooled = names.map((n) =>
          tidyData(() =>
            tf.concat(
              last.map((end, b) =>
                cache
                  .get(n)!
                  .slice([b, 0, 0], [1, end + 1, dModel])
                  .mean(1),
              ),
              0,
            ),
          ),
        );
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
