/**
 * The prompts the insight experiments vary: drawn once (demonstrations with their classes, a
 * query and its gold class), then laid out for the model with a chosen word or token per class,
 * in a chosen order, and with the query replaced where asked (typo noise).
 */
import { OptionError, Rng } from '@iclkr/core';
import { type HookedModel, textPromptSpans, tokenPromptSpans } from '@iclkr/probing';
import { createRetriever } from '@iclkr/retrieval';
import { samplePrompt, type World } from '@iclkr/theory';
import { taskPool } from '../icl/evaluate.js';
import { checkTextData, labelTokens } from '../probe/text-prompts.js';
import { worldLabels } from '../probe/world-prompts.js';
import { streamRng } from './noise.js';
import type { LaidOutPrompt } from './score.js';
import type { TextPromptParts } from '../probe/sources.js';
import { checkWorldVocabulary } from '../world.js';

/** One drawn prompt: demonstrations (input and class) and the query with its gold class; `key` names the query for seeded noise. */
export interface BasePrompt<X> {
  readonly demos: readonly { readonly x: X; readonly label: number }[];
  readonly query: X;
  readonly gold: number;
  /** The query's identity: its index in the data (text) or the prompt's index in its draw (worlds). */
  readonly key: number;
}

/** Which prompts of a world to draw: by prior (in distribution), uniformly over the prior-0 tasks, or from one task. */
export type TaskChoice = { readonly ood: boolean } | { readonly task: number };

/** Prompts of one kind (a world's tokens or text), drawn and laid out. */
export interface PromptSpace<X, L> {
  readonly mode: 'world' | 'text';
  readonly model: HookedModel;
  /** Number of classes C. */
  readonly classes: number;
  /** The natural label of each class (world: its label token; text: its label word). */
  readonly natural: readonly L[];
  /** Class names for the report. */
  readonly names: readonly string[];
  /** The prompts' source in words. */
  readonly source: string;
  /** `count` prompts of n demonstrations (a world's `choice` of tasks; text ignores it). */
  draw(n: number, count: number, seed: number, choice?: TaskChoice): BasePrompt<X>[];
  /** The prompt with class c written as labels[c], demonstration `order[j]` at position j, and `query` in place of its own. */
  layOut(prompt: BasePrompt<X>, labels: readonly L[], order?: readonly number[], query?: X): LaidOutPrompt;
  /** A label as text for the report. */
  labelName(label: L): string;
}

/** A world's prompts: tokens x of length k, the world's label tokens, its delimiter after each demonstration. */
export class WorldPrompts implements PromptSpace<readonly number[], number> {
  readonly mode = 'world' as const;
  readonly classes: number;
  readonly natural: readonly number[];
  readonly names: readonly string[];
  readonly source: string;
  constructor(
    readonly model: HookedModel,
    readonly world: World,
    readonly length: number,
    worldName: string,
  ) {
    checkWorldVocabulary(model, world, 'run');
    const { tokens, names } = worldLabels(world);
    this.natural = tokens;
    this.names = names;
    this.classes = tokens.length;
    this.source = `world ${world.spec.name ?? worldName}`;
  }

  /**
   * Prompts drawn as `iclkr icl` draws them for the same seed, n and k (one stream per row: tasks by
   * prior, or uniform over the prior-0 ones), or from one task on a stream of its own.
   */
  draw(n: number, count: number, seed: number, choice: TaskChoice = { ood: false }): BasePrompt<readonly number[]>[] {
    const k = this.length;
    const byPool = 'ood' in choice;
    const pool = byPool ? taskPool(this.world, choice.ood) : { tasks: [choice.task], weights: [1] };
    if (pool.tasks.length === 0)
      throw new OptionError(
        `the world has no ${byPool && choice.ood ? 'out-of-distribution task (prior 0)' : 'task with prior > 0'}`,
        'use a world with such tasks',
      );
    const rng = byPool ? streamOfIcl(seed, n, k, choice.ood) : streamRng(seed, 0x7a5c, choice.task, n, k);
    return Array.from({ length: count }, (_, key) => {
      const p = samplePrompt(this.world, pool.tasks[rng.categorical(pool.weights)], n, k, rng);
      return {
        demos: p.demos.map(([x, y]) => ({ x, label: this.classOf(y) })),
        query: p.query,
        gold: this.classOf(p.queryLabel),
        key,
      };
    });
  }

