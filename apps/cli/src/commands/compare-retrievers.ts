import { OptionError } from '@iclkr/core';
import { checkFolderFree, loadTextDataset } from '@iclkr/core/node';
import {
  checkVocabulary,
  type CompareSource,
  HEAD_PROMPTS_DEFAULT,
  labelWords,
  modelWorld,
  parseHead,
  runCompareRetrievers,
  WORLD_POOL_DEFAULT,
} from '@iclkr/experiments';
import { resolveWorld } from '@iclkr/experiments/node';
import type { HookedModel } from '@iclkr/probing';
import { loadGptCheckpoint, loadModel } from '@iclkr/probing/node';
import { DEMONSTRATION_ORDERS, parseStrategy, RETRIEVAL_STRATEGY_NAMES } from '@iclkr/retrieval';
import { THEOREM_KERNEL_DEFAULTS } from '@iclkr/theory';
import { SEEDS_OPTION, seedOption } from '../args.js';
import { defineCommand } from '../command.js';
import { defaultModelDir } from '../default-model.js';
import { checkWorldModel, modelName, textTokenizer } from '../models.js';
import { OUT_DIR_OPTION, showReport } from '../report-output.js';
import { seedsOf } from '../seeds.js';
import { TEXT_PROMPT_OPTIONS } from '../text-options.js';
import { MODEL_WORLD_OPTION } from '../world-source.js';

/** Options only text prompts take, refused for a world. */
const TEXT_ONLY = ['demos', 'template', 'label-words', 'tokenizer'] as const;

