/**
 * Pre-training our GPT on a world's documents (or a corpus) as an experiment: the loop with
 * validation, the quick ICL probe and checkpoints, returning the training log as a report. Where
 * checkpoints go is the caller's (`save`): a folder in Node, memory in a page.
 */
import { type PretrainReport, pretrainReportSchema, Rng } from '@iclkr/core';
import { type GptConfig, GptTrainer, type ParamMap, type TrainBatch, type TrainingState, type Transformer } from '@iclkr/probing';
import type { World } from '@iclkr/theory';
import type { Corpus } from '@iclkr/theory/node';
import { evaluateIcl } from '../icl/evaluate.js';
import type { ExperimentIo } from '../io.js';
import { type RunContext, reportMeta } from '../meta.js';
import { pretrainPaper } from '../paper.js';
import { corpusBatches, worldBatches } from './batches.js';
import { type LogEntry, trainLoop } from './loop.js';
import type { Recipe } from './recipes.js';

const VALIDATION_BATCHES = 4;
const PROBE_SHOTS = [0, 4, 16];

/** The training log a checkpoint carries (and a resumed run continues). */
export interface TrainingLog {
  readonly recipe: Recipe;
  readonly command: string;
  readonly step: number;
  readonly seconds: number;
  readonly entries: readonly LogEntry[];
}

/** What a checkpoint holds: the model, its world and the state to resume from. */
export interface PretrainCheckpoint {
  readonly config: GptConfig;
  readonly params: ParamMap;
  readonly world: unknown;
  readonly training: { readonly state: TrainingState; readonly log: TrainingLog };
}

/** A run to start or continue: the recipe, world and model (fresh or restored) and where it resumes. */
export interface PretrainStart {
  readonly recipe: Recipe;
  readonly world: World;
  readonly config: GptConfig;
  readonly params: ParamMap;
  readonly model: Transformer;
  /** Optimiser state of a resumed run. */
  readonly trainerState?: TrainingState;
  /** The log so far and where it stopped (a resumed run), else empty and 0. */
  readonly priorLog: readonly LogEntry[];
  readonly priorSeconds: number;
  readonly startStep: number;
}

/** A run with where its checkpoints go, and its corpus if it trains on one. */
export interface PretrainSettings extends PretrainStart {
  /** The world as JSON, stored with every checkpoint. */
  readonly worldJson: unknown;
  /** Train on random windows of this corpus instead of fresh documents of the world. */
  readonly corpus?: Corpus;
  readonly checkpointSeconds: number;
  /** Writes a checkpoint (and the report of the log so far). */
  save(checkpoint: PretrainCheckpoint, report: PretrainReport): Promise<void>;
  /** Told after each log entry (validation and the quick ICL probe). */
  onLog?(entry: LogEntry): void;
}

/** The seed of step `step`'s batch: batches depend only on (seed, step), so a resumed run sees the same data. */
function stepSeed(seed: number, step: number): number {
  return (seed * 1_000_003 + step + 1) | 0;
}

/**
 * Trains until `recipe.steps` or until `io.signal` aborts (progress stage `pretrain`, with the
 * loss); checkpoints every `checkpointSeconds`, at the end and when stopped. Returns the report
 * (its `stopped` says which) and the step reached.
 */
export async function runPretrain(
  settings: PretrainSettings,
  io: ExperimentIo,
  run: RunContext,
): Promise<{ report: PretrainReport; step: number }> {
  const { recipe, world, config, params, model } = settings;
  const started = performance.now();
  const trainer = new GptTrainer(model, params, { lr: recipe.lr, warmup: recipe.warmup, steps: recipe.steps });
  if (settings.trainerState !== undefined) trainer.restore(settings.trainerState);
  const batchOptions = { batch: recipe.batch, length: config.nCtx, labelWeight: recipe.labelWeight };
  const { corpus } = settings;
  const source = (rng: Rng) => (corpus !== undefined ? corpusBatches(corpus, batchOptions, rng) : worldBatches(world, batchOptions, rng));
  const validationSource = source(new Rng(stepSeed(recipe.seed, -2)));
  const validation: TrainBatch[] = [];
  for (let i = 0; i < VALIDATION_BATCHES; i++) validation.push(await validationSource());
  const k = world.spec.inputLength ?? 3;
  const probeShots = PROBE_SHOTS.filter((n) => n * (k + 2) + k <= config.nCtx);
  const command = run.command ?? 'iclkr pretrain';
  const report = (entries: readonly LogEntry[], stopped: boolean): PretrainReport => {
    const body = {
      world: world.spec.name ?? recipe.world,
      modelConfig: { ...config },
      recipe: { ...recipe },
      stopped,
      entries: entries.map((e) => ({ ...e, icl: [...e.icl] })),
    };
    return pretrainReportSchema.parse({
      meta: reportMeta('pretrain', run, {
        seed: recipe.seed,
        // The recipe is the report's own field; the run adds where it started and how often it checkpoints.
        settings: {
          startStep: settings.startStep,
          checkpointSeconds: settings.checkpointSeconds,
          ...(corpus ? { corpus: corpus.dir } : {}),
        },
        started,
      }),
      ...body,
      paper: pretrainPaper(body),
    });
  };
  let stopped = false;
  const result = await trainLoop(trainer, {
    steps: recipe.steps,
    startStep: settings.startStep,
    evalEvery: recipe.evalEvery,
    checkpointSeconds: settings.checkpointSeconds,
    priorSeconds: settings.priorSeconds,
    priorLog: settings.priorLog,
    batchAt: (step) => source(new Rng(stepSeed(recipe.seed, step)))(),
    validation,
    probe: () => evaluateIcl(model, world, { shots: probeShots, lengths: [k], prompts: 200, ood: false, seed: recipe.seed + 1 }),
    save: (step, log, seconds) =>
      settings.save(
        {
          config,
          params,
          world: settings.worldJson,
          training: { state: trainer.state(), log: { recipe, command, step, seconds, entries: log } },
        },
        report(log, step < recipe.steps),
      ),
    stopRequested: () => {
      stopped ||= io.signal.aborted;
      return stopped;
    },
    onStep: (step, loss) => io.progress(step, recipe.steps, 'pretrain', `loss ${loss.toPrecision(4)}`),
    onLog: settings.onLog,
  });
  return { report: report(result.log, result.stopped), step: result.step };
}