  layOut(
    prompt: BasePrompt<readonly number[]>,
    labels: readonly number[],
    order?: readonly number[],
    query?: readonly number[],
  ): LaidOutPrompt {
    const demos = order === undefined ? prompt.demos : order.map((j) => prompt.demos[j]);
    const tokens: number[] = [];
    for (const d of demos) tokens.push(...d.x, labels[d.label], this.world.delimiter);
    tokens.push(...(query ?? prompt.query));
    return {
      tokens,
      spans: tokenPromptSpans(demos.length, this.length),
      labels: demos.map((d) => d.label),
      gold: prompt.gold,
      labelTokens: labels,
    };
  }

  labelName(label: number): string {
    return `token ${label}`;
  }

  /** The tokens no task emits as a label: every token but the label set and the delimiter. */
  inputOnlyTokens(): number[] {
    return Array.from({ length: this.world.m }, (_, t) => t).filter((t) => t !== this.world.delimiter && !this.natural.includes(t));
  }

  private classOf(token: number): number {
    const c = this.natural.indexOf(token);
    if (c < 0) throw new OptionError(`a sampled label token ${token} is not in the world's label set`, 'fix the world');
    return c;
  }
}

/** The stream `evaluateIcl` draws a row's prompts from (so a world's natural prompts are the icl experiment's). */
function streamOfIcl(seed: number, n: number, k: number, ood: boolean): Rng {
  return new Rng((seed * 1_000_003 + n * 1009 + k * 31 + (ood ? 7 : 0)) | 0);
}

/** What text prompts read: the model and tokenizer, the queries, the pool, the template and the label words. */
export interface TextPromptInput extends TextPromptParts {
  readonly model: HookedModel;
}

/** Text prompts: queries of the data in a seeded order, n demonstrations drawn at random from the pool, laid out by a template. */
export class TextPrompts implements PromptSpace<string, string> {
  readonly mode = 'text' as const;
  readonly model: HookedModel;
  readonly classes: number;
  readonly natural: readonly string[];
  readonly names: readonly string[];
  readonly source: string;
  private readonly input: TextPromptInput;
  private readonly tokensOf = new Map<string, number[]>();

  constructor(input: TextPromptInput) {
    checkTextData(input.data, input.demos);
    this.input = input;
    this.model = input.model;
    this.natural = input.labelWords;
    this.names = input.labelWords;
    this.classes = input.labelWords.length;
    this.source = `${input.dataName} (demonstrations from ${input.demosName}, template '${input.template}')`;
    this.labelTokensOf(this.natural);
  }

  /**
   * The queries `iclkr probe --data` scores for the same seed (the data in a seeded order), each
   * with n demonstrations drawn as its default `random` retrieval draws them.
   */
  draw(n: number, count: number, seed: number): BasePrompt<string>[] {
    const { data, demos } = this.input;
    if (demos.texts.length < n)
      throw new OptionError(`--demos has ${demos.texts.length} examples, fewer than --shots ${n}`, 'pass a larger pool or fewer shots');
    if (count > data.texts.length)
      throw new OptionError(
        `--prompts ${count} is more than the ${data.texts.length} examples of --data`,
        `pass --prompts ${data.texts.length} or fewer`,
      );
    const rng = new Rng(seed);
    const order = rng.shuffle(data.texts.map((_, i) => i)).slice(0, count);
    const random = createRetriever('random').fit({ texts: demos.texts, labels: demos.labels, numClasses: demos.labelNames.length });
    return order.map((q) => ({
      demos: random.select({ text: '' }, n, rng).indices.map((i) => ({ x: demos.texts[i], label: demos.labels[i] })),
      query: data.texts[q],
      gold: data.labels[q],
      key: q,
    }));
  }

  layOut(prompt: BasePrompt<string>, labels: readonly string[], order?: readonly number[], query?: string): LaidOutPrompt {
    const demos = order === undefined ? prompt.demos : order.map((j) => prompt.demos[j]);
    const laid = textPromptSpans(
      this.input.tokenizer,
      demos.map((d) => ({ x: d.x, y: labels[d.label] })),
      query ?? prompt.query,
      { template: this.input.template },
    );
    return {
      tokens: laid.ids,
      spans: laid.spans,
      labels: demos.map((d) => d.label),
      gold: prompt.gold,
      labelTokens: this.labelTokensOf(labels),
    };
  }

  labelName(label: string): string {
    return label;
  }

  /** The first token of each word where the template puts it (checked distinct), cached per word list. */
  labelTokensOf(words: readonly string[]): number[] {
    const key = words.join('\u0000');
    let tokens = this.tokensOf.get(key);
    if (tokens === undefined) {
      tokens = labelTokens(this.input.tokenizer, this.input.template, words);
      this.tokensOf.set(key, tokens);
    }
    return tokens;
  }
}
