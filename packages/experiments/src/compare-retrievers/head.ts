/**
 * The head `attention-kernel` reads by default: the one `iclkr probe` selects — on the selection
 * split of probe prompts with random demonstrations, the head whose vote agrees most with the
 * model, in the vote variant that reads the key position used (`line` for the delimiter, `label`
 * for the label token).
 */
import { OptionError, Rng, type TextDataset } from '@iclkr/core';
import { type HookedModel, Probe, type ProbePrompt, tokenPromptSpans, type Tokenizer, type VoteVariant } from '@iclkr/probing';
import { promptTokens, samplePrompt, type World } from '@iclkr/theory';
import { taskPool } from '../icl/evaluate.js';
import { textPrompts } from '../probe/text-prompts.js';
import { worldLabels } from '../probe/world-prompts.js';
import type { HeadChoice } from './model-views.js';
import type { KeyPosition } from './world-side.js';

/** The vote variant whose a_i is read where a key position is: the whole line for the delimiter, y_i for the label. */
export const variantOf = (position: KeyPosition): VoteVariant => (position === 'delimiter' ? 'line' : 'label');

/** The head chosen by the probe and its scores on the probe's selection and held-out prompts. */
export interface ChosenHead extends HeadChoice {
  readonly variant: VoteVariant;
  readonly prompts: number;
  readonly shots: number;
  readonly selection: { readonly agreement: number; readonly accuracy: number };
  readonly heldOut: { readonly agreement: number; readonly accuracy: number };
}

/** How the head-choosing probe runs. */
export interface HeadProbeSettings {
  readonly shots: number;
  readonly prompts: number;
  readonly seed: number;
  readonly batch: number;
  readonly variant: VoteVariant;
}

function probeHead(
  model: HookedModel,
  labelTokens: readonly number[],
  batches: Iterable<ProbePrompt[]>,
  settings: HeadProbeSettings,
): ChosenHead {
  if (settings.prompts < 4)
    throw new OptionError(`${settings.prompts} probe prompts cannot choose a head`, 'pass --head-prompts 4 or more, or --head L.H');
  const probe = new Probe(model, { labelTokens, seed: settings.seed, probePrompts: 0, selectFrac: 0.7 });
  for (const batch of batches) probe.add(batch);
  const best = probe.result().summary.bestByVariant[settings.variant];
  return {
    layer: best.layer,
    head: best.head,
    variant: settings.variant,
    prompts: settings.prompts,
    shots: settings.shots,
    selection: { agreement: best.selectionAgreement, accuracy: best.selectionAccuracy },
    heldOut: { agreement: best.heldOutAgreement, accuracy: best.heldOutAccuracy },
  };
}

/** The probe's head on world prompts with n random demonstrations of the query's task (a stream of its own). */
export function chooseWorldHead(model: HookedModel, world: World, length: number, settings: HeadProbeSettings): ChosenHead {
  const { tokens } = worldLabels(world);
  const tasks = taskPool(world, false);
  const rng = new Rng((settings.seed * 1_000_003 + 0x4ead) | 0);
  const spans = tokenPromptSpans(settings.shots, length);
  function* batches(): Generator<ProbePrompt[]> {
    for (let start = 0; start < settings.prompts; start += settings.batch) {
      const count = Math.min(settings.batch, settings.prompts - start);
      yield Array.from({ length: count }, () => {
        const p = samplePrompt(world, tasks.tasks[rng.categorical(tasks.weights)], settings.shots, length, rng);
        return {
          tokens: promptTokens(p, world.delimiter),
          spans,
          labels: p.demos.map(([, y]) => tokens.indexOf(y)),
          gold: tokens.indexOf(p.queryLabel),
        };
      });
    }
  }
  return probeHead(model, tokens, batches(), settings);
}

/** The probe's head on text prompts: queries of `data` with n random demonstrations of `demos`, as `iclkr probe` draws them. */
export function chooseTextHead(
  model: HookedModel,
  tokenizer: Tokenizer,
  data: TextDataset,
  demos: TextDataset,
  text: { readonly template: string; readonly labelWords: readonly string[]; readonly labelTokens: readonly number[] },
  settings: HeadProbeSettings,
): ChosenHead {
  const prompts = Math.min(settings.prompts, data.texts.length);
  const batches = textPrompts(tokenizer, data, demos, {
    shots: settings.shots,
    prompts,
    template: text.template,
    labelWords: text.labelWords,
    seed: settings.seed,
    batch: settings.batch,
  });
  return probeHead(model, text.labelTokens, batches, { ...settings, prompts });
}
