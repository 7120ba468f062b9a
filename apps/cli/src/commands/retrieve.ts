import { OptionError } from '@iclkr/core';
import { loadTextDataset } from '@iclkr/core/node';
import { checkTextData, checkVocabulary, labelWords, needsModel, retrieveQueries, runRetrieve, type TextModel } from '@iclkr/experiments';
import { DEFAULT_TEMPLATE } from '@iclkr/probing';
import { loadModel } from '@iclkr/probing/node';
import { RETRIEVAL_STRATEGY_NAMES } from '@iclkr/retrieval';
import { seedOption } from '../args.js';
import { defineCommand } from '../command.js';
import { textTokenizer } from '../models.js';
import { writeOutput } from '../output.js';
import { ORDER_AND_POOL_OPTIONS, SELECTOR_OPTIONS, STRATEGY_DESCRIPTION, selectorSettings } from '../retrieval-options.js';

/** Options only the model-based strategies read. */
const MODEL_ONLY = ['model', 'tokenizer', 'template', 'batch'] as const;

/** The strategies that read a model, for the messages. */
const MODEL_STRATEGIES = RETRIEVAL_STRATEGY_NAMES.filter(needsModel).join(', ');

/** Options one strategy reads, refused with any other (besides the selector options). */
const STRATEGY_ONLY: Readonly<Record<string, readonly string[]>> = {
  'label-words': ['mdl', 'attention-kernel'],
};

/** `iclkr retrieve`: demonstrations chosen per query by a retrieval strategy, one JSON line per query. */
export const retrieveCommand = defineCommand({
  name: 'retrieve',
  summary:
    'Choose in-context demonstrations: for each query of --data (in file order, or drawn as iclkr probe draws them\n' +
    'with --sample), n examples of --demos picked by a strategy, one JSON line per query: {"query", "indices",\n' +
    '"scores", "labels", "texts"}, indices into --demos in prompt order, their scores and texts (docs/retrieval.md).',
  options: {
    demos: {
      kind: 'string',
      role: 'input',
      required: true,
      placeholder: 'FILE',
      description: 'the pool demonstrations are chosen from (e.g. ../shared/data/sst2/stsa.binary.train)',
    },
    data: {
      kind: 'string',
      role: 'input',
      required: true,
      placeholder: 'FILE',
      description: 'the queries (e.g. ../shared/data/sst2/glue-dev.tsv)',
    },
    strategy: { kind: 'choice', choices: RETRIEVAL_STRATEGY_NAMES, placeholder: 'STRATEGY', description: STRATEGY_DESCRIPTION },
    ...ORDER_AND_POOL_OPTIONS,
    shots: { kind: 'int', min: 1, max: 10_000, placeholder: 'N', description: 'demonstrations per query' },
    prompts: {
      kind: 'int',
      min: 1,
      max: 10_000_000,
      placeholder: 'P',
      description: 'queries: the first P examples of --data (default: all)',
    },
    seed: seedOption('random strategies, random order, the pool subset and --sample'),
    sample: {
      kind: 'boolean',
      description: 'draw the --prompts queries as iclkr probe does (a seeded shuffle of --data), not the first ones in file order',
    },
    'label-words': {
      kind: 'string',
      placeholder: 'W1,W2,...',
      description: 'mdl, attention-kernel: the word of each class in the demonstration lines (default: the class names)',
    },
    ...SELECTOR_OPTIONS,
    model: {
      kind: 'string',
      role: 'input',
      placeholder: 'DIR',
      description:
        'model-kernel, in-distribution: the text model whose P(o | x) is the similarity, ' +
        'or whose log-likelihoods rank the pool (a GPT-2, Llama, Qwen2 or GPT-NeoX folder)',
    },
    tokenizer: {
      kind: 'string',
      role: 'input',
      placeholder: 'DIR',
      description: 'model-kernel, in-distribution: tokenizer folder (default: the model folder)',
    },
    template: {
      kind: 'string',
      placeholder: 'T',
      description: 'model-kernel, in-distribution: the prompt line whose {x} position each text is run in',
      default: DEFAULT_TEMPLATE,
    },
    batch: {
      kind: 'int',
      min: 1,
      max: 65_536,
      placeholder: 'B',
      description: 'model-kernel, in-distribution: texts per forward pass',
      default: 32,
    },
    out: {
      kind: 'string',
      role: 'output-file',
      placeholder: 'FILE',
      description: 'write the JSON lines to FILE (atomically) instead of stdout',
    },
  },
  async run(values, context) {
    const { strategy, shots, prompts } = values;
    if (strategy === undefined) throw new OptionError('missing --strategy', `pass --strategy ${RETRIEVAL_STRATEGY_NAMES.join('|')}`);
    if (shots === undefined) throw new OptionError('missing --shots', 'pass --shots N, the demonstrations per query');
    const usesModel = needsModel(strategy);
    const stray = MODEL_ONLY.find((name) => values.given.has(name));
    if (!usesModel && stray !== undefined)
      throw new OptionError(`--${stray} applies to the strategies that read a model (${MODEL_STRATEGIES}) only`, `drop --${stray}`);
    for (const [option, strategies] of Object.entries(STRATEGY_ONLY)) {
      if (values.given.has(option) && !strategies.includes(strategy))
        throw new OptionError(`--${option} applies to --strategy ${strategies.join(' or ')} only`, `drop --${option}`);
    }
    const selector = selectorSettings(values, strategy);
    const data = await loadTextDataset(values.data);
    const demos = await loadTextDataset(values.demos);
    checkTextData(data, demos);
    if (prompts !== undefined && prompts > data.texts.length) {
      throw new OptionError(
        `--prompts ${prompts} is more than the ${data.texts.length} examples of --data`,
        `pass --prompts ${data.texts.length} or fewer`,
      );
    }
    const queryIndices = retrieveQueries(data, prompts, values.sample, values.seed);
    let model: TextModel | undefined;
    if (usesModel) {
      // The built-in model reads task-world tokens and has no tokenizer: it cannot score text.
      if (values.model === undefined) {
        throw new OptionError(
          `--strategy ${strategy} needs a text language model (--model DIR) to score the texts`,
          'pass --model with a GPT-2, Llama, Qwen2 or GPT-NeoX folder (and --tokenizer DIR if its tokenizer is elsewhere)',
        );
      }
      const tokenizer = await textTokenizer(values.model, `--model ${values.model}`, values.tokenizer);
      const loaded = await loadModel(values.model);
      checkVocabulary(tokenizer, loaded);
      model = {
        model: loaded,
        tokenizer,
        template: values.template,
        batch: values.batch,
        labelWords: labelWords(data, values['label-words']),
      };
    }
    try {
      const io = context.io();
      const lines = runRetrieve(
        {
          demos,
          queries: queryIndices.map((q) => data.texts[q]),
          queryIndices,
          retrieval: {
            strategy,
            order: values.order,
            pool: values.pool,
            ...selector,
          },
          shots,
          seed: values.seed,
          batch: values.batch,
          model,
        },
        io,
      );
      io.finish();
      if (values.out !== undefined) await writeOutput(values.out, lines.join(''));
      else context.stdout.write(lines.join(''));
    } finally {
      model?.model.dispose();
    }
  },
});
