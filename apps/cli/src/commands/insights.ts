import { OptionError } from '@iclkr/core';
import { checkFolderFree } from '@iclkr/core/node';
import {
  INSIGHTS_DEFAULTS,
  INSIGHTS_EXPERIMENTS,
  type InsightsExperiment,
  runInsights,
  TextPrompts,
  WorldPrompts,
} from '@iclkr/experiments';
import { type OptionValues, seedOption } from '../args.js';
import { defineCommand } from '../command.js';
import { defaultModelDir } from '../default-model.js';
import { openWorldModel } from '../models.js';
import { OUT_DIR_OPTION, showReport } from '../report-output.js';
import { checkPromptKind, dataOption, loadTextPrompts, TEXT_PROMPT_OPTIONS, WORLD_OR_TEXT_MODEL_OPTION } from '../text-options.js';
import { MODEL_WORLD_OPTION, WORLD_LENGTH_OPTION } from '../world-source.js';

const list = (xs: readonly unknown[]) => xs.join(',');

const OPTIONS = {
  experiment: {
    kind: 'string',
    placeholder: 'EXPERIMENT',
    description: `the experiment: ${INSIGHTS_EXPERIMENTS.join(', ')} (the argument after insights)`,
  },
  model: WORLD_OR_TEXT_MODEL_OPTION,
  world: MODEL_WORLD_OPTION,
  data: dataOption('run'),
  ...TEXT_PROMPT_OPTIONS,
  length: WORLD_LENGTH_OPTION,
  shots: {
    kind: 'ints',
    min: 1,
    max: 10_000,
    placeholder: 'N1,N2,...',
    description: `numbers of demonstrations n (default: ${list(INSIGHTS_DEFAULTS.shots)}; order: ${list(INSIGHTS_DEFAULTS.orderShots)})`,
  },
  prompts: {
    kind: 'int',
    min: 2,
    max: 100_000,
    placeholder: 'N',
    description: 'prompts per row (in ood on a world: per task and n)',
    default: INSIGHTS_DEFAULTS.prompts,
  },
  rates: {
    kind: 'string',
    placeholder: 'R1,R2,...',
    description: `ood on text: typo rates in [0, 1], edits per letter or digit of each query (default: ${list(INSIGHTS_DEFAULTS.rates)})`,
  },
  tasks: {
    kind: 'int',
    min: 1,
    max: 10_000,
    placeholder: 'N',
    description: `ood on a world: out-of-distribution tasks scored, each beside as many in-distribution ones (default: ${INSIGHTS_DEFAULTS.tasks})`,
  },
  'eps-samples': {
    kind: 'int',
    min: 2,
    max: 50_000,
    placeholder: 'N',
    description: `ood on a world: inputs of each task behind its eps_theta (default: ${INSIGHTS_DEFAULTS.epsSamples})`,
  },
  'sigma-samples': {
    kind: 'int',
    min: 2,
    max: 50_000,
    placeholder: 'N',
    description: `ood on a world: pre-training inputs behind Sigma and eta (default: ${INSIGHTS_DEFAULTS.sigmaSamples})`,
  },
  permutations: {
    kind: 'int',
    min: 1,
    max: 1_000_000,
    placeholder: 'N',
    description: 'order: orders per prompt, at most (all of them when n! is fewer)',
    default: INSIGHTS_DEFAULTS.permutations,
  },
  'select-frac': {
    kind: 'number',
    check: 'fraction',
    placeholder: 'F',
    description: "fraction of a row's prompts that choose its best head; the rest score it",
    default: INSIGHTS_DEFAULTS.selectFrac,
  },
  batch: { kind: 'int', min: 1, max: 65_536, placeholder: 'B', description: 'prompts per forward pass', default: INSIGHTS_DEFAULTS.batch },
  seed: seedOption('the prompts, the noise, the orders and the split (and of a preset --world)'),
  json: { kind: 'boolean', description: 'print the JSON report on stdout instead of the summary' },
  out: OUT_DIR_OPTION,
} as const;

type Values = OptionValues<typeof OPTIONS>;

/** Options that only text prompts take, and those only task worlds take. */
const TEXT_ONLY = ['demos', 'template', 'label-words', 'tokenizer', 'rates'] as const;
const WORLD_ONLY = ['world', 'length', 'tasks', 'eps-samples', 'sigma-samples'] as const;
/** Options that belong to one experiment. */
const EXPERIMENT_ONLY: Record<string, InsightsExperiment> = {
  rates: 'ood',
  tasks: 'ood',
  'eps-samples': 'ood',
  'sigma-samples': 'ood',
  permutations: 'order',
};

