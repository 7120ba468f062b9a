import { TEXT_FORMATS } from '@iclkr/core';
import { loadTextDataset } from '@iclkr/core/node';
import { textTable } from '@iclkr/experiments';
import { defineCommand } from '../command.js';

/** `iclkr dataset`: loads a text classification file and shows what the loader understood. */
export const datasetCommand = defineCommand({
  name: 'dataset',
  summary:
    'Load a text classification data set (GLUE TSV, "<label> <text>" lines, TREC, CSV, JSONL) and\n' +
    'show its size, classes and first examples: a check that a file reads as intended.',
  options: {
    file: {
      kind: 'string',
      role: 'input',
      required: true,
      placeholder: 'FILE',
      description: 'the data file, e.g. ../shared/data/sst2/glue-dev.tsv',
    },
    format: { kind: 'choice', choices: TEXT_FORMATS, description: 'file format (default: detected)' },
    encoding: {
      kind: 'choice',
      choices: ['utf-8', 'windows-1252'],
      description: 'text encoding (default: UTF-8 when valid, else windows-1252)',
    },
    examples: { kind: 'int', min: 0, max: 1_000_000, placeholder: 'N', description: 'examples to show', default: 3 },
    json: { kind: 'boolean', description: 'print a JSON summary' },
  },
  async run(values, context) {
    const { file, format, encoding, examples: shown } = values;
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
        textTable({
          title: '',
          header: ['class', 'count'],
          rows: data.labelNames.map((name, c) => [name, String(counts[c])]),
          note: null,
        }) +
        examples.map((e) => `[${e.label}] ${e.text}`).join('\n') +
        (examples.length ? '\n' : ''),
    );
  },
});
