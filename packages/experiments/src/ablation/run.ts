/**
 * The causal test of the attention-as-kernel reading: the model's in-context accuracy with each
 * head ablated alone (mean or zero), and, for the head the probe selects, its final-position
 * attention to the demonstrations of x_test's class knocked out against the same attention mass
 * removed from the other demonstrations. The kernel view predicts that the selected head's
 * ablation hurts most, and that the same-class knock-out hurts far more than the other-class one.
 */
import { type AblationKnockout, type AblationReport, type AblationRow, ablationReportSchema, OptionError, tf } from '@iclkr/core';
import {
  type HookedModel,
  type Interventions,
  headMean,
  knockOut,
  logitsAt,
  meanAblation,
  Probe,
  type ProbePrompt,
  rightPadded,
  rowsAt,
  scaleAttention,
  tidyData,
  VOTE_VARIANTS,
  type VoteVariant,
  zeroAblation,
} from '@iclkr/probing';
import type { World } from '@iclkr/theory';
import { checkPromptsFit } from '../icl/evaluate.js';
import type { ExperimentIo } from '../io.js';
import { type RunContext, reportMeta, throwIfAborted } from '../meta.js';
import type { TextPromptParts } from '../probe/sources.js';
import { labelTokens, textPrompts } from '../probe/text-prompts.js';
import { worldLabels, worldPrompts } from '../probe/world-prompts.js';
import { attendedPair, classPair, KNOCKOUT_TARGETS, mostAttendedCount } from './knockout.js';
import { checkWorldVocabulary } from '../world.js';

/** How a head is silenced: its output replaced by its mean over a reference batch, or by zeros. */
export const ABLATION_MODES = ['mean', 'zero'] as const;

/** One of ABLATION_MODES. */
export type AblationMode = (typeof ABLATION_MODES)[number];

/** Where the prompts come from: a task world (our GPT), or text data with a demonstration pool (any loaded model). */
export type AblationSource =
  | {
      readonly kind: 'world';
      readonly world: World;
      /** How the world was named (a preset, a file, or the model's own). */
      readonly worldSource: string;
      /** Input length k. */
      readonly length: number;
    }
  | ({ readonly kind: 'text' } & TextPromptParts);

/** What to ablate: the model (loaded by the caller), where its prompts come from, and how many. */
export interface AblationSettings {
  readonly model: HookedModel;
  readonly modelName: string;
  readonly source: AblationSource;
  /** Demonstrations n per prompt. */
  readonly shots: number;
  readonly prompts: number;
  readonly mode: AblationMode;
  readonly seed: number;
  /** Fraction of prompts that choose the probe's head (default 0.7, as `iclkr probe`). */
  readonly selectFrac?: number;
  /** Where the probe reads a head's vote when it selects the head (default `span`, the head `iclkr probe` reports first). */
  readonly variant?: VoteVariant;
  /** Prompts of the mean-ablation's reference batch, drawn apart from the scored ones (default min(prompts, 128)). */
  readonly referencePrompts?: number;
  /** Prompts per forward pass (default 64). */
  readonly batch?: number;
}

/** The prompts of a source: the label tokens, a seeded sampler of prompt batches, its description, settings and knock-out pair. */
function openSource(settings: AblationSettings, batch: number) {
  const { model, source, shots } = settings;
  if (source.kind === 'text') {
    const { tokenizer, data, demos, template, labelWords } = source;
    return {
      labelTokens: labelTokens(tokenizer, template, labelWords),
      sample: (count: number, seed: number) => [
        ...textPrompts(tokenizer, data, demos, { shots, prompts: count, template, labelWords, seed, batch }),
      ],
      described: `${source.dataName} (demonstrations from ${source.demosName}, template '${template}')`,
      world: null,
      length: null,
      settings: { data: source.dataName, demos: source.demosName, template, labelWords },
      targets: KNOCKOUT_TARGETS.text,
      pair: attendedPair,
    };
  }
  const { world, length } = source;
  checkPromptsFit({ shots: [shots], lengths: [length], prompts: settings.prompts, ood: false, seed: settings.seed }, model.config.nCtx);
  checkWorldVocabulary(model, world, 'ablate');
  const name = world.spec.name ?? source.worldSource;
  return {
    labelTokens: worldLabels(world).tokens,
    sample: (count: number, seed: number) => [
      ...worldPrompts(world, { shots, length, prompts: count, ood: false, seed, batch, trueKernels: false }),
    ],
    described: `world ${name}`,
    world: name,
    length,
    settings: { world: source.worldSource, length },
    targets: KNOCKOUT_TARGETS.world,
    pair: classPair,
  };
}

