import { checkFolderFree } from '@iclkr/core/node';
import { modelWorld, runIcl, runSeeds } from '@iclkr/experiments';
import { resolveWorld } from '@iclkr/experiments/node';
import { loadGptCheckpoint } from '@iclkr/probing/node';
import { SEEDS_OPTION, seedOption } from '../args.js';
import { defineCommand } from '../command.js';
import { defaultModelDir, MODEL_OPTION } from '../default-model.js';
import { checkWorldModel, modelName } from '../models.js';
import { OUT_DIR_OPTION, showReport } from '../report-output.js';
import { seedsOf } from '../seeds.js';
import { MODEL_WORLD_OPTION } from '../world-source.js';

/** `iclkr icl`: a model's in-context accuracy against the label, exact Bayes and two baselines. */
export const iclCommand = defineCommand({
  name: 'icl',
  summary:
    "Score a model's in-context prediction on prompts of its world (x_1 y_1 delim ... x_n y_n delim x_test)\n" +
    "against the sampled label, the exact Bayesian predictive, the demonstrations' majority label and the\n" +
    'same-class oracle, per n and k, in- and out-of-distribution; a table, --json, or a report folder.',
  options: {
    model: MODEL_OPTION,
    world: MODEL_WORLD_OPTION,
    shots: {
      kind: 'ints',
      min: 0,
      max: 10_000,
      placeholder: 'N1,N2,...',
      description: 'numbers of demonstrations n',
      default: [0, 1, 2, 4, 8, 16, 32],
    },
    lengths: {
      kind: 'ints',
      min: 1,
      max: 1_000,
      placeholder: 'K1,K2,...',
      description: "input lengths k (default: the world's inputLength, else 3)",
    },
    prompts: { kind: 'int', min: 1, max: 100_000, placeholder: 'N', description: 'prompts per (n, k)', default: 500 },
    ood: { kind: 'boolean', description: 'also score out-of-distribution tasks (prior 0 in pre-training)' },
    seed: seedOption('the prompts (and of a preset --world)'),
    seeds: SEEDS_OPTION,
    json: { kind: 'boolean', description: 'print the JSON report on stdout instead of the table' },
    out: OUT_DIR_OPTION,
  },
  async run(values, context) {
    if (values.out !== undefined) await checkFolderFree(values.out);
    const modelDir = values.model ?? defaultModelDir();
    await checkWorldModel(
      modelDir,
      modelName(modelDir, values.model !== undefined),
      'icl scores our GPT on its task world: pass a folder written by `iclkr pretrain`; ' +
        'score a Hugging Face model on text with iclkr probe --model DIR --data FILE --demos FILE',
    );
    const checkpoint = await loadGptCheckpoint(modelDir);
    try {
      const io = context.io();
      const report = await runSeeds('icl', seedsOf(values), values.seeds === undefined, context.run(), async (seed) => {
        const world = values.world !== undefined ? await resolveWorld(values.world, seed) : modelWorld(checkpoint.world, modelDir);
        return runIcl(
          {
            model: checkpoint.model,
            modelName: modelDir,
            world,
            worldSource: values.world ?? "the model's own",
            shots: values.shots,
            lengths: values.lengths ?? [world.spec.inputLength ?? 3],
            prompts: values.prompts,
            ood: values.ood,
            seed,
          },
          io,
          context.run(),
        );
      });
      io.finish();
      context.stdout.write(await showReport(report, values));
    } finally {
      checkpoint.model.dispose();
    }
  },
});
