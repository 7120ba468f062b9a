import { TEXT_FORMATS } from '@iclkr/core';
import { loadTextDataset } from '@iclkr/core/node';
import { choiceOption, numberOption, requireString } from '../args.js';
import type { Command } from '../command.js';
import { table } from '../output.js';

/** `iclkr dataset`: loads a text classification file and shows what the loader understood. */
export const datasetCommand: Command = {
  name: 'dataset',
  summary:
    'Load a text classification data set (GLUE TSV, "<label> <text>" lines, TREC, CSV, JSONL) and\nshow its size, classes and first examples: a check that a file reads as intended.',
  options: {
    file: { type: 'string', placeholder: 'FILE', description: 'the data file, e.g. ../shared/data/sst2/glue-dev.tsv' },
    format: { type: 'string', placeholder: TEXT_FORMATS.join('|'), description: 'file format (default: detected)' },
    encoding: { type: 'string', placeholder: 'utf-8|windows-1252', description: 'text encoding (default: UTF-8 when valid, else windows-1252)' },
    examples: { type: 'string', placeholder: 'N', description: 'examples to show', default: '3' },
    json: { type: 'boolean', description: 'print a JSON summary' },
  },
  async run(values, context) {
    const file = requireString(values, 'file', 'dataset');
    const format = choiceOption(values, 'format', TEXT_FORMATS);
    const encoding = choiceOption(values, 'encoding', ['utf-8', 'windows-1252'] as const);
    const shown = numberOption(values, 'examples', (n) => Number.isInteger(n) && n >= 0, 'a whole number') ?? 3;
    const data = await loadTextDataset(file, { format, encoding });
    const counts = data.labelNames.map((_, c) => data.labels.filter((l) => l === c).length);
    const examples = data.texts.slice(0, shown).map((text, i) => ({
      label: data.labelNames[data.labels[i]],
      text,
    }));
    if (values.json) {
      const classes = data.labelNames.map((name, c) => ({ name, count: counts[c] }));
      context.stdout.write(`${JSON.stringify({ name: data.name, source: file, rows: data.texts.length, classes, examples }, null, 2)}\n`);
      return;
    }
    context.stdout.write(
      `${data.name}: ${data.texts.length} examples, ${data.labelNames.length} classes\n` +
        table(
          ['class', 'count'],
          data.labelNames.map((name, c) => [name, String(counts[c])]),
        ) +
        examples.map((e) => `[${e.label}] ${e.text}`).join('\n') +
        (examples.length ? '\n' : ''),
    );
  },
};
