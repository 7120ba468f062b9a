import { IclkrError, OptionError, Rng } from '@iclkr/core';
import { checkFolderFree, replaceFolder } from '@iclkr/core/node';
import { checkGptConfig, createGpt, type GptConfig, GptTrainer, initGptParams, type ParamMap, type TrainBatch, type TrainingState, type Transformer } from '@iclkr/probing';
import { loadGptCheckpoint, saveGptCheckpoint } from '@iclkr/probing/node';
import { PRESET_NAMES, type World, worldToJson } from '@iclkr/theory';
import { openCorpus } from '@iclkr/theory/node';
import { choiceOption, numberOption, type OptionValues, requireString } from '../args.js';
import type { Command } from '../command.js';
import { evaluateIcl } from '../icl/evaluate.js';
import { modelWorld, resolveWorld } from '../model-world.js';
import { fmt, table } from '../output.js';
import { corpusBatches, worldBatches } from '../pretrain/batches.js';
import { type LogEntry, trainLoop } from '../pretrain/loop.js';
import { RECIPE_NAMES, RECIPES, type Recipe, } from '../pretrain/recipes.js';

const MAX_SEED = 2 ** 31 - 1;
const VALIDATION_BATCHES = 4;
const PROBE_SHOTS = [0, 4, 16];

/** The recipe with every option that overrides it applied and checked. */
function recipeFromOptions(values: OptionValues): Recipe {
  const base = RECIPES[choiceOption(values, 'preset', RECIPE_NAMES) ?? 'default'];
  const count = (n: number) => Number.isSafeInteger(n) && n >= 1;
  const int = (name: string) => numberOption(values, name, count, 'an integer >= 1');
  const positive = (name: string) => numberOption(values, name, (n) => Number.isFinite(n) && n > 0, 'a positive number');
  const dModel = int('dim') ?? base.model.dModel;
  return {
    world: typeof values.world === 'string' ? values.world : base.world,
    ...(typeof values.corpus === 'string' ? { corpus: values.corpus } : {}),
    model: {
      ...base.model,
      nLayers: int('layers') ?? base.model.nLayers,
      nHeads: int('heads') ?? base.model.nHeads,
      dModel,
      dMlp: values['attn-only'] === true ? 0 : (int('mlp') ?? (values.dim === undefined ? base.model.dMlp : 4 * dModel)),
      nCtx: int('context') ?? base.model.nCtx,
      positions: choiceOption(values, 'positions', ['alibi', 'sinusoidal', 'learned'] as const) ?? base.model.positions,
      tiedEmbeddings: values.tied === true ? true : base.model.tiedEmbeddings,
    },
    batch: int('batch') ?? base.batch,
    steps: int('steps') ?? base.steps,
    lr: positive('lr') ?? base.lr,
    warmup: numberOption(values, 'warmup', (n) => Number.isSafeInteger(n) && n >= 0, 'an integer >= 0') ?? base.warmup,
    labelWeight: positive('label-weight') ?? base.labelWeight,
    evalEvery: int('eval-every') ?? base.evalEvery,
    seed: numberOption(values, 'seed', (n) => Number.isInteger(n) && n >= 0 && n <= MAX_SEED, `an integer in [0, ${MAX_SEED}]`) ?? base.seed,
  };
}

/** The world a corpus folder was sampled from. */
async function corpusWorld(dir: string): Promise<World> {
  const corpus = await openCorpus(dir);
  await corpus.close();
  return corpus.world;
}

/** Options that fix the world or the model, which a resumed run takes from its checkpoint instead. */
const FIXED_ON_RESUME = ['preset', 'world', 'corpus', 'layers', 'heads', 'dim', 'mlp', 'context', 'positions', 'attn-only', 'tied', 'batch', 'lr', 'warmup', 'label-weight', 'seed'];

/** The seed of step `step`'s batch: batches depend only on (seed, step), so a resumed run sees the same data. */
function stepSeed(seed: number, step: number): number {
  return (seed * 1_000_003 + step + 1) | 0;
}

