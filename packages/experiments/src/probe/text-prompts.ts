/** Probing prompts from text data: demonstrations drawn from a pool, one query per example, laid out by a template. */
import { OptionError, Rng, type TextDataset } from '@iclkr/core';
import { type ProbePrompt, textPromptSpans, type Tokenizer } from '@iclkr/probing';
import { createRetriever, type Selection } from '@iclkr/retrieval';

/** Demonstrations for a batch of query texts, as --demos indices in prompt order with their scores. */
export type ChooseDemonstrations = (queries: readonly string[], rng: Rng) => Selection[];

/** What to build: n demonstrations per prompt, `prompts` queries, the template and the label words. */
export interface TextPromptSettings {
  readonly shots: number;
  readonly prompts: number;
  readonly template: string;
  /** The word each class is written as, in class order (default the class names). */
  readonly labelWords: readonly string[];
  readonly seed: number;
  readonly batch: number;
  /** How demonstrations are chosen (default: n drawn at random from the whole pool). */
  readonly choose?: ChooseDemonstrations;
  /** Told each prompt's query (an index into the data) and its demonstrations, in prompt order. */
  readonly onChosen?: (query: number, chosen: Selection) => void;
}

/** The default choice: n demonstrations drawn uniformly without replacement from the whole pool. */
function randomChoice(demos: TextDataset, n: number): ChooseDemonstrations {
  const random = createRetriever('random').fit({ texts: demos.texts, labels: demos.labels, numClasses: demos.labelNames.length });
  return (queries, rng) => queries.map(() => random.select({ text: '' }, n, rng));
}

/** The label word of each class: `--label-words` (comma-separated, one per class) or the class names. */
export function labelWords(data: TextDataset, option: string | undefined): string[] {
  if (option === undefined) return [...data.labelNames];
  const words = option.split(',').map((w) => w.trim());
  if (words.length !== data.labelNames.length || words.some((w) => w === '')) {
    throw new OptionError(
      `--label-words gives ${words.length} word(s) for the ${data.labelNames.length} classes ${data.labelNames.join(', ')}`,
      `pass one non-empty word per class, in that order, e.g. --label-words ${data.labelNames.join(',')}`,
    );
  }
  return words;
}

/** The token each label word starts with where the template puts it (what the model's prediction is read over). */
export function labelTokens(tokenizer: Tokenizer, template: string, words: readonly string[]): number[] {
  const tokens = words.map((y) => {
    const { ids, spans } = textPromptSpans(tokenizer, [{ x: 'x', y }], 'x', { template });
    return ids[spans.y[0].start];
  });
  const clash = tokens.findIndex((t, i) => tokens.indexOf(t) !== i);
  if (clash >= 0)
    throw new OptionError(
      `label words '${words[tokens.indexOf(tokens[clash])]}' and '${words[clash]}' start with the same token`,
      'pick label words whose first tokens differ (--label-words)',
    );
  return tokens;
}

/** Refuses a data set with rows that have a label but no text: every retriever would score them alike (all zeros). */
function checkNoEmptyTexts(dataset: TextDataset, option: string): void {
  const lines = dataset.emptyTextLines ?? [];
  if (lines.length > 0) {
    const shown = lines.slice(0, 5).join(', ') + (lines.length > 5 ? `, ... (${lines.length} in all)` : '');
    throw new OptionError(
      `${option} ${dataset.source} has rows with a label but no text (line${lines.length > 1 ? 's' : ''} ${shown})`,
      'remove those lines, or give a data set whose every row has a text',
    );
  }
}

/**
 * Checks the texts a command scores: the demonstrations' classes are the data's classes (so label
 * ids mean the same in both), and no row of either has a label but no text.
 */
export function checkTextData(data: TextDataset, demos: TextDataset): void {
  checkNoEmptyTexts(data, '--data');
  checkNoEmptyTexts(demos, '--demos');
  const same = data.labelNames.length === demos.labelNames.length && data.labelNames.every((name, c) => demos.labelNames[c] === name);
  if (!same) {
    throw new OptionError(
      `the demonstrations' labels (${demos.labelNames.join(', ')}) are not the data's label set (${data.labelNames.join(', ')})`,
      'give --demos and --data files of the same task (e.g. a train and a dev split)',
    );
  }
}

/**
 * Batches of text prompts: queries are the data's examples in a seeded order, each with n
 * demonstrations chosen from the pool (at random without replacement unless `choose` says
 * otherwise), tokenized with their spans.
 */
export function* textPrompts(
  tokenizer: Tokenizer,
  data: TextDataset,
  demos: TextDataset,
  settings: TextPromptSettings,
): Generator<ProbePrompt[]> {
  checkTextData(data, demos);
  const { shots: n, template, labelWords: words } = settings;
  if (n < 1) throw new OptionError(`--shots ${n} leaves no demonstration to attend to`, 'pass --shots 1 or more');
  if (demos.texts.length < n)
    throw new OptionError(
      `--demos has ${demos.texts.length} examples, fewer than --shots ${n}`,
      'pass a larger demonstration pool or fewer shots',
    );
  if (settings.prompts > data.texts.length)
    throw new OptionError(
      `--prompts ${settings.prompts} is more than the ${data.texts.length} examples of --data`,
      `pass --prompts ${data.texts.length} or fewer`,
    );
  const rng = new Rng(settings.seed);
  const order = rng.shuffle(data.texts.map((_, i) => i)).slice(0, settings.prompts);
  const choose = settings.choose ?? randomChoice(demos, n);
  for (let start = 0; start < order.length; start += settings.batch) {
    const queries = order.slice(start, start + settings.batch);
    const selections = choose(
      queries.map((q) => data.texts[q]),
      rng,
    );
    yield queries.map((q, b) => {
      settings.onChosen?.(q, selections[b]);
      const chosen = selections[b].indices;
      const prompt = textPromptSpans(
        tokenizer,
        chosen.map((i) => ({ x: demos.texts[i], y: words[demos.labels[i]] })),
        data.texts[q],
        { template },
      );
      return { tokens: prompt.ids, spans: prompt.spans, labels: chosen.map((i) => demos.labels[i]), gold: data.labels[q] };
    });
  }
}
