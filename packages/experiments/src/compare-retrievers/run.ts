/**
 * `compare-retrievers` as a report: ICL accuracy per strategy x n, with the model as the scorer,
 * beside the explicit kernel-regression classifiers and the baselines on the same demonstrations.
 */
import { type CompareRetrieversReport, type CompareRetrieversRow, compareRetrieversReportSchema, OptionError } from '@iclkr/core';
import { wilsonProportion } from '@iclkr/kernels';
import type { HookedModel } from '@iclkr/probing';
import { type DemonstrationOrder, RETRIEVAL_STRATEGIES, type RetrievalStrategy } from '@iclkr/retrieval';
import type { World } from '@iclkr/theory';
import { MODEL_POOL_DEFAULT } from '../demonstrations.js';
import type { ExperimentIo } from '../io.js';
import { type RunContext, reportMeta, throwIfAborted } from '../meta.js';
import { labelTokens as textLabelTokens } from '../probe/text-prompts.js';
import { worldLabels } from '../probe/world-prompts.js';
import {
  cellKey,
  type CompareMethod,
  type ComparisonSide,
  compareOnSide,
  type Credits,
  METHOD_DESCRIPTIONS,
  neededViews,
} from './engine.js';
import { type ChosenHead, chooseTextHead, chooseWorldHead, variantOf } from './head.js';
import { checkHead, checkLayer, defaultLayer, type HeadChoice } from './model-views.js';
import { compareRetrieversPaper } from './paper.js';
import { textSide } from './text-side.js';
import { type KeyPosition, worldSide } from './world-side.js';
import type { TextPromptParts } from '../probe/sources.js';

/** The default pool of a task-world prompt: demonstrations drawn from the prompt's own task. */
export const WORLD_POOL_DEFAULT = 64;

/** Prompts the head-choosing probe runs by default. */
export const HEAD_PROMPTS_DEFAULT = 200;

/** Where the prompts come from: a task world (one per seed) or a text data set with a pool file. */
export type CompareSource =
  | {
      readonly kind: 'world';
      /** The world of each seed (a preset is rebuilt per seed), in the order of `seeds`. */
      readonly worlds: readonly World[];
      readonly worldSource: string;
      /** Input length k (default: the world's inputLength, else 3). */
      readonly length?: number;
    }
  | ({ readonly kind: 'text' } & TextPromptParts);

/** What to compare. */
export interface CompareRetrieversSettings {
  readonly model: HookedModel;
  readonly modelName: string;
  readonly source: CompareSource;
  readonly strategies: readonly RetrievalStrategy[];
  readonly shots: readonly number[];
  /** Prompts (queries) per seed. */
  readonly prompts: number;
  /** Pool size (default: 64 per prompt in a world; min(500, --demos) on text). */
  readonly pool?: number;
  /** The head of attention-kernel and of the head method (default: the probe's choice). */
  readonly head?: HeadChoice;
  /** Where a pool example's key is read (default: the delimiter in a world, the label on text). */
  readonly keyPosition?: KeyPosition;
  /** The hidden-state layer of hidden-knn and nw-hidden (default: the middle layer). */
  readonly layer?: number;
  readonly order: DemonstrationOrder;
  readonly seeds: readonly number[];
  readonly batch: number;
  /** Prompts of the head-choosing probe (default 200). */
  readonly headPrompts?: number;
  /** Samples of x behind the theorem kernel's Sigma (true-kernel in a world; default 2000, as simulate's). */
  readonly sigmaSamples?: number;
  /** mdl's first-stage size and candidate sets. */
  readonly mdl?: { readonly candidates?: number; readonly sets?: number };
}

