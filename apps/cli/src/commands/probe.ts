import { OptionError } from '@iclkr/core';
import { checkFolderFree } from '@iclkr/core/node';
import {
  type ProbeSettings,
  type ProbeSource,
  runProbe,
  runSeeds,
  TRUE_KERNELS,
  textProbeSource,
  worldProbeSource,
} from '@iclkr/experiments';
import { activationsProbeSource } from '@iclkr/experiments/node';
import { KV_PROBE_FOLDS } from '@iclkr/probing';
import { RETRIEVAL_STRATEGY_NAMES } from '@iclkr/retrieval';
import { type OptionValues, SEEDS_OPTION, seedOption } from '../args.js';
import { type CommandContext, defineCommand } from '../command.js';
import { defaultModelDir } from '../default-model.js';
import { openWorldModel } from '../models.js';
import { OUT_DIR_OPTION, showReport } from '../report-output.js';
import { seedsOf } from '../seeds.js';
import { ORDER_AND_POOL_OPTIONS, SELECTOR_OPTIONS, STRATEGY_DESCRIPTION, selectorSettings } from '../retrieval-options.js';
import { checkPromptKind, loadTextPrompts, TEXT_PROMPT_OPTIONS } from '../text-options.js';
import { MODEL_WORLD_OPTION, WORLD_LENGTH_OPTION } from '../world-source.js';

/** Options that only text prompts take, refused for a world. */
const TEXT_ONLY = ['demos', 'template', 'label-words', 'tokenizer', 'retrieval', 'order', 'pool', 'layer', 'head', 'key-position'] as const;
/** Options that only task worlds take, refused for text. */
const WORLD_ONLY = ['world', 'length', 'ood', 'kernel'] as const;
/** Options an activations folder replaces: it carries its own prompts and model outputs. */
const NOT_WITH_ACTIVATIONS = [
  'model',
  'world',
  'data',
  'demos',
  'template',
  'label-words',
  'tokenizer',
  'shots',
  'length',
  'prompts',
  'ood',
  'kernel',
  'retrieval',
  'order',
  'pool',
  'layer',
  'head',
  'key-position',
] as const;

const OPTIONS = {
  model: {
    kind: 'string',
    role: 'input',
    placeholder: 'DIR',
    description:
      'model folder: `iclkr pretrain` output, or a Hugging Face GPT-2, Llama, ' +
      'Qwen2 or GPT-NeoX folder with --data (default: the built-in model)',
  },
  world: MODEL_WORLD_OPTION,
  activations: {
    kind: 'string',
    role: 'input',
    placeholder: 'DIR',
    description:
      'analyse activations computed elsewhere instead of running a model (prompts.json + activations.safetensors; docs/activations.md)',
  },
  data: {
    kind: 'string',
    role: 'input',
    placeholder: 'FILE',
    description: 'probe text instead: the examples whose queries are scored (e.g. ../shared/data/sst2/glue-dev.tsv)',
  },
  ...TEXT_PROMPT_OPTIONS,
  retrieval: {
    kind: 'choice',
    choices: RETRIEVAL_STRATEGY_NAMES,
    placeholder: 'STRATEGY',
    description: `with --data: ${STRATEGY_DESCRIPTION}`,
    default: 'random',
  },
  order: { ...ORDER_AND_POOL_OPTIONS.order, description: `with --data: ${ORDER_AND_POOL_OPTIONS.order.description}` },
  pool: { ...ORDER_AND_POOL_OPTIONS.pool, description: `with --data: ${ORDER_AND_POOL_OPTIONS.pool.description}` },
  layer: { ...SELECTOR_OPTIONS.layer, description: `with --data --retrieval ${SELECTOR_OPTIONS.layer.description}` },
  head: { ...SELECTOR_OPTIONS.head, description: `with --data --retrieval ${SELECTOR_OPTIONS.head.description}` },
  'key-position': {
    ...SELECTOR_OPTIONS['key-position'],
    description: `with --data --retrieval ${SELECTOR_OPTIONS['key-position'].description}`,
  },
  shots: { kind: 'int', min: 1, max: 10_000, placeholder: 'N', description: 'demonstrations per prompt n', default: 16 },
  length: WORLD_LENGTH_OPTION,
  prompts: { kind: 'int', min: 2, max: 100_000, placeholder: 'N', description: 'prompts to probe', default: 500 },
  ood: { kind: 'boolean', description: 'draw world prompts from out-of-distribution tasks (prior 0)' },
  kernel: {
    kind: 'choice',
    choices: TRUE_KERNELS,
    description: "the world's true kernel behind kernelCorrelation (both are reported; default: theorem where it fits)",
  },
  'select-frac': {
    kind: 'number',
    check: 'fraction',
    placeholder: 'F',
    description: 'fraction of prompts that choose the best head; the rest score it',
    default: 0.7,
  },
  resolution: {
    kind: 'int',
    min: 1,
    max: 10_000,
    placeholder: 'R',
    description: 'cells each input is resampled to in the attention map',
    default: 30,
  },
  'probe-prompts': {
    kind: 'int',
    min: 0,
    max: 100_000,
    placeholder: 'N',
    description: 'prompts whose keys and values train the probes (bounds their memory)',
    default: 256,
  },
  'sample-prompts': {
    kind: 'int',
    min: 0,
    max: 10_000,
    placeholder: 'N',
    description: "held-out prompts saved with every head's attention for the web app's head view (0: none)",
    default: 16,
  },
  batch: { kind: 'int', min: 1, max: 65_536, placeholder: 'B', description: 'prompts per forward pass', default: 32 },
  seed: seedOption('the prompts, the split and the probe folds (and of a preset --world)'),
  seeds: SEEDS_OPTION,
  json: { kind: 'boolean', description: 'print the JSON report on stdout instead of the summary' },
  out: OUT_DIR_OPTION,
} as const;