/** The experiment named after `insights`, checked. */
function experimentOf(values: Values): InsightsExperiment {
  const name = values.experiment;
  const fix = `run iclkr insights ${INSIGHTS_EXPERIMENTS.join('|')}`;
  if (name === undefined) throw new OptionError(`missing the experiment: ${INSIGHTS_EXPERIMENTS.join(', ')}`, fix);
  if (!(INSIGHTS_EXPERIMENTS as readonly string[]).includes(name))
    throw new OptionError(`unknown insights experiment '${name}'; use one of ${INSIGHTS_EXPERIMENTS.join(', ')}`, fix);
  return name as InsightsExperiment;
}

/** --rates R1,R2,...: numbers in [0, 1]. */
function ratesOption(raw: string): number[] {
  return raw.split(',').map((part) => {
    const rate = Number(part.trim());
    if (part.trim() === '' || !Number.isFinite(rate) || rate < 0 || rate > 1)
      throw new OptionError(
        `--rates ${raw}: '${part.trim()}' is not a rate in [0, 1]`,
        'pass rates between 0 and 1, e.g. --rates 0,0.05,0.1,0.2',
      );
    return rate;
  });
}

/** Refuses options of another experiment and options of the other prompt kind. */
function checkOptions(values: Values, experiment: InsightsExperiment, text: boolean): void {
  const other = Object.keys(EXPERIMENT_ONLY).find((name) => values.given.has(name) && EXPERIMENT_ONLY[name] !== experiment);
  if (other !== undefined) throw new OptionError(`--${other} applies to insights ${EXPERIMENT_ONLY[other]} only`, `drop --${other}`);
  checkPromptKind(values.given, text, { worldOnly: WORLD_ONLY, textOnly: TEXT_ONLY, verb: 'run on' });
}

/** Text prompts from the files the options name, on a model loaded from --model. */
async function textPrompts(values: Values, data: string, modelDir: string): Promise<TextPrompts> {
  const { parts, model } = await loadTextPrompts(values, data, modelDir, values.model !== undefined);
  try {
    return new TextPrompts({ model, ...parts });
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** World prompts: our GPT and its world (or --world). */
async function worldPrompts(values: Values, modelDir: string): Promise<WorldPrompts> {
  const { model, world } = await openWorldModel(
    modelDir,
    values.model !== undefined,
    values.world,
    values.seed,
    'run it on text with --data FILE --demos FILE, or pass a folder written by `iclkr pretrain`',
  );
  return new WorldPrompts(model, world, values.length ?? world.spec.inputLength ?? 3, values.world ?? "the model's own");
}

/** `iclkr insights format|ood|order`: the paper's practical insights (SPEC §4) measured on a model. */
export const insightsCommand = defineCommand({
  name: 'insights',
  summary:
    "Measure the paper's practical insights (SPEC §4) on a model: `format` varies the label words (natural, swapped,\n" +
    "unseen tokens in a world; natural, swapped, symbols, unrelated words on text): accuracy and the best head's vote\n" +
    'agreement; `ood` scores out-of-distribution tasks beside eta^2 eps_theta (a world) or queries with typo noise (text);\n' +
    "`order` runs each prompt in up to --permutations orders: how often the prediction and the head's vote change, and\n" +
    "the spread of the gold label's probability. A summary, --json, or a report folder.",
  options: OPTIONS,
  positional: 'experiment',
  async run(values, context) {
    const experiment = experimentOf(values);
    const text = values.data !== undefined;
    checkOptions(values, experiment, text);
    const rates = values.rates === undefined ? undefined : ratesOption(values.rates);
    if (values.out !== undefined) await checkFolderFree(values.out);
    const modelDir = values.model ?? defaultModelDir();
    const source = text ? await textPrompts(values, values.data!, modelDir) : await worldPrompts(values, modelDir);
    try {
      const io = context.io();
      const report = runInsights(
        {
          experiment,
          source,
          modelName: modelDir,
          shots: values.shots ?? (experiment === 'order' ? INSIGHTS_DEFAULTS.orderShots : INSIGHTS_DEFAULTS.shots),
          prompts: values.prompts,
          seed: values.seed,
          selectFrac: values['select-frac'],
          batch: values.batch,
          rates,
          tasks: values.tasks,
          epsSamples: values['eps-samples'],
          sigmaSamples: values['sigma-samples'],
          permutations: experiment === 'order' ? values.permutations : undefined,
          recorded: text
            ? { data: values.data, demos: values.demos, template: values.template }
            : { world: values.world ?? "the model's own" },
        },
        io,
        context.run(),
      );
      io.finish();
      context.stdout.write(await showReport(report, { json: values.json, out: values.out }));
    } finally {
      source.model.dispose();
    }
  },
});
