import { checkFolderFree } from '@iclkr/core/node';
import { ABLATION_MODES, modelWorld, runAblation } from '@iclkr/experiments';
import { resolveWorld } from '@iclkr/experiments/node';
import { VOTE_VARIANTS } from '@iclkr/probing';
import { loadGptCheckpoint } from '@iclkr/probing/node';
import { seedOption } from '../args.js';
import { defineCommand } from '../command.js';
import { defaultModelDir, MODEL_OPTION } from '../default-model.js';
import { checkWorldModel, modelName } from '../models.js';
import { OUT_DIR_OPTION, showReport } from '../report-output.js';
import { MODEL_WORLD_OPTION } from '../world-source.js';

/** `iclkr ablate`: the causal test of the kernel reading, each head ablated alone and the probe's head's attention knocked out. */
export const ablateCommand = defineCommand({
  name: 'ablate',
  summary:
    'Ablate each head of a model alone (its output replaced by its mean over a reference batch, or zeros) and score\n' +
    "the model's in-context accuracy and agreement with its own unablated prediction; knock out the attention of the\n" +
    "head iclkr probe selects to the demonstrations of x_test's class against the same mass from the others.",
  options: {
    model: MODEL_OPTION,
    world: MODEL_WORLD_OPTION,
    shots: { kind: 'int', min: 1, max: 10_000, placeholder: 'N', description: 'demonstrations per prompt n', default: 16 },
    length: {
      kind: 'int',
      min: 1,
      max: 1_000,
      placeholder: 'K',
      description: "input length k (default: the world's inputLength, else 3)",
    },
    prompts: {
      kind: 'int',
      min: 2,
      max: 100_000,
      placeholder: 'N',
      description: 'prompts scored (and the probe selects its head on)',
      default: 500,
    },
    mode: {
      kind: 'choice',
      choices: ABLATION_MODES,
      description: "mean: a head's output replaced by its mean over a reference batch; zero: by zeros",
      default: 'mean',
    },
    variant: {
      kind: 'choice',
      choices: VOTE_VARIANTS,
      description:
        "where the probe reads a head's vote when it selects the head to knock out: span [x_i, y_i], label y_i, or line (with its delimiter)",
      default: 'span',
    },
    seed: seedOption('the prompts (and of a preset --world)'),
    json: { kind: 'boolean', description: 'print the JSON report on stdout instead of the table' },
    out: OUT_DIR_OPTION,
  },
  async run(values, context) {
    if (values.out !== undefined) await checkFolderFree(values.out);
    const modelDir = values.model ?? defaultModelDir();
    await checkWorldModel(
      modelDir,
      modelName(modelDir, values.model !== undefined),
      'ablate runs our GPT on its task world: pass a folder written by `iclkr pretrain`',
    );
    const checkpoint = await loadGptCheckpoint(modelDir);
    try {
      const io = context.io();
      const world = values.world !== undefined ? await resolveWorld(values.world, values.seed) : modelWorld(checkpoint.world, modelDir);
      const report = runAblation(
        {
          model: checkpoint.model,
          modelName: modelDir,
          world,
          worldSource: values.world ?? "the model's own",
          shots: values.shots,
          length: values.length ?? world.spec.inputLength ?? 3,
          prompts: values.prompts,
          mode: values.mode,
          variant: values.variant,
          seed: values.seed,
        },
        io,
        context.run(),
      );
      io.finish();
      context.stdout.write(await showReport(report, values));
    } finally {
      checkpoint.model.dispose();
    }
  },
});
