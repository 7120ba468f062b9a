/**
 * The format experiment (SPEC §4, "output format matters"): the same prompts with the label words
 * varied, the model's accuracy in each variant's own label space and the best head's vote
 * agreement with it.
 */
import { type InsightsFormatRow, type InsightsReport, OptionError } from '@iclkr/core';
import { argmaxCredit, wilsonProportion } from '@iclkr/kernels';
import type { ExperimentIo } from '../io.js';
import { type InsightsSettings, RowHeads, Stage } from './common.js';
import { derangement, streamRng } from './noise.js';
import { type BasePrompt, type PromptSpace, type TextPrompts, WorldPrompts } from './prompts.js';

/** A variant as the report lists it. */
type InsightsVariant = Extract<InsightsReport, { experiment: 'format' }>['variants'][number];
import { scorePrompts } from './score.js';

/** One way of writing the labels: for each prompt, the word or token of each class. */
export interface FormatVariant<X, L> {
  readonly name: string;
  readonly description: string;
  /** The labels of every prompt, where they do not depend on the prompt. */
  readonly fixed: readonly L[] | null;
  labels(prompt: BasePrompt<X>, n: number): readonly L[];
}

/** Words that name no sentiment, topic or class, for the text variant `unrelated`. */
export const UNRELATED_WORDS = [
  'apple',
  'river',
  'chair',
  'cloud',
  'stone',
  'piano',
  'tiger',
  'lemon',
  'glass',
  'horse',
  'paper',
  'window',
];

/** Variant names in a world and on text, in the order the report lists them. */
export const WORLD_FORMAT_VARIANTS = ['natural', 'swapped', 'unseen'] as const;
export const TEXT_FORMAT_VARIANTS = ['natural', 'swapped', 'symbols', 'unrelated'] as const;

/** The labels `natural` written through the derangement: class c is shown as class d(c)'s label. */
function swapped<L>(natural: readonly L[]): L[] {
  return derangement(natural.length).map((c) => natural[c]);
}

/** A fixed variant. */
function fixedVariant<X, L>(name: string, description: string, labels: readonly L[]): FormatVariant<X, L> {
  return { name, description, fixed: labels, labels: () => labels };
}

/**
 * A world's variants: its label tokens (`natural`), the same tokens through a fixed derangement of
 * the classes (`swapped`: demonstrations and the query's gold move together), and tokens the model
 * only ever saw as inputs (`unseen`: per prompt, seeded, input tokens that do not occur in it where
 * enough do not).
 */
export function worldFormatVariants(space: WorldPrompts, seed: number): FormatVariant<readonly number[], number>[] {
  if (space.world.spec.labels === undefined)
    throw new OptionError(
      `world ${space.source} has no label set: every token but the delimiter may follow x, so no token is unseen as a label`,
      'run insights format on a world with labels (classify, recall)',
    );
  const natural = space.natural;
  const inputs = space.inputOnlyTokens();
  if (inputs.length < space.classes)
    throw new OptionError(
      `the world has ${inputs.length} input-only tokens for ${space.classes} classes`,
      'use a world with more input tokens',
    );
  return [
    fixedVariant('natural', "the world's label tokens", natural),
    fixedVariant(
      'swapped',
      `the label tokens permuted by the derangement c -> (c + 1) mod ${space.classes}, the query's gold with them`,
      swapped(natural),
    ),
    {
      name: 'unseen',
      description: 'input-only tokens the model never saw as labels, chosen per prompt (seeded) among those absent from it',
      fixed: null,
      labels: (prompt, n) => {
        const used = new Set([...prompt.demos.flatMap((d) => d.x), ...prompt.query]);
        const rng = streamRng(seed, 0x05ee, n, prompt.key);
        const absent = rng.shuffle(inputs.filter((t) => !used.has(t)));
        const present = rng.shuffle(inputs.filter((t) => used.has(t)));
        return [...absent, ...present].slice(0, space.classes);
      },
    },
  ];
}

/** Text variants: the label words, swapped by the derangement, letters A, B, ..., and unrelated words. */
export function textFormatVariants(space: TextPrompts): FormatVariant<string, string>[] {
  const natural = space.natural;
  const c = space.classes;
  const symbols = Array.from({ length: c }, (_, i) => String.fromCharCode(65 + i));
  const unrelated = UNRELATED_WORDS.filter((w) => !natural.includes(w)).slice(0, c);
  if (c > 26 || unrelated.length < c)
    throw new OptionError(
      `${c} classes are more than the symbol and unrelated-word variants have words for`,
      'use a task with at most 11 classes',
    );
  const variants = [
    fixedVariant<string, string>('natural', 'the label words', natural),
    fixedVariant<string, string>(
      'swapped',
      `the label words permuted by the derangement c -> (c + 1) mod ${c}, the query's gold with them`,
      swapped(natural),
    ),
    fixedVariant<string, string>('symbols', 'letters A, B, ... in class order', symbols),
    fixedVariant<string, string>('unrelated', 'words unrelated to the task, in class order', unrelated),
  ];
  for (const v of variants) space.labelTokensOf(v.fixed!);
  return variants;
}

/** The format experiment's rows: every variant at every n on the same drawn prompts. */
export function formatRows<X, L>(
  space: PromptSpace<X, L>,
  variants: readonly FormatVariant<X, L>[],
  settings: InsightsSettings,
  io: ExperimentIo,
): InsightsFormatRow[] {
  const rows: InsightsFormatRow[] = [];
  const total = settings.shots.length * variants.length * settings.prompts;
  const stage = new Stage(io, 'format', total);
  for (const n of settings.shots) {
    const base = space.draw(n, settings.prompts, settings.seed);
    for (const variant of variants) {
      const laid = base.map((p) => space.layOut(p, variant.labels(p, n)));
      const hits = new Array<number>(laid.length);
      const heads = new RowHeads(space.classes, settings);
      scorePrompts(space.model, laid, { attention: true, batch: settings.batch, onBatch: stage.advance }, (i, score) => {
        hits[i] = argmaxCredit(score.distribution, laid[i].gold);
        heads.add(laid[i], score);
      });
      const [accuracy, accuracyCi] = wilsonProportion(hits);
      const head = heads.best();
      rows.push({
        variant: variant.name,
        n,
        prompts: laid.length,
        accuracy,
        accuracyCi,
        headAgreement: head?.heldOutAgreement ?? null,
        head,
      });
    }
  }
  return rows;
}

/** The format experiment on a world's or text prompts: its variants as the report lists them, and its rows. */
export function formatExperiment(
  space: WorldPrompts | TextPrompts,
  settings: InsightsSettings,
  io: ExperimentIo,
): { variants: InsightsVariant[]; rows: InsightsFormatRow[] } {
  const listed = (variants: readonly FormatVariant<unknown, number | string>[]) =>
    variants.map((v) => ({
      name: v.name,
      description: v.description,
      labels: v.fixed === null ? null : v.fixed.map((l) => space.labelName(l as never)),
    }));
  if (space instanceof WorldPrompts) {
    const variants = worldFormatVariants(space, settings.seed);
    return { variants: listed(variants as FormatVariant<unknown, number>[]), rows: formatRows(space, variants, settings, io) };
  }
  const variants = textFormatVariants(space);
  return { variants: listed(variants as FormatVariant<unknown, string>[]), rows: formatRows(space, variants, settings, io) };
}
