/**
 * Where a probe's prompts and activations come from: a model run on world or text prompts
 * (activations from files are in the Node entry).
 */
import type { TextDataset } from '@iclkr/core';
import { type HookedModel, Probe, type ProbePrompt, type ProbeResult, type Tokenizer } from '@iclkr/probing';
import type { World } from '@iclkr/theory';
import { DemonstrationChooser, type RetrievalSettings, selectionRecord } from '../demonstrations.js';
import type { ExperimentIo } from '../io.js';
import { checkWorldVocabulary } from '../world.js';
import { labelTokens, textPrompts } from './text-prompts.js';
import { type TRUE_KERNELS, worldLabels, worldPrompts } from './world-prompts.js';

/** The numeric settings every prompt source shares. */
export interface ProbeSettings {
  readonly shots: number;
  readonly prompts: number;
  /** Fraction of prompts that choose the best head; the rest score it. */
  readonly selectFrac: number;
  readonly seed: number;
  /** Cells each input is resampled to in the attention map. */
  readonly resolution: number;
  /** Prompts whose keys and values train the probes. */
  readonly probePrompts: number;
  /** Prompts per forward pass. */
  readonly batch: number;
  /** Held-out prompts the report keeps with every head's attention (the web app's head view; default 0, none). */
  readonly samplePrompts?: number;
}

/** A probe's prompts: names for the report, and the analyses run with a progress callback. */
export interface ProbeSource {
  readonly model: string;
  readonly names: readonly string[];
  readonly source: string;
  /** Settings the source adds to the report's (text: the retrieval strategy, order and pool). */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** Lines of `demonstrations.jsonl`, filled as the prompts run (text only). */
  readonly demonstrations?: readonly string[];
  /** A token's text decoded alone, for the report's samples (default: the id as a string). */
  readonly tokenText?: (id: number) => string;
  analyze(onProgress: (done: number, total: number) => void): Promise<ProbeResult>;
  close(): Promise<void> | void;
}

/** A model run on prompt batches by `Probe`; closing the source disposes the model. */
function modelSource(
  model: HookedModel,
  labelTokens: readonly number[],
  settings: ProbeSettings,
  described: Pick<ProbeSource, 'model' | 'names' | 'source' | 'settings' | 'demonstrations' | 'tokenText'> & {
    batches: Iterable<ProbePrompt[]>;
  },
): ProbeSource {
  return {
    ...described,
    async analyze(onProgress) {
      // The sources yield exactly `prompts` prompts: the held-out samples are chosen for that count.
      const probe = new Probe(model, { ...settings, labelTokens, expectedPrompts: settings.prompts });
      for (const batch of described.batches) {
        probe.add(batch);
        onProgress(probe.prompts, settings.prompts);
      }
      return probe.result();
    },
    close: () => model.dispose(),
  };
}

/** Prompts sampled from a task world (as `iclkr icl` samples them), each with the world's true kernels. */
export function worldProbeSource(
  model: HookedModel,
  world: World,
  settings: ProbeSettings & {
    readonly modelName: string;
    readonly worldName: string;
    readonly length: number;
    readonly ood: boolean;
    readonly kernel?: (typeof TRUE_KERNELS)[number];
  },
): ProbeSource {
  checkWorldVocabulary(model, world, 'probe');
  const { tokens, names } = worldLabels(world);
  return modelSource(model, tokens, settings, {
    model: settings.modelName,
    names,
    source: `world ${world.spec.name ?? settings.worldName}${settings.ood ? ' (out-of-distribution tasks)' : ''}`,
    // A world's tokens have no text: the id names them.
    tokenText: String,
    batches: worldPrompts(world, settings),
  });
}

/** The parts every text experiment writes its prompts from: the tokenizer, the queries' data and the demonstration pool (with their names), the template and the label words. */
export interface TextPromptParts {
  readonly tokenizer: Tokenizer;
  readonly data: TextDataset;
  readonly dataName: string;
  readonly demos: TextDataset;
  readonly demosName: string;
  readonly template: string;
  readonly labelWords: readonly string[];
}

/**
 * What a text probe reads: the model and tokenizer, the queries, the demonstration pool, the
 * template, the label words and how demonstrations are chosen.
 */
export interface TextProbeInput extends TextPromptParts {
  readonly model: HookedModel;
  readonly modelName: string;
  readonly retrieval: RetrievalSettings;
}

/** Text prompts: queries of `data` with demonstrations chosen from `demos` by a retrieval strategy, laid out by the template. */
export function textProbeSource(input: TextProbeInput, settings: ProbeSettings, io: ExperimentIo): ProbeSource {
  const { model, tokenizer, data, demos, template, labelWords, retrieval } = input;
  const tokens = labelTokens(tokenizer, template, labelWords);
  const chooser = new DemonstrationChooser(
    demos,
    { ...retrieval, seed: settings.seed, shots: settings.shots },
    { model, tokenizer, template, batch: settings.batch, labelWords },
    io,
  );
  const demonstrations: string[] = [];
  return modelSource(model, tokens, settings, {
    model: input.modelName,
    names: labelWords,
    source: `${input.dataName} (demonstrations from ${input.demosName}, template '${template}')`,
    settings: { retrieval: retrieval.strategy, order: retrieval.order, pool: chooser.pool.length },
    demonstrations,
    tokenText: (id) => tokenizer.decode([id]),
    batches: textPrompts(tokenizer, data, demos, {
      ...settings,
      template,
      labelWords,
      choose: (queries, rng) => chooser.choose(queries, rng),
      onChosen: (query, chosen) => demonstrations.push(selectionRecord({ prompt: demonstrations.length, query }, chosen, demos)),
    }),
  });
}
