import type { World } from '@iclkr/theory';
import { saveWorld, writeCorpus } from '@iclkr/theory/node';
import { numberOption, requireString } from '../args.js';
import type { Command } from '../command.js';
import { WORLD_OPTIONS, worldSource } from '../world-source.js';
import { fmt } from '../output.js';

const MAX_SEED = 2 ** 31 - 1;

/** `iclkr generate`: a pre-training corpus sampled from a preset world or a world file. */
export const generateCommand: Command = {
  name: 'generate',
  summary:
    'Sample a pre-training corpus from an HMM task mixture (a preset world or a world JSON file) into a\nfolder: tokens.bin (little-endian uint16/uint32, documents back to back), corpus.json, world.json.',
  options: {
    ...WORLD_OPTIONS,
    docs: { type: 'string', placeholder: 'N', description: 'number of documents', default: '1000' },
    'doc-length': { type: 'string', placeholder: 'L', description: 'tokens per document', default: '10240' },
    out: { type: 'string', placeholder: 'DIR', description: 'output folder (must not exist, or be empty); written atomically' },
    seed: { type: 'string', placeholder: 'S', description: 'seed of the preset world and of the sampling stream', default: '0' },
    restart: { type: 'boolean', description: "after each delimiter, restart from the document task's start distribution instead of following the HMM" },
    'save-world': { type: 'string', placeholder: 'FILE', description: 'also write the world JSON to FILE (atomically, after the corpus)' },
  },
  async run(values, context) {
    const source = worldSource(values);
    const { preset, path: worldPath } = source;
    const out = requireString(values, 'out', 'generate');
    const count = (n: number) => Number.isSafeInteger(n) && n >= 1;
    const docs = numberOption(values, 'docs', count, 'an integer >= 1') ?? 1000;
    const length = numberOption(values, 'doc-length', count, 'an integer >= 1') ?? 10240;
    const seed = numberOption(values, 'seed', (n) => Number.isInteger(n) && n >= 0 && n <= MAX_SEED, `an integer in [0, ${MAX_SEED}]`) ?? 0;

    const started = performance.now();
    const world: World = await source.load(seed);
    const bar = context.progress('generate');
    const description = await writeCorpus(out, world, {
      docs,
      length,
      seed,
      restart: values.restart === true,
      onProgress: (done, total) => bar.update(done, total),
    });
    bar.finish();
    const saveTo = values['save-world'];
    if (typeof saveTo === 'string') await saveWorld(saveTo, world);
    const seconds = (performance.now() - started) / 1000;
    const name = world.spec.name ?? preset ?? worldPath;
    context.stdout.write(
      `wrote ${out}: ${docs} documents x ${length} tokens = ${description.tokens} ${description.dtype} tokens ` +
        `from world ${name} (${world.tasks.length} tasks, ${world.d} states, ${world.m} tokens), seed ${seed}, ` +
        `in ${fmt(seconds)} s (${fmt(description.tokens / seconds)} tokens/s)\n` +
        (typeof saveTo === 'string' ? `world saved to ${saveTo}\n` : ''),
    );
  },
};
