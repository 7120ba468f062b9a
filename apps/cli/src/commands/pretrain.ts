import { IclkrError, OptionError, Rng } from '@iclkr/core';
import { checkFolderFree } from '@iclkr/core/node';
import {
  modelWorld,
  type PretrainStart,
  presentReport,
  RECIPE_NAMES,
  RECIPES,
  type Recipe,
  runPretrain,
  type TrainingLog,
} from '@iclkr/experiments';
import { folderCheckpointSaver, resolveWorld } from '@iclkr/experiments/node';
import { checkGptConfig, createGpt, initGptParams } from '@iclkr/probing';
import { loadGptCheckpoint } from '@iclkr/probing/node';
import { PRESET_NAMES, type World, worldToJson } from '@iclkr/theory';
import { type Corpus, openCorpus } from '@iclkr/theory/node';
import { MAX_SEED, type OptionValues } from '../args.js';
import { defineCommand } from '../command.js';
import { checkWorldModel } from '../models.js';
import { reportFiles, reportText } from '../report-output.js';

/** Options that fix the world or the model, which a resumed run takes from its checkpoint instead. */
const FIXED_ON_RESUME = [
  'preset',
  'world',
  'corpus',
  'layers',
  'heads',
  'dim',
  'mlp',
  'context',
  'positions',
  'attn-only',
  'tied',
  'batch',
  'lr',
  'warmup',
  'label-weight',
  'seed',
];

const OPTIONS = {
  preset: {
    kind: 'choice',
    choices: RECIPE_NAMES,
    description: 'training recipe: world, model and optimisation (default: default, which trains the built-in model)',
  },
  world: {
    kind: 'string',
    role: 'input',
    placeholder: 'PRESET|FILE',
    description: `world to sample documents from: ${PRESET_NAMES.join(', ')} or a world JSON file (default: the recipe's)`,
  },
  corpus: {
    kind: 'string',
    role: 'input',
    placeholder: 'DIR',
    description: 'train on random windows of a corpus written by `iclkr generate` instead',
  },
  layers: { kind: 'int', min: 1, max: 1_000, placeholder: 'L', description: 'transformer blocks' },
  heads: { kind: 'int', min: 1, max: 1_024, placeholder: 'H', description: 'attention heads per block' },
  dim: { kind: 'int', min: 1, max: 65_536, placeholder: 'D', description: 'model width d_model (must be divisible by the heads)' },
  mlp: { kind: 'int', min: 1, max: 262_144, placeholder: 'M', description: 'MLP width (default 4 x dim)' },
  'attn-only': { kind: 'boolean', description: 'attention-only blocks (no MLP)' },
  positions: { kind: 'choice', choices: ['alibi', 'sinusoidal', 'learned'], description: 'position information' },
  tied: { kind: 'boolean', description: 'tie the unembedding to the token embedding' },
  context: { kind: 'int', min: 1, max: 65_536, placeholder: 'T', description: 'context length (training windows)' },
  steps: { kind: 'int', min: 1, max: 100_000_000, placeholder: 'S', description: 'optimiser steps in all (with --resume: the new total)' },
  batch: { kind: 'int', min: 1, max: 65_536, placeholder: 'B', description: 'windows per step' },
  lr: { kind: 'number', check: 'positive', placeholder: 'LR', description: 'peak learning rate' },
  warmup: { kind: 'int', min: 0, max: 100_000_000, placeholder: 'W', description: 'linear warm-up steps' },
  'label-weight': { kind: 'number', check: 'positive', placeholder: 'W', description: 'loss weight of label targets' },
  'eval-every': { kind: 'int', min: 1, max: 100_000_000, placeholder: 'S', description: 'steps between validation and ICL probes' },
  'checkpoint-minutes': { kind: 'number', check: 'positive', placeholder: 'M', description: 'minutes between checkpoints', default: 3 },
  seed: {
    kind: 'int',
    min: 0,
    max: MAX_SEED,
    placeholder: 'S',
    description: "seed of the world preset, the initialisation and the batches (default: the recipe's)",
  },
  out: {
    kind: 'string',
    role: 'output-folder',
    inPlaceWith: 'resume',
    required: true,
    placeholder: 'DIR',
    description: 'model folder: config.json, model.safetensors, world.json, training state, log.json, report.json, figures/, report.html',
  },
  resume: { kind: 'boolean', description: 'continue the run checkpointed in --out' },
} as const;

/** The recipe with every option that overrides it applied. */
function recipeFromOptions(values: OptionValues<typeof OPTIONS>): Recipe {
  const base = RECIPES[values.preset ?? 'default'];
  const dModel = values.dim ?? base.model.dModel;
  return {
    world: values.world ?? base.world,
    ...(values.corpus !== undefined ? { corpus: values.corpus } : {}),
    model: {
      ...base.model,
      nLayers: values.layers ?? base.model.nLayers,
      nHeads: values.heads ?? base.model.nHeads,
      dModel,
      dMlp: values['attn-only'] ? 0 : (values.mlp ?? (values.dim === undefined ? base.model.dMlp : 4 * dModel)),
      nCtx: values.context ?? base.model.nCtx,
      positions: values.positions ?? base.model.positions,
      tiedEmbeddings: values.tied ? true : base.model.tiedEmbeddings,
    },
    batch: values.batch ?? base.batch,
    steps: values.steps ?? base.steps,
    lr: values.lr ?? base.lr,
    warmup: values.warmup ?? base.warmup,
    labelWeight: values['label-weight'] ?? base.labelWeight,
    evalEvery: values['eval-every'] ?? base.evalEvery,
    seed: values.seed ?? base.seed,
  };
}