type Values = OptionValues<typeof OPTIONS>;

/**
 * Each prompt is one group of the key/value probes' folds, so fewer prompts than folds would fail
 * only after every prompt ran; an activations folder's own count is checked when it opens.
 */
function checkProbePrompts(values: Values): void {
  if (values.activations !== undefined) return;
  const { prompts, 'probe-prompts': probePrompts } = values;
  const probed = Math.min(probePrompts, prompts);
  if (probed === 0 || probed >= KV_PROBE_FOLDS) return;
  const cause = probePrompts <= prompts ? `--probe-prompts ${probePrompts}` : `--prompts ${prompts}`;
  throw new OptionError(
    `${cause} gives the key/value probes ${probed} prompts, fewer than the ${KV_PROBE_FOLDS} their folds need`,
    `pass --probe-prompts 0 to skip the probes, or ${probePrompts <= prompts ? '--probe-prompts' : '--prompts'} ${KV_PROBE_FOLDS} or more`,
  );
}

/** The first of `names` the user gave, if any. */
function firstGiven(values: Values, names: readonly string[]): string | undefined {
  return names.find((name) => values.given.has(name));
}

/** Text prompts: the data, the pool, the tokenizer and the model the options name. */
async function textSource(
  values: Values,
  data: string,
  settings: ProbeSettings,
  modelDir: string,
  context: CommandContext,
): Promise<ProbeSource> {
  checkPromptKind(values.given, true, { worldOnly: WORLD_ONLY, textOnly: TEXT_ONLY, verb: 'probe' });
  const selector = selectorSettings(values, values.retrieval);
  const { parts, model } = await loadTextPrompts(values, data, modelDir, values.model !== undefined);
  try {
    return textProbeSource(
      {
        ...parts,
        model,
        modelName: modelDir,
        retrieval: { strategy: values.retrieval, order: values.order, pool: values.pool, ...selector },
      },
      settings,
      context.io(),
    );
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** World prompts: our GPT and its world (or --world). */
async function worldSource(values: Values, settings: ProbeSettings, modelDir: string): Promise<ProbeSource> {
  checkPromptKind(values.given, false, { worldOnly: WORLD_ONLY, textOnly: TEXT_ONLY, verb: 'probe' });
  const { model, world } = await openWorldModel(
    modelDir,
    values.model !== undefined,
    values.world,
    settings.seed,
    'probe it on text with --data FILE --demos FILE, or pass a folder written by `iclkr pretrain`',
  );
  try {
    return worldProbeSource(model, world, {
      ...settings,
      modelName: modelDir,
      worldName: String(values.world),
      length: values.length ?? world.spec.inputLength ?? 3,
      ood: values.ood,
      kernel: values.kernel,
    });
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** The prompt source the options name: activations computed elsewhere, text data, or a task world (the default). */
async function openSource(values: Values, settings: ProbeSettings, modelDir: string, context: CommandContext): Promise<ProbeSource> {
  if (values.activations !== undefined) {
    const clash = firstGiven(values, NOT_WITH_ACTIVATIONS);
    if (clash !== undefined)
      throw new OptionError(`--${clash} does not apply to --activations, which holds its own prompts and model outputs`, `drop --${clash}`);
    return activationsProbeSource(values.activations, settings);
  }
  if (values.data !== undefined) return textSource(values, values.data, settings, modelDir, context);
  return worldSource(values, settings, modelDir);
}

/** `iclkr probe`: the paper's attention analyses on a model and ICL prompts. */
export const probeCommand = defineCommand({
  name: 'probe',
  summary:
    'Read the kernel out of the attention heads (SPEC §3): per head, the vote argmax_y sum_i a_i e(y_i) with a_i the\n' +
    "final position's attention to demonstration i, its agreement with the model (head chosen on a selection split,\n" +
    "scored on the rest), a_i's correlation with the world's true kernel and the model's output similarity, the\n" +
    'averaged attention map, key/value probes, and explicit kernel-regression baselines; a summary, --json or --out.',
  options: OPTIONS,
  async run(values, context) {
    if (values.out !== undefined) await checkFolderFree(values.out);
    checkProbePrompts(values);
    const modelDir = values.model ?? defaultModelDir();
    const extra: Record<string, string> = {};
    const seeds = seedsOf(values);
    const io = context.io();
    const report = await runSeeds('probe', seedsOf(values), values.seeds === undefined, context.run(), async (seed) => {
      const settings: ProbeSettings = {
        shots: values.shots,
        prompts: values.prompts,
        selectFrac: values['select-frac'],
        seed,
        resolution: values.resolution,
        probePrompts: values['probe-prompts'],
        batch: values.batch,
        samplePrompts: values['sample-prompts'],
      };
      const source = await openSource(values, settings, modelDir, context);
      try {
        const one = await runProbe(source, settings, io, context.run());
        const name = seeds.length === 1 ? 'demonstrations.jsonl' : `demonstrations-seed-${seed}.jsonl`;
        if (source.demonstrations !== undefined) extra[name] = source.demonstrations.join('');
        return one;
      } finally {
        await source.close();
      }
    });
    io.finish();
    context.stdout.write(
      await showReport(report, { json: values.json, out: values.out, extra: Object.keys(extra).length > 0 ? extra : undefined }),
    );
  },
});