/** `iclkr compare-retrievers`: ICL accuracy per retrieval strategy x n beside kernel regression on the same demonstrations. */
export const compareRetrieversCommand = defineCommand({
  name: 'compare-retrievers',
  summary:
    "Measure what demonstration retrieval does to in-context accuracy: for each strategy and n, the model's accuracy\n" +
    "(next-token probabilities over the label words' first tokens) with 95% intervals, beside the chosen head's vote,\n" +
    'Nadaraya-Watson over the same demonstrations (TF-IDF cosine, hidden states, output similarity) and, in task\n' +
    'worlds, Bayes, majority and the same-class oracle; a table, --json or a report folder (docs/retrieval.md).',
  options: {
    model: {
      kind: 'string',
      role: 'input',
      placeholder: 'DIR',
      description:
        'model folder: `iclkr pretrain` output (default: the built-in model), or with --data a text model ' +
        '(a GPT-2, Llama, Qwen2 or GPT-NeoX folder, or our GPT over a tokenizer vocabulary)',
    },
    world: MODEL_WORLD_OPTION,
    data: {
      kind: 'string',
      role: 'input',
      placeholder: 'FILE',
      description: 'compare on text instead: the queries (e.g. ../shared/data/sst2/glue-dev.tsv)',
    },
    ...TEXT_PROMPT_OPTIONS,
    strategies: {
      kind: 'string',
      placeholder: 'S1,S2,...',
      description: `retrieval strategies to compare: ${RETRIEVAL_STRATEGY_NAMES.join(', ')} (true-kernel and belief in task worlds only)`,
      default: 'random,knn,attention-kernel',
    },
    shots: {
      kind: 'ints',
      min: 0,
      max: 10_000,
      placeholder: 'N1,N2,...',
      description: 'numbers of demonstrations n',
      default: [1, 2, 4, 8],
    },
    prompts: {
      kind: 'int',
      min: 1,
      max: 100_000,
      placeholder: 'N',
      description: 'prompts (queries) per seed, the same for every strategy',
      default: 200,
    },
    pool: {
      kind: 'int',
      min: 1,
      max: 10_000_000,
      placeholder: 'N',
      description:
        `demonstrations each prompt's pool holds: in a world drawn from the prompt's own task (default ${WORLD_POOL_DEFAULT}); ` +
        'on text a seeded subset of --demos shared by every query (default: min(500, --demos))',
    },
    head: {
      kind: 'string',
      placeholder: 'L.H',
      description: "attention-kernel's head, layer.head from 0 (default: the head the probe selects on its selection split)",
    },
    'key-position': {
      kind: 'choice',
      choices: ['label', 'delimiter'],
      description: "where attention-kernel reads each example's key (default: the delimiter in a world, the label on text)",
    },
    layer: {
      kind: 'int',
      min: 0,
      max: 1_000,
      placeholder: 'L',
      description: 'hidden-state layer of hidden-knn and nw-hidden (default: the middle one)',
    },
    order: {
      kind: 'choice',
      choices: DEMONSTRATION_ORDERS,
      description: 'prompt order of the chosen demonstrations: as chosen, by ascending score (the best next to the query), or shuffled',
      default: 'selected',
    },
    'head-prompts': {
      kind: 'int',
      min: 4,
      max: 100_000,
      placeholder: 'N',
      description: 'prompts of the probe that chooses the head (without --head)',
      default: HEAD_PROMPTS_DEFAULT,
    },
    'sigma-samples': {
      kind: 'int',
      min: 2,
      max: 50_000,
      placeholder: 'N',
      description: "true-kernel in a world: samples of x behind the theorem kernel's Sigma",
      default: THEOREM_KERNEL_DEFAULTS.samples,
    },
    batch: { kind: 'int', min: 1, max: 65_536, placeholder: 'B', description: 'prompts per forward pass', default: 64 },
    seed: seedOption('the prompts, the pools and the random strategies (and of a preset --world)'),
    seeds: SEEDS_OPTION,
    json: { kind: 'boolean', description: 'print the JSON report on stdout instead of the tables' },
    out: OUT_DIR_OPTION,
  },
  async run(values, context) {
    if (values.out !== undefined) await checkFolderFree(values.out);
    const strategies = values.strategies
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map(parseStrategy);
    const head = values.head === undefined ? undefined : parseHead(values.head);
    const seeds = seedsOf(values);
    let model: HookedModel;
    let source: CompareSource;
    const modelDir = values.model ?? defaultModelDir();
    if (values.data !== undefined) {
      if (values.world !== undefined) throw new OptionError('--world and --data both given', 'pass one: a task world or text');
      if (values.demos === undefined)
        throw new OptionError('--data needs --demos FILE, the pool demonstrations are chosen from', 'pass --demos with a training split');
      if (values.model === undefined)
        throw new OptionError(
          'the built-in model reads task-world tokens, not text',
          'pass --model with a text model (a GPT-2, Llama, Qwen2 or GPT-NeoX folder) and --tokenizer DIR where it lives elsewhere',
        );
      const data = await loadTextDataset(values.data);
      const demos = await loadTextDataset(values.demos);
      const words = labelWords(data, values['label-words']);
      const tokenizer = await textTokenizer(modelDir, modelName(modelDir, true), values.tokenizer);
      model = await loadModel(modelDir);
      checkVocabulary(tokenizer, model);
      source = {
        kind: 'text',
        tokenizer,
        data,
        dataName: values.data,
        demos,
        demosName: values.demos,
        template: values.template,
        labelWords: words,
      };
    } else {
      const stray = TEXT_ONLY.find((name) => values.given.has(name));
      if (stray !== undefined)
        throw new OptionError(`--${stray} applies to text only`, 'pass --data and --demos to compare on text, or drop it');
      await checkWorldModel(
        modelDir,
        modelName(modelDir, values.model !== undefined),
        'compare on text with --data FILE --demos FILE, or pass a folder written by `iclkr pretrain`',
      );
      const checkpoint = await loadGptCheckpoint(modelDir);
      model = checkpoint.model;
      try {
        const worlds = await Promise.all(
          seeds.map((seed) => (values.world !== undefined ? resolveWorld(values.world, seed) : modelWorld(checkpoint.world, modelDir))),
        );
        source = { kind: 'world', worlds, worldSource: values.world ?? "the model's own" };
      } catch (error) {
        model.dispose();
        throw error;
      }
    }
    try {
      const io = context.io();
      const report = runCompareRetrievers(
        {
          model,
          modelName: modelDir,
          source,
          strategies,
          shots: values.shots,
          prompts: values.prompts,
          pool: values.pool,
          head,
          keyPosition: values['key-position'] as 'label' | 'delimiter' | undefined,
          layer: values.layer,
          order: values.order,
          seeds,
          batch: values.batch,
          headPrompts: values['head-prompts'],
          sigmaSamples: values['sigma-samples'],
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