/** Checks the strategies fit the source (world kernels need a world). */
function checkStrategies(strategies: readonly RetrievalStrategy[], source: CompareSource): void {
  if (strategies.length === 0) throw new OptionError('no strategies to compare', 'pass --strategies a,b,...');
  const dup = strategies.find((s, i) => strategies.indexOf(s) !== i);
  if (dup !== undefined) throw new OptionError(`--strategies names ${dup} twice`, 'name each strategy once');
  if (source.kind === 'text') {
    const world = strategies.find((s) => (RETRIEVAL_STRATEGIES[s] as { worldKernel?: string }).worldKernel !== undefined);
    if (world !== undefined)
      throw new OptionError(
        `the ${world} strategy ranks by a task world's kernel, which text has not`,
        `drop ${world} from --strategies, or pass --world`,
      );
  }
}

/** The rows: per strategy (in the order given), method and n, accuracy over every seed's prompts with its interval and per-seed values. */
function rowsOf(
  strategies: readonly string[],
  methods: readonly CompareMethod[],
  shots: readonly number[],
  perSeed: readonly Credits[],
): CompareRetrieversRow[] {
  const rows: CompareRetrieversRow[] = [];
  const ns = [...shots].sort((a, b) => a - b);
  for (const strategy of strategies) {
    for (const method of methods) {
      for (const n of ns) {
        const lists = perSeed.map((c) => c.get(cellKey(strategy, method, n)) ?? []);
        const all = lists.flat();
        if (all.length === 0) continue;
        const [accuracy, ci] = wilsonProportion(all);
        rows.push({
          strategy,
          method,
          n,
          prompts: all.length,
          accuracy,
          ci,
          perSeed: lists.map((l) => l.reduce((s, x) => s + x, 0) / l.length),
        });
      }
    }
  }
  return rows;
}