/** The world a corpus folder was sampled from. */
async function corpusWorld(dir: string): Promise<World> {
  const corpus = await openCorpus(dir);
  await corpus.close();
  return corpus.world;
}

/** The run --resume continues: the checkpoint's recipe (with a new --steps or --eval-every), model and optimiser state. */
async function resumed(values: OptionValues<typeof OPTIONS>): Promise<PretrainStart> {
  const given = FIXED_ON_RESUME.filter((name) => values.given.has(name));
  if (given.length > 0) {
    throw new OptionError(
      `--resume continues the checkpoint's own run; --${given[0]} cannot change it`,
      `drop --${given[0]} (only --steps, --eval-every and --checkpoint-minutes apply)`,
    );
  }
  await checkWorldModel(values.out, `--out ${values.out}`, 'resume a folder written by `iclkr pretrain`');
  const checkpoint = await loadGptCheckpoint(values.out);
  if (checkpoint.training === undefined || checkpoint.world === undefined) {
    checkpoint.model.dispose();
    throw new OptionError(
      `${values.out} has no training state to resume`,
      'pass a folder written by `iclkr pretrain`, or start a new run without --resume',
    );
  }
  const saved = checkpoint.training.log as TrainingLog;
  return {
    recipe: { ...saved.recipe, steps: values.steps ?? saved.recipe.steps, evalEvery: values['eval-every'] ?? saved.recipe.evalEvery },
    world: modelWorld(checkpoint.world, values.out),
    config: checkpoint.config,
    params: checkpoint.params,
    model: checkpoint.model,
    trainerState: checkpoint.training.state,
    priorLog: saved.entries,
    priorSeconds: saved.seconds,
    startStep: saved.step,
  };
}

/** A new run from the recipe and the options that override it. */
async function fresh(values: OptionValues<typeof OPTIONS>): Promise<PretrainStart> {
  const recipe = recipeFromOptions(values);
  await checkFolderFree(values.out).catch(() => {
    throw new OptionError(
      `${values.out} already exists and is not empty`,
      'pass --resume to continue its run, or choose a new --out folder',
    );
  });
  if (values.corpus !== undefined && values.world !== undefined)
    throw new OptionError('--corpus and --world both given', 'pass one: a corpus carries its own world');
  const world = recipe.corpus !== undefined ? await corpusWorld(recipe.corpus) : await resolveWorld(recipe.world, recipe.seed);
  const config = { ...recipe.model, vocabSize: world.m };
  checkGptConfig(config);
  const params = initGptParams(config, new Rng(recipe.seed));
  return { recipe, world, config, params, model: createGpt(config, params), priorLog: [], priorSeconds: 0, startStep: 0 };
}

/** `iclkr pretrain`: trains our GPT on a world (or a corpus) until in-context learning emerges. */
export const pretrainCommand = defineCommand({
  name: 'pretrain',
  summary:
    'Pre-train our own GPT on documents of an HMM task world (sampled on the fly, or from a corpus folder):\n' +
    'AdamW with warm-up and cosine decay, validation loss and a quick ICL probe, resumable checkpoints.',
  options: OPTIONS,
  async run(values, context) {
    const start = values.resume ? await resumed(values) : await fresh(values);
    const { recipe, world, model } = start;
    const out = values.out;
    let corpus: Corpus | undefined;
    const abort = new AbortController();
    const onSigint = () => abort.abort();
    process.once('SIGINT', onSigint);
    try {
      if (start.startStep >= recipe.steps)
        throw new OptionError(
          `the checkpoint is already at step ${start.startStep} of ${recipe.steps}`,
          'pass a larger --steps to train further',
        );
      corpus = recipe.corpus !== undefined ? await openCorpus(recipe.corpus) : undefined;
      const io = context.io(abort.signal);
      const { report, step } = await runPretrain(
        {
          ...start,
          worldJson: JSON.parse(worldToJson(world.spec)),
          corpus,
          checkpointSeconds: 60 * values['checkpoint-minutes'],
          save: folderCheckpointSaver(out, (r) => reportFiles(r)),
          onLog: (e) => {
            const icl = e.icl
              .map((r) => `n=${r.n} ${r.accuracy.toPrecision(3)} (majority ${r.majorityAccuracy?.toPrecision(3)})`)
              .join(', ');
            io.log(
              `step ${e.step}: loss ${e.loss.toPrecision(4)}, validation ${e.valLoss.toPrecision(4)}, ` +
                `${Math.round(e.tokensPerSecond)} tokens/s; ICL ${icl}`,
            );
          },
        },
        io,
        context.run(),
      );
      io.finish();
      if (report.stopped) {
        throw new IclkrError(
          'interrupted',
          `stopped at step ${step} of ${recipe.steps}; the checkpoint in ${out} is complete`,
          `resume with: iclkr pretrain --out ${out} --resume`,
        );
      }
      context.stdout.write(
        `${reportText(presentReport(report))}model written to ${out}; evaluate it fully with: iclkr icl --model ${out}\n`,
      );
    } finally {
      process.removeListener('SIGINT', onSigint);
      await corpus?.close();
      model.dispose();
    }
  },
});
