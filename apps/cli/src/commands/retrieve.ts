import { OptionError, Rng } from '@iclkr/core';
import { loadTextDataset } from '@iclkr/core/node';
import { DEFAULT_TEMPLATE } from '@iclkr/probing';
import { loadModel, loadTokenizer } from '@iclkr/probing/node';
import { numberOption, requireString } from '../args.js';
import type { Command } from '../command.js';
import { checkVocabulary, DemonstrationChooser, needsModel, parseRetrieval, retrievalOptions, selectionRecord, type TextModel } from '../demonstrations.js';
import { writeOutput } from '../output.js';
import { checkSameClasses } from '../probe/text-prompts.js';

const MAX_SEED = 2 ** 31 - 1;

/** Options only the model-based strategies read. */
const MODEL_ONLY = ['model', 'tokenizer', 'template', 'batch'] as const;

/** `iclkr retrieve`: demonstrations chosen per query by a retrieval strategy, one JSON line per query. */
export const retrieveCommand: Command = {
  name: 'retrieve',
  summary:
    'Choose in-context demonstrations: for each query of --data (in file order), n examples of --demos picked by a\nstrategy, one JSON line per query: {"query", "indices", "scores", "labels"}, with indices into --demos in\nprompt order and the score each got (docs/retrieval.md).',
  options: {
    demos: { type: 'string', placeholder: 'FILE', description: 'the pool demonstrations are chosen from (e.g. ../shared/data/sst2/stsa.binary.train)' },
    data: { type: 'string', placeholder: 'FILE', description: 'the queries (e.g. ../shared/data/sst2/glue-dev.tsv)' },
    ...retrievalOptions('strategy'),
    shots: { type: 'string', placeholder: 'N', description: 'demonstrations per query' },
    prompts: { type: 'string', placeholder: 'P', description: 'queries: the first P examples of --data (default: all)' },
    seed: { type: 'string', placeholder: 'S', description: 'seed of random strategies, random order and the pool subset', default: '0' },
    model: {
      type: 'string',
      placeholder: 'DIR',
      description: 'model-kernel, in-distribution: the text model whose P(o | x) is the similarity, or whose log-likelihoods rank the pool (a GPT-2, Llama, Qwen2 or GPT-NeoX folder)',
    },
    tokenizer: { type: 'string', placeholder: 'DIR', description: 'model-kernel, in-distribution: tokenizer folder (default: the model folder)' },
    template: { type: 'string', placeholder: 'T', description: `model-kernel, in-distribution: the prompt line whose {x} position each text is run in (default: '${DEFAULT_TEMPLATE}')` },
    batch: { type: 'string', placeholder: 'B', description: 'model-kernel, in-distribution: texts per forward pass', default: '32' },
    out: { type: 'string', placeholder: 'FILE', description: 'write the JSON lines to FILE (atomically) instead of stdout' },
  },
  async run(values, context) {
    const demosPath = requireString(values, 'demos', 'retrieve');
    const dataPath = requireString(values, 'data', 'retrieve');
    const retrieval = parseRetrieval(values, 'strategy');
    const count = (name: string) => numberOption(values, name, (n) => Number.isSafeInteger(n) && n >= 1, 'an integer >= 1');
    const shots = count('shots');
    if (shots === undefined) throw new OptionError('missing --shots', 'pass --shots N, the demonstrations per query');
    const prompts = count('prompts');
    const batch = count('batch') ?? 32;
    const seed = numberOption(values, 'seed', (n) => Number.isInteger(n) && n >= 0 && n <= MAX_SEED, `an integer in [0, ${MAX_SEED}]`) ?? 0;
    const usesModel = needsModel(retrieval.strategy);
    const stray = MODEL_ONLY.find((name) => values[name] !== undefined);
    if (!usesModel && stray !== undefined) throw new OptionError(`--${stray} applies to --strategy model-kernel or in-distribution only`, `drop --${stray}`);
    const data = await loadTextDataset(dataPath);
    const demos = await loadTextDataset(demosPath);
    checkSameClasses(data, demos);
    if (prompts !== undefined && prompts > data.texts.length) {
      throw new OptionError(`--prompts ${prompts} is more than the ${data.texts.length} examples of --data`, `pass --prompts ${data.texts.length} or fewer`);
    }
    let textModel: TextModel | undefined;
    if (usesModel) {
      // The built-in model reads task-world tokens and has no tokenizer: it cannot score text.
      if (typeof values.model !== 'string') {
        throw new OptionError(
          `--strategy ${retrieval.strategy} needs a text language model (--model DIR) to score the texts`,
          'pass --model with a GPT-2, Llama, Qwen2 or GPT-NeoX folder (and --tokenizer DIR if its tokenizer is elsewhere)',
        );
      }
      const modelDir = values.model;
      const tokenizer = await loadTokenizer(typeof values.tokenizer === 'string' ? values.tokenizer : modelDir);
      const model = await loadModel(modelDir);
      checkVocabulary(tokenizer, model);
      textModel = { model, tokenizer, template: typeof values.template === 'string' ? values.template : DEFAULT_TEMPLATE, batch };
    }
    try {
      const chooser = new DemonstrationChooser(demos, { ...retrieval, seed, shots }, textModel, (line) => context.stderr.write(`iclkr retrieve: ${line}\n`), (label) =>
        context.progress(label),
      );
      const queries = data.texts.slice(0, prompts ?? data.texts.length);
      const rng = new Rng(seed);
      const bar = context.progress('retrieve');
      const lines: string[] = [];
      for (let start = 0; start < queries.length; start += batch) {
        chooser.choose(queries.slice(start, start + batch), rng).forEach((chosen, b) => lines.push(selectionRecord({ query: start + b }, chosen, demos)));
        bar.update(lines.length, queries.length);
      }
      bar.finish();
      if (typeof values.out === 'string') await writeOutput(values.out, lines.join(''));
      else context.stdout.write(lines.join(''));
    } finally {
      textModel?.model.dispose();
    }
  },
};