/** Runs the comparison on every seed and returns its report (progress stages: head, pool views, choose, icl, bayes). */
export function runCompareRetrievers(settings: CompareRetrieversSettings, io: ExperimentIo, run: RunContext): CompareRetrieversReport {
  const started = performance.now();
  const { model, source, strategies, seeds } = settings;
  checkStrategies(strategies, source);
  if (settings.shots.length === 0) throw new OptionError('no --shots to compare', 'pass --shots 1,2,4,8');
  if (seeds.length === 0) throw new OptionError('no seeds', 'pass --seed S or --seeds');
  const layer = settings.layer ?? defaultLayer(model);
  checkLayer(layer, model);
  if (settings.head !== undefined) checkHead(settings.head, model);
  const keyPosition = settings.keyPosition ?? (source.kind === 'world' ? 'delimiter' : 'label');
  const variant = variantOf(keyPosition);
  const largest = Math.max(...settings.shots);
  const headPrompts = settings.headPrompts ?? HEAD_PROMPTS_DEFAULT;
  const views = neededViews(strategies);
  const headSettings = { shots: Math.max(1, largest), prompts: headPrompts, seed: seeds[0], batch: settings.batch, variant };
  let labels: string[];
  let chosen: ChosenHead | undefined;
  const head = (): HeadChoice => {
    if (settings.head !== undefined) return settings.head;
    if (chosen === undefined) throw new OptionError('no head was chosen', 'pass --head L.H');
    return chosen;
  };
  const perSeed: Credits[] = [];
  let methods: CompareMethod[] = [];
  let pool: number;
  let sourceName: string;
  if (source.kind === 'world') {
    if (source.worlds.length !== seeds.length) throw new OptionError('one world per seed is needed', 'pass a world for each seed');
    const length = source.length ?? source.worlds[0].spec.inputLength ?? 3;
    labels = worldLabels(source.worlds[0]).names;
    pool = settings.pool ?? WORLD_POOL_DEFAULT;
    sourceName = `world ${source.worlds[0].spec.name ?? source.worldSource}`;
    if (settings.head === undefined) {
      io.log(`choosing the head on ${headPrompts} probe prompts of n = ${headSettings.shots} (--head L.H skips this)`);
      chosen = chooseWorldHead(model, source.worlds[0], length, headSettings);
    }
    seeds.forEach((seed, s) => {
      throwIfAborted(io.signal);
      const world = source.worlds[s];
      const kernels = new Set<'true' | 'belief'>();
      for (const st of strategies) {
        const k = (RETRIEVAL_STRATEGIES[st] as { worldKernel?: 'true' | 'belief' }).worldKernel;
        if (k !== undefined) kernels.add(k);
      }
      const side: ComparisonSide = worldSide(
        model,
        world,
        {
          prompts: settings.prompts,
          pool,
          length,
          largestShots: largest,
          seed,
          batch: settings.batch,
          views,
          kernels,
          layer,
          head: head(),
          keyPosition,
          sigmaSamples: settings.sigmaSamples,
        },
        io,
      );
      const result = compareOnSide(
        side,
        { strategies, shots: settings.shots, order: settings.order, seed, head: head(), variant, mdl: settings.mdl },
        io,
      );
      methods = result.methods;
      perSeed.push(result.credits);
    });
  } else {
    const tokens = textLabelTokens(source.tokenizer, source.template, source.labelWords);
    labels = [...source.labelWords];
    pool = settings.pool ?? Math.min(MODEL_POOL_DEFAULT, source.demos.texts.length);
    sourceName = `${source.dataName} (demonstrations from ${source.demosName}, template '${source.template}')`;
    if (settings.head === undefined) {
      io.log(`choosing the head on ${headPrompts} probe prompts of n = ${headSettings.shots} (--head L.H skips this)`);
      chosen = chooseTextHead(
        model,
        source.tokenizer,
        source.data,
        source.demos,
        { template: source.template, labelWords: source.labelWords, labelTokens: tokens },
        headSettings,
      );
    }
    for (const seed of seeds) {
      throwIfAborted(io.signal);
      const side = textSide(
        model,
        source.tokenizer,
        source.data,
        source.demos,
        { data: source.dataName, demos: source.demosName },
        {
          prompts: settings.prompts,
          pool,
          largestShots: largest,
          seed,
          batch: settings.batch,
          template: source.template,
          labelWords: source.labelWords,
          labelTokens: tokens,
          views,
          layer,
          head: head(),
          keyPosition,
        },
        io,
      );
      const result = compareOnSide(
        side,
        { strategies, shots: settings.shots, order: settings.order, seed, head: head(), variant, mdl: settings.mdl },
        io,
      );
      methods = result.methods;
      perSeed.push(result.credits);
    }
  }
  const h = head();
  const body = {
    model: settings.modelName,
    source: sourceName,
    sourceKind: source.kind,
    labels,
    seeds: [...seeds],
    strategies: [...strategies],
    shots: [...settings.shots].sort((a, b) => a - b),
    methods: methods.map((m) => ({ name: m, description: METHOD_DESCRIPTIONS[m] })),
    pool,
    layer,
    head: {
      layer: h.layer,
      head: h.head,
      keyPosition,
      variant,
      chosenBy: chosen === undefined ? ('given' as const) : ('probe' as const),
      probe:
        chosen === undefined
          ? null
          : { prompts: chosen.prompts, shots: chosen.shots, selection: chosen.selection, heldOut: chosen.heldOut },
    },
    rows: rowsOf(strategies, methods, settings.shots, perSeed),
  };
  return compareRetrieversReportSchema.parse({
    meta: reportMeta('compare-retrievers', run, {
      seed: seeds.length === 1 ? seeds[0] : null,
      settings: {
        model: settings.modelName,
        source: source.kind === 'world' ? source.worldSource : source.dataName,
        demos: source.kind === 'text' ? source.demosName : undefined,
        template: source.kind === 'text' ? source.template : undefined,
        strategies: [...strategies],
        shots: [...settings.shots],
        prompts: settings.prompts,
        pool,
        layer,
        head: `${h.layer}.${h.head}`,
        keyPosition,
        order: settings.order,
        seeds: [...seeds],
        headPrompts: chosen === undefined ? undefined : headPrompts,
        sigmaSamples: settings.sigmaSamples,
        mdl: settings.mdl,
      },
      started,
    }),
    ...body,
    paper: compareRetrieversPaper(body),
  });
}
