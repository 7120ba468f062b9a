import { checkFolderFree } from '@iclkr/core/node';
import { ABLATION_MODES, type AblationSource, runAblation } from '@iclkr/experiments';
import { type HookedModel, VOTE_VARIANTS } from '@iclkr/probing';
import { type OptionValues, seedOption } from '../args.js';
import { defineCommand } from '../command.js';
import { defaultModelDir } from '../default-model.js';
import { openWorldModel } from '../models.js';
import { OUT_DIR_OPTION, showReport } from '../report-output.js';
import { checkPromptKind, dataOption, loadTextPrompts, TEXT_PROMPT_OPTIONS, WORLD_OR_TEXT_MODEL_OPTION } from '../text-options.js';
import { MODEL_WORLD_OPTION, WORLD_LENGTH_OPTION } from '../world-source.js';

/** Options that only task worlds take, refused with --data. */
const WORLD_ONLY = ['world', 'length'] as const;
/** Options that only text prompts take, refused without --data. */
const TEXT_ONLY = Object.keys(TEXT_PROMPT_OPTIONS);

const OPTIONS = {
  model: WORLD_OR_TEXT_MODEL_OPTION,
  world: MODEL_WORLD_OPTION,
  data: dataOption('ablate'),
  ...TEXT_PROMPT_OPTIONS,
  shots: { kind: 'int', min: 1, max: 10_000, placeholder: 'N', description: 'demonstrations per prompt n', default: 16 },
  length: WORLD_LENGTH_OPTION,
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
} as const;

type Values = OptionValues<typeof OPTIONS>;

/** The model and its prompts: text from --data on any model folder, else a task world on our GPT. */
async function openModel(values: Values, modelDir: string): Promise<{ model: HookedModel; source: AblationSource }> {
  checkPromptKind(values.given, values.data !== undefined, { worldOnly: WORLD_ONLY, textOnly: TEXT_ONLY, verb: 'ablate' });
  if (values.data !== undefined) {
    const { parts, model } = await loadTextPrompts(values, values.data, modelDir, values.model !== undefined);
    return { model, source: { kind: 'text', ...parts } };
  }
  const { model, world } = await openWorldModel(
    modelDir,
    values.model !== undefined,
    values.world,
    values.seed,
    'ablate it on text with --data FILE --demos FILE, or pass a folder written by `iclkr pretrain`',
  );
  const worldSource = values.world ?? "the model's own";
  return { model, source: { kind: 'world', world, worldSource, length: values.length ?? world.spec.inputLength ?? 3 } };
}

/** `iclkr ablate`: the causal test of the kernel reading, each head ablated alone and the probe's head's attention knocked out. */
export const ablateCommand = defineCommand({
  name: 'ablate',
  summary:
    'Ablate each head of a model alone (its output replaced by its mean over a reference batch, or zeros) and score\n' +
    "the model's in-context accuracy and agreement with its own unablated prediction; knock out the attention of the\n" +
    "head iclkr probe selects to the demonstrations of x_test's class against the same mass from the others (a world),\n" +
    'or to the demonstrations it attends to most against the same mass from the least-attended (text, --data).',
  options: OPTIONS,
  async run(values, context) {
    if (values.out !== undefined) await checkFolderFree(values.out);
    const modelDir = values.model ?? defaultModelDir();
    const { model, source } = await openModel(values, modelDir);
    try {
      const io = context.io();
      const report = runAblation(
        {
          model,
          modelName: modelDir,
          source,
          shots: values.shots,
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
      model.dispose();
    }
  },
});
