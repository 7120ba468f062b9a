import type { World } from '@iclkr/theory';
import { saveWorld, writeCorpus } from '@iclkr/theory/node';
import { formatNumber } from '@iclkr/experiments';
import { seedOption } from '../args.js';
import { defineCommand } from '../command.js';
import { WORLD_OPTIONS, worldSource } from '../world-source.js';

/** `iclkr generate`: a pre-training corpus sampled from a preset world or a world file. */
export const generateCommand = defineCommand({
  name: 'generate',
  summary:
    'Sample a pre-training corpus from an HMM task mixture (a preset world or a world JSON file) into a\n' +
    'folder: tokens.bin (little-endian uint16/uint32, documents back to back), corpus.json, world.json.',
  options: {
    ...WORLD_OPTIONS,
    docs: { kind: 'int', min: 1, max: 10_000_000, placeholder: 'N', description: 'number of documents', default: 1000 },
    'doc-length': { kind: 'int', min: 1, max: 10_000_000, placeholder: 'L', description: 'tokens per document', default: 10240 },
    out: {
      kind: 'string',
      role: 'output-folder',
      required: true,
      placeholder: 'DIR',
      description: 'output folder (must not exist, or be empty); written atomically',
    },
    seed: seedOption('the preset world and of the sampling stream'),
    restart: {
      kind: 'boolean',
      description: "after each delimiter, restart from the document task's start distribution instead of following the HMM",
    },
    'save-world': {
      kind: 'string',
      role: 'output-file',
      placeholder: 'FILE',
      description: 'also write the world JSON to FILE (atomically, after the corpus)',
    },
  },
  async run(values, context) {
    const source = worldSource(values);
    const { preset, path: worldPath } = source;
    const { out, docs, 'doc-length': length, seed } = values;

    const started = performance.now();
    const world: World = await source.load(seed);
    const bar = context.progress('generate');
    const description = await writeCorpus(out, world, {
      docs,
      length,
      seed,
      restart: values.restart,
      onProgress: (done, total) => bar.update(done, total),
    });
    bar.finish();
    const saveTo = values['save-world'];
    if (saveTo !== undefined) await saveWorld(saveTo, world);
    const seconds = (performance.now() - started) / 1000;
    const name = world.spec.name ?? preset ?? worldPath;
    context.stdout.write(
      `wrote ${out}: ${docs} documents x ${length} tokens = ${description.tokens} ${description.dtype} tokens ` +
        `from world ${name} (${world.tasks.length} tasks, ${world.d} states, ${world.m} tokens), seed ${seed}, ` +
        `in ${formatNumber(seconds)} s (${formatNumber(description.tokens / seconds)} tokens/s)\n` +
        (saveTo !== undefined ? `world saved to ${saveTo}\n` : ''),
    );
  },
});