/** `iclkr pretrain`: trains our GPT on a world (or a corpus) until in-context learning emerges. */
export const pretrainCommand: Command = {
  name: 'pretrain',
  summary:
    "Pre-train our own GPT on documents of an HMM task world (sampled on the fly, or from a corpus folder):\nAdamW with warm-up and cosine decay, validation loss and a quick ICL probe, resumable checkpoints.",
  options: {
    preset: { type: 'string', placeholder: RECIPE_NAMES.join('|'), description: 'training recipe: world, model and optimisation (default: default, which trains the built-in model)' },
    world: { type: 'string', placeholder: 'PRESET|FILE', description: `world to sample documents from: ${PRESET_NAMES.join(', ')} or a world JSON file (default: the recipe's)` },
    corpus: { type: 'string', placeholder: 'DIR', description: 'train on random windows of a corpus written by `iclkr generate` instead' },
    layers: { type: 'string', placeholder: 'L', description: 'transformer blocks' },
    heads: { type: 'string', placeholder: 'H', description: 'attention heads per block' },
    dim: { type: 'string', placeholder: 'D', description: 'model width d_model (must be divisible by the heads)' },
    mlp: { type: 'string', placeholder: 'M', description: 'MLP width (default 4 x dim)' },
    'attn-only': { type: 'boolean', description: 'attention-only blocks (no MLP)' },
    positions: { type: 'string', placeholder: 'alibi|sinusoidal|learned', description: 'position information' },
    tied: { type: 'boolean', description: 'tie the unembedding to the token embedding' },
    context: { type: 'string', placeholder: 'T', description: 'context length (training windows)' },
    steps: { type: 'string', placeholder: 'S', description: 'optimiser steps in all (with --resume: the new total)' },
    batch: { type: 'string', placeholder: 'B', description: 'windows per step' },
    lr: { type: 'string', placeholder: 'LR', description: 'peak learning rate' },
    warmup: { type: 'string', placeholder: 'W', description: 'linear warm-up steps' },
    'label-weight': { type: 'string', placeholder: 'W', description: 'loss weight of label targets' },
    'eval-every': { type: 'string', placeholder: 'S', description: 'steps between validation and ICL probes' },
    'checkpoint-minutes': { type: 'string', placeholder: 'M', description: 'minutes between checkpoints', default: '3' },
    seed: { type: 'string', placeholder: 'S', description: 'seed of the world preset, the initialisation and the batches' },
    out: { type: 'string', placeholder: 'DIR', description: 'model folder: config.json, model.safetensors, world.json, training state, log.json' },
    resume: { type: 'boolean', description: 'continue the run checkpointed in --out' },
  },
  async run(values, context) {
    const out = requireString(values, 'out', 'pretrain');
    const checkpointSeconds = 60 * (numberOption(values, 'checkpoint-minutes', (n) => Number.isFinite(n) && n > 0, 'a positive number') ?? 3);
    const resume = values.resume === true;
    let recipe: Recipe;
    let world: World;
    let config: GptConfig;
    let params: ParamMap;
    let model: Transformer;
    let trainerState: TrainingState | undefined;
    let priorLog: LogEntry[] = [];
    let priorSeconds = 0;
    let startStep = 0;
    if (resume) {
      const given = FIXED_ON_RESUME.filter((name) => values[name] !== undefined);
      if (given.length > 0) {
        throw new OptionError(`--resume continues the checkpoint's own run; --${given[0]} cannot change it`, `drop --${given[0]} (only --steps, --eval-every and --checkpoint-minutes apply)`);
      }
      const checkpoint = await loadGptCheckpoint(out);
      if (checkpoint.training === undefined || checkpoint.world === undefined) {
        throw new OptionError(`${out} has no training state to resume`, 'pass a folder written by `iclkr pretrain`, or start a new run without --resume');
      }
      const saved = checkpoint.training.log as { recipe: Recipe; entries: LogEntry[]; seconds: number; step: number };
      recipe = { ...saved.recipe, steps: numberOption(values, 'steps', (n) => Number.isSafeInteger(n) && n >= 1, 'an integer >= 1') ?? saved.recipe.steps };
      recipe = { ...recipe, evalEvery: numberOption(values, 'eval-every', (n) => Number.isSafeInteger(n) && n >= 1, 'an integer >= 1') ?? recipe.evalEvery };
      world = modelWorld(checkpoint.world, out);
      config = checkpoint.config;
      params = checkpoint.params;
      model = checkpoint.model;
      trainerState = checkpoint.training.state;
      priorLog = saved.entries;
      priorSeconds = saved.seconds;
      startStep = saved.step;
    } else {
      recipe = recipeFromOptions(values);
      await checkFolderFree(out).catch(() => {
        throw new OptionError(`${out} already exists and is not empty`, 'pass --resume to continue its run, or choose a new --out folder');
      });
      if (typeof values.corpus === 'string' && typeof values.world === 'string') {
        throw new OptionError('--corpus and --world both given', "pass one: a corpus carries its own world");
      }
      world = recipe.corpus !== undefined ? await corpusWorld(recipe.corpus) : await resolveWorld(recipe.world, recipe.seed);
      config = { ...recipe.model, vocabSize: world.m };
      checkGptConfig(config);
      params = initGptParams(config, new Rng(recipe.seed));
      model = createGpt(config, params);
    }
    if (startStep >= recipe.steps) {
      model.dispose();
      throw new OptionError(`the checkpoint is already at step ${startStep} of ${recipe.steps}`, 'pass a larger --steps to train further');
    }
    const trainer = new GptTrainer(model, params, { lr: recipe.lr, warmup: recipe.warmup, steps: recipe.steps });
    if (trainerState !== undefined) trainer.restore(trainerState);

    const batchOptions = { batch: recipe.batch, length: config.nCtx, labelWeight: recipe.labelWeight };
    const corpus = recipe.corpus !== undefined ? await openCorpus(recipe.corpus) : undefined;
    const source = (rng: Rng) => (corpus !== undefined ? corpusBatches(corpus, batchOptions, rng) : worldBatches(world, batchOptions, rng));
    const validationSource = source(new Rng(stepSeed(recipe.seed, -2)));
    const validation: TrainBatch[] = [];
    for (let i = 0; i < VALIDATION_BATCHES; i++) validation.push(await validationSource());
    const k = world.spec.inputLength ?? 3;
    const probeShots = PROBE_SHOTS.filter((n) => n * (k + 2) + k <= config.nCtx);
    const worldJson = JSON.parse(worldToJson(world.spec));

    let stop = false;
    const onSigint = () => {
      stop = true;
    };
    process.once('SIGINT', onSigint);
    const bar = context.progress('pretrain');
    const command = ['iclkr pretrain', ...Object.entries(values).flatMap(([name, v]) => (v === undefined || v === false ? [] : v === true ? [`--${name}`] : [`--${name}`, v]))].join(' ');
    try {
      const result = await trainLoop(trainer, {
        steps: recipe.steps,
        startStep,
        evalEvery: recipe.evalEvery,
        checkpointSeconds,
        priorSeconds,
        priorLog,
        batchAt: (step) => source(new Rng(stepSeed(recipe.seed, step)))(),
        validation,
        probe: () => evaluateIcl(model, world, { shots: probeShots, lengths: [k], prompts: 200, ood: false, seed: recipe.seed + 1 }),
        save: (step, log, seconds) =>
          replaceFolder(out, (dir) =>
            saveGptCheckpoint(dir, {
              config,
              params,
              world: worldJson,
              training: { state: trainer.state(), log: { recipe, command, step, seconds, entries: log } },
            }),
          ),
        stopRequested: () => stop,
        onStep: (step, loss) => bar.update(step, recipe.steps, `loss ${fmt(loss)}`),
        onLog: (e) => {
          bar.finish();
          const icl = e.icl.map((r) => `n=${r.n} ${fmt(r.accuracy)} (majority ${fmt(r.majorityAccuracy)})`).join(', ');
          context.stderr.write(`step ${e.step}: loss ${fmt(e.loss)}, validation ${fmt(e.valLoss)}, ${fmt(e.tokensPerSecond)} tokens/s; ICL ${icl}\n`);
        },
      });
      bar.finish();
      if (result.stopped) {
        throw new IclkrError('interrupted', `stopped at step ${result.step} of ${recipe.steps}; the checkpoint in ${out} is complete`, `resume with: iclkr pretrain --out ${out} --resume`);
      }
      const last = result.log[result.log.length - 1];
      const header = ['n', 'accuracy', 'majority', 'same-class oracle', 'Bayes'];
      const cells = last.icl.map((r) => [String(r.n), fmt(r.accuracy), fmt(r.majorityAccuracy), fmt(r.oracleAccuracy), fmt(r.bayesAccuracy)]);
      context.stdout.write(
        `trained ${recipe.steps} steps (${fmt(last.tokens)} tokens) on world ${world.spec.name ?? recipe.world} in ${fmt(last.seconds)} s; ` +
          `validation loss ${fmt(last.valLoss)}; model written to ${out}\n${table(header, cells)}` +
          `evaluate it fully with: iclkr icl --model ${out}\n`,
      );
    } finally {
      process.removeListener('SIGINT', onSigint);
      await corpus?.close();
      model.dispose();
    }
  },
};