/** Argmax over the label tokens of each prompt's final position, with `interventions(batch)` in the pass. */
function predictions(
  model: HookedModel,
  prompts: readonly ProbePrompt[],
  labelTokens: readonly number[],
  batch: number,
  interventions?: (rows: readonly ProbePrompt[]) => Interventions,
): Int32Array {
  const out = new Int32Array(prompts.length);
  const labels = Int32Array.from(labelTokens);
  for (let start = 0; start < prompts.length; start += batch) {
    const rows = prompts.slice(start, start + batch);
    const probs = tidyData(() => {
      const { ids, last } = rightPadded(rows.map((p) => p.tokens));
      const { logits, cache } = model.run(ids, { logitPositions: last, interventions: interventions?.(rows) });
      tf.dispose([...cache.values()]);
      return tf.gather(logitsAt(logits, last).reshape([rows.length, model.config.vocabSize]), labels, 1);
    });
    const c = labels.length;
    rows.forEach((_, r) => {
      let best = 0;
      for (let j = 1; j < c; j++) if (probs[r * c + j]! > probs[r * c + best]!) best = j;
      out[start + r] = best;
    });
  }
  return out;
}

/** The final position's attention row of one head per prompt ([prompt][key]). */
function finalRows(model: HookedModel, prompts: readonly ProbePrompt[], layer: number, head: number, batch: number): Float32Array[] {
  const hook = `blocks.${layer}.attn.hook_pattern`;
  const out: Float32Array[] = [];
  for (let start = 0; start < prompts.length; start += batch) {
    const rows = prompts.slice(start, start + batch);
    const { ids, last, length } = rightPadded(rows.map((p) => p.tokens));
    const { logits, cache } = model.run(ids, { cache: [hook], logitPositions: last });
    const values = tidyData(() => rowsAt(cache.get(hook)!, 2, last).slice([0, head, 0, 0], [rows.length, 1, 1, length]));
    tf.dispose([ids, logits, ...cache.values()]);
    rows.forEach((_, r) => out.push(values.slice(r * length, (r + 1) * length)));
  }
  return out;
}

function mean(v: readonly number[]): number {
  return v.reduce((s, x) => s + x, 0) / v.length;
}

