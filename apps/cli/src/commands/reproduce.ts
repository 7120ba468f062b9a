import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { OptionError, type ReproduceReport } from '@iclkr/core';
import { checkFolderFree, loadTextDataset } from '@iclkr/core/node';
import {
  checkTextData,
  checkVocabulary,
  modelWorld,
  presentReport,
  REPRODUCE_SECTIONS,
  REPRODUCE_TEXT,
  type ReproduceSection,
  runReproduce,
  textProbeSource,
  textTable,
} from '@iclkr/experiments';
import { activationsProbeSource } from '@iclkr/experiments/node';
import { loadGptCheckpoint, loadModel } from '@iclkr/probing/node';
import { SEEDS_OPTION } from '../args.js';
import { defineCommand } from '../command.js';
import { defaultModelDir, sharedDataDir } from '../default-model.js';
import { textTokenizer } from '../models.js';
import { checkPaths } from '../paths.js';
import { OUT_DIR_OPTION, writeReport } from '../report-output.js';

/** A fresh report folder name under reports/ for a run without --out (each run its own). */
function defaultOut(): string {
  const stamp = new Date()
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/[:T]/g, '-');
  for (let i = 0; ; i++) {
    const dir = join('reports', `reproduce-${stamp}${i === 0 ? '' : `-${i}`}`);
    if (!existsSync(dir)) return dir;
  }
}

/** Parses --only: a comma-separated list of sections. */
function sections(text: string | undefined, hasText: boolean): ReproduceSection[] | undefined {
  if (text === undefined) return undefined;
  const names = text.split(',').map((s) => s.trim());
  const bad = names.find((n) => !(REPRODUCE_SECTIONS as readonly string[]).includes(n));
  if (bad !== undefined) throw new OptionError(`--only ${text}: '${bad}' is not a section`, `pass some of ${REPRODUCE_SECTIONS.join(',')}`);
  if (names.includes('text') && !hasText)
    throw new OptionError('--only text needs a text model or activations', 'pass --model HF_DIR or --activations DIR');
  return [...new Set(names)] as ReproduceSection[];
}

/** `iclkr reproduce`: the paper's experiments in one run, with our numbers beside the paper's. */
export const reproduceCommand = defineCommand({
  name: 'reproduce',
  summary:
    "The paper in one command: Table 3's convergence on the calibrated paper-table3, recall and classify worlds, the built-in\n" +
    "model's ICL curves against exact Bayes in and out of distribution, the probe of its heads, and with --model or\n" +
    "--activations the text half on SST-2 (Table 2's protocol); one report folder and a table of our numbers beside the paper's.",
  options: {
    quick: { kind: 'boolean', description: 'one seed and fewer prompts (about a minute here) instead of the full run (three seeds)' },
    seeds: { ...SEEDS_OPTION, description: 'the seeds of every section (default: 0 with --quick, else 0,1,2)' },
    only: { kind: 'string', placeholder: REPRODUCE_SECTIONS.join(','), description: 'run only these sections' },
    model: {
      kind: 'string',
      role: 'input',
      placeholder: 'HF_DIR',
      description: "add the text half: a Hugging Face GPT-2, Llama, Qwen2 or GPT-NeoX folder probed on SST-2 with the paper's template",
    },
    tokenizer: {
      kind: 'string',
      role: 'input',
      placeholder: 'DIR',
      description: 'with --model: tokenizer folder (default: the model folder)',
    },
    activations: {
      kind: 'string',
      role: 'input',
      placeholder: 'DIR',
      description: 'add the text half from activations computed elsewhere (docs/activations.md)',
    },
    'data-dir': {
      kind: 'string',
      role: 'input',
      placeholder: 'DIR',
      description: 'the shared data folder holding sst2/ (default: ICLKR_SHARED_DATA, else ../shared/data)',
    },
    json: { kind: 'boolean', description: 'print the JSON report on stdout instead of the comparison' },
    out: {
      kind: 'string',
      role: 'output-folder',
      placeholder: 'DIR',
      description: 'the report folder (must not exist, or be empty; written atomically at the end; default: reports/reproduce-DATE-TIME)',
    },
  },
  async run(values, context) {
    if (values.model !== undefined && values.activations !== undefined)
      throw new OptionError('--model and --activations both given', 'pass one of them');
    if (values['data-dir'] !== undefined && values.model === undefined)
      throw new OptionError('--data-dir applies to --model only (the SST-2 text half)', 'drop --data-dir, or pass --model HF_DIR');
    if (values.tokenizer !== undefined && values.model === undefined)
      throw new OptionError('--tokenizer applies to --model only', 'drop --tokenizer, or pass --model HF_DIR');
    const text = values.model !== undefined || values.activations !== undefined;
    const only = sections(values.only, text);
    const out = values.out ?? defaultOut();
    // The default folder is checked as a given --out is, before the hour of work (reports/ may be a file).
    if (values.out === undefined) await checkPaths({ out: OUT_DIR_OPTION }, { out });
    await checkFolderFree(out);
    const seeds = values.seeds ?? (values.quick ? [0] : [0, 1, 2]);
    const modelDir = defaultModelDir();
    let textSource: Parameters<typeof runReproduce>[0]['textSource'];
    const io = context.io();
    if (values.model !== undefined) {
      const dataDir = values['data-dir'] ?? sharedDataDir();
      const data = await loadTextDataset(join(dataDir, REPRODUCE_TEXT.queries));
      const demos = await loadTextDataset(join(dataDir, REPRODUCE_TEXT.pool));
      checkTextData(data, demos);
      const tokenizer = await textTokenizer(values.model, `--model ${values.model}`, values.tokenizer);
      const hf = values.model;
      textSource = async (settings) => {
        const model = await loadModel(hf);
        checkVocabulary(tokenizer, model);
        try {
          return textProbeSource(
            {
              model,
              modelName: hf,
              tokenizer,
              data,
              dataName: REPRODUCE_TEXT.queries,
              demos,
              demosName: REPRODUCE_TEXT.pool,
              template: REPRODUCE_TEXT.template,
              labelWords: REPRODUCE_TEXT.labelWords,
              retrieval: { strategy: 'random', order: 'selected', pool: undefined },
            },
            settings,
            io,
          );
        } catch (error) {
          model.dispose();
          throw error;
        }
      };
    } else if (values.activations !== undefined) {
      const dir = values.activations;
      textSource = (settings) => activationsProbeSource(dir, settings);
    }
    const report: ReproduceReport = await runReproduce(
      {
        quick: values.quick,
        seeds,
        only,
        defaultModel: async () => {
          const checkpoint = await loadGptCheckpoint(modelDir);
          return { model: checkpoint.model, world: modelWorld(checkpoint.world, modelDir), name: modelDir };
        },
        textSource,
      },
      io,
      context.run(),
    );
    io.finish();
    const written = await writeReport(out, report);
    if (values.json) {
      context.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return;
    }
    const shown = presentReport(report);
    const page = join(out, 'report.html');
    context.stdout.write(
      `${shown.summary.join('\n')}\n\n${textTable(shown.tables[0], { width: 200 })}\n${written}open ${page} in a browser\n`,
    );
  },
});