function median(v: readonly number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs the ablations (progress stage `ablate`, a step per pass over the prompts) and returns the report. */
export function runAblation(settings: AblationSettings, io: ExperimentIo, run: RunContext): AblationReport {
  const started = performance.now();
  const { model, shots, mode, seed } = settings;
  const selectFrac = settings.selectFrac ?? 0.7;
  const variant = settings.variant ?? 'span';
  if (!(VOTE_VARIANTS as readonly string[]).includes(variant)) {
    throw new OptionError(`vote variant '${variant}' is not one of ${VOTE_VARIANTS.join(', ')}`, `pass one of ${VOTE_VARIANTS.join(', ')}`);
  }
  const batch = settings.batch ?? 64;
  if (!(ABLATION_MODES as readonly string[]).includes(mode)) {
    throw new OptionError(`ablation mode '${mode}' is not one of ${ABLATION_MODES.join(', ')}`, 'pass --mode mean or --mode zero');
  }
  if (!Number.isInteger(settings.prompts) || settings.prompts < 2) {
    throw new OptionError(`${settings.prompts} prompt(s) cannot both select a head and score it`, 'pass --prompts 2 or more');
  }
  const source = openSource(settings, batch);
  const { labelTokens: tokens, sample } = source;
  const { nLayers, nHeads } = model.config;
  const referenceCount = mode === 'zero' ? 0 : (settings.referencePrompts ?? Math.min(settings.prompts, 128));
  const total = 3 + nLayers * nHeads + (referenceCount > 0 ? 1 : 0) + 2;
  let done = 0;
  const step = () => {
    throwIfAborted(io.signal);
    io.progress(++done, total, 'ablate');
  };

  // The probe's head, chosen on its selection split of the same prompts (`iclkr probe` with the same seed draws them).
  const batches = sample(settings.prompts, seed);
  const prompts = batches.flat();
  step();
  const probe = new Probe(model, { labelTokens: tokens, selectFrac, seed, probePrompts: 0, expectedPrompts: prompts.length });
  for (const b of batches) probe.add(b);
  const { summary } = probe.result();
  const selected = summary.bestByVariant[variant];
  step();

  const gold = prompts.map((p) => p.gold);
  const score = (pred: Int32Array, base?: Int32Array) => ({
    accuracy: mean(Array.from(pred, (y, i) => (y === gold[i] ? 1 : 0))),
    agreement: base === undefined ? 1 : mean(Array.from(pred, (y, i) => (y === base[i] ? 1 : 0))),
  });
  const base = predictions(model, prompts, tokens, batch);
  const baseline = score(base).accuracy;
  step();

  const reference = referenceCount > 0 ? sample(referenceCount, (seed ^ 0x5ab1e) | 0).flat() : [];
  if (reference.length > 0) step();
  const rows: AblationRow[] = [];
  for (let layer = 0; layer < nLayers; layer++) {
    for (let head = 0; head < nHeads; head++) {
      const address = { layer, head };
      const interventions =
        mode === 'zero'
          ? zeroAblation(model.config, address)
          : meanAblation(
              model.config,
              address,
              headMean(
                model,
                reference.map((p) => p.tokens),
                address,
                batch,
              ),
            );
      const s = score(
        predictions(model, prompts, tokens, batch, () => interventions),
        base,
      );
      rows.push({ layer, head, ...s, drop: baseline - s.accuracy });
      step();
    }
  }

  const knockout: AblationKnockout[] = [];
  const notes: string[] = [];
  const withClasses = settings.source.kind === 'text' || prompts.every((p) => p.classes !== undefined && p.queryClass !== undefined);
  if (withClasses) {
    const attention = finalRows(model, prompts, selected.layer, selected.head, batch);
    const pairs = prompts.map((p, i) => source.pair(p, attention[i]!));
    const offset = (rows: readonly ProbePrompt[]) => prompts.indexOf(rows[0]!);
    const head = { layer: selected.layer, head: selected.head };
    const knocked = score(
      predictions(model, prompts, tokens, batch, (rows) =>
        knockOut(model.config, {
          ...head,
          query: rows.map((p) => p.spans.final),
          keys: rows.map((_, r) => pairs[offset(rows) + r]!.keys),
        }),
      ),
      base,
    );
    const [target, control] = source.targets;
    knockout.push({ target, ...knocked, drop: baseline - knocked.accuracy, removedMass: mean(pairs.map((p) => p.removed)) });
    step();
    const controlled = score(
      predictions(model, prompts, tokens, batch, (rows) =>
        scaleAttention(model.config, {
          ...head,
          query: rows.map((p) => p.spans.final),
          keep: pairs.slice(offset(rows), offset(rows) + rows.length).map((p) => p.controlKeep),
        }),
      ),
      base,
    );
    knockout.push({
      target: control,
      ...controlled,
      drop: baseline - controlled.accuracy,
      removedMass: mean(pairs.map((p) => p.controlRemoved)),
    });
    step();
  } else {
    notes.push("The world's inputs have no classes: no same-class against other-class knock-out.");
    done += 2;
  }

  const own = rows.find((r) => r.layer === selected.layer && r.head === selected.head)!;
  const others = rows.filter((r) => r !== own).map((r) => r.drop);
  const worst = rows.reduce((a, b) => (b.drop > a.drop ? b : a));
  const rank = 1 + rows.filter((r) => r.drop > own.drop).length;
  const f = (x: number) => x.toFixed(3);
  const reads = { span: 'over [x_i, y_i]', label: 'on y_i', line: 'over the line with its delimiter' }[variant];
  notes.push(
    `The probe's head is the one whose vote (attention ${reads}) agrees most with the model on the selection split.`,
    `Ablating the probe's head L${own.layer}H${own.head} drops accuracy by ${f(own.drop)}, ` +
      `against a median drop of ${f(others.length > 0 ? median(others) : 0)} for the other ${others.length} heads.`,
    worst === own || worst.drop === own.drop
      ? "The probe's head is the one whose ablation hurts most."
      : `The head whose ablation hurts most is L${worst.layer}H${worst.head} (drop ${f(worst.drop)}); the probe's head ranks ` +
          `${rank} of ${rows.length} by drop. ` +
          (worst.layer < own.layer
            ? 'An earlier layer can matter more without voting like a kernel: it may build the features the later head compares.'
            : 'The head that votes most like the model is not the one the model needs most: its vote may be duplicated or read out elsewhere.'),
  );
  if (knockout.length === 2) {
    const [first, second] = knockout as [AblationKnockout, AblationKnockout];
    const what =
      settings.source.kind === 'text'
        ? `the ${mostAttendedCount(shots)} demonstration(s) it attends to most`
        : 'the same-class demonstrations';
    const control = settings.source.kind === 'text' ? 'the least-attended demonstrations' : 'the other demonstrations';
    notes.push(
      `Knocking out its attention to ${what} (mass ${f(first.removedMass)}) drops accuracy by ${f(first.drop)}; ` +
        `removing the same mass from ${control} (${f(second.removedMass)}) by ${f(second.drop)}.`,
    );
  }
  return ablationReportSchema.parse({
    meta: reportMeta('ablation', run, {
      seed,
      settings: {
        model: settings.modelName,
        ...source.settings,
        shots,
        prompts: settings.prompts,
        mode,
        selectFrac,
        variant,
        referencePrompts: referenceCount,
      },
      started,
    }),
    model: settings.modelName,
    source: source.described,
    world: source.world,
    shots,
    length: source.length,
    prompts: prompts.length,
    mode,
    referencePrompts: reference.length,
    baseline: { accuracy: baseline },
    majority: { accuracy: summary.majority.accuracy },
    rows,
    selected: { layer: selected.layer, head: selected.head, variant: selected.variant, selectionAgreement: selected.selectionAgreement },
    knockout,
    notes,
    paper: null,
  });
}
