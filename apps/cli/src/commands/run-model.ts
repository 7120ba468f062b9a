import { DataError, OptionError, type SafetensorsTensor, tf } from '@iclkr/core';
import { readInputFile, writeSafetensors } from '@iclkr/core/node';
import { loadModel } from '@iclkr/probing/node';
import { defineCommand } from '../command.js';

const IDS_FIX = 'give a JSON array of equally long arrays of token ids, e.g. [[1, 2, 3], [4, 5, 6]]';

/** Reads `[[ids...], ...]`: a batch of equally long, non-empty rows of non-negative integers. */
function parseInputIds(text: string, path: string): number[][] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DataError(path, undefined, `not valid JSON (${(error as Error).message.split('\n')[0]})`, IDS_FIX);
  }
  if (!Array.isArray(value) || value.length === 0 || !value.every((row) => Array.isArray(row) && row.length > 0)) {
    throw new DataError(path, undefined, 'input ids must be a non-empty array of non-empty arrays', IDS_FIX);
  }
  const rows = value as unknown[][];
  if (rows.some((row) => row.length !== rows[0].length)) {
    throw new DataError(path, undefined, 'rows of input ids have different lengths', `${IDS_FIX} (pad rows to one length)`);
  }
  const bad = rows.flat().find((id) => !Number.isSafeInteger(id) || (id as number) < 0);
  if (bad !== undefined) throw new DataError(path, undefined, `input id ${JSON.stringify(bad)} is not a non-negative integer`, IDS_FIX);
  return rows as number[][];
}

/** `iclkr run-model`: one forward pass of a Hugging Face checkpoint, logits and activations to safetensors. */
export const runModelCommand = defineCommand({
  name: 'run-model',
  summary:
    'Run one forward pass of a model folder (Hugging Face config.json + model.safetensors; gpt2 or\n' +
    'llama) on given token ids and write the logits and requested activations, under their\n' +
    'TransformerLens names, to a safetensors file: the check of our numbers against your framework.',
  options: {
    model: {
      kind: 'string',
      role: 'input',
      required: true,
      placeholder: 'DIR',
      description: 'model folder (config.json + model.safetensors)',
    },
    'input-ids': {
      kind: 'string',
      role: 'input',
      required: true,
      placeholder: 'FILE',
      description: 'JSON array of equally long arrays of token ids',
    },
    cache: {
      kind: 'string',
      placeholder: 'NAME,NAME...',
      description: 'activations to write, e.g. blocks.0.attn.hook_pattern,ln_final.hook_normalized',
    },
    out: {
      kind: 'string',
      role: 'output-file',
      required: true,
      placeholder: 'FILE',
      description: 'output safetensors file (written atomically)',
    },
  },
  async run(values, context) {
    const { model: modelDir, 'input-ids': idsPath, out } = values;
    // A name given twice is one activation (written once, counted once).
    const names = [
      ...new Set(
        (values.cache ?? '')
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean),
      ),
    ];
    const ids = parseInputIds(new TextDecoder().decode(await readInputFile(idsPath)), idsPath);
    const model = await loadModel(modelDir);
    const input = tf.tensor2d(ids, [ids.length, ids[0].length], 'int32');
    try {
      const { logits, cache } = model.run(input, { cache: names });
      const missing = names.filter((n) => !cache.has(n));
      const tensors: Record<string, SafetensorsTensor> = {};
      for (const [name, t] of [['logits', logits] as const, ...cache]) {
        tensors[name] = { dtype: 'F32', shape: t.shape, data: t.dataSync() as Float32Array };
      }
      tf.dispose([logits, ...cache.values()]);
      if (missing.length > 0) {
        throw new OptionError(
          `the model has no activation named ${missing.map((n) => `'${n}'`).join(', ')}`,
          'use TransformerLens names such as blocks.0.attn.hook_pattern, blocks.0.hook_resid_post, ln_final.hook_normalized',
        );
      }
      await writeSafetensors(out, tensors, { producer: 'iclkr run-model', model: modelDir });
      const activations = names.length === 0 ? '' : ` and ${names.length} activation${names.length === 1 ? '' : 's'}`;
      context.stdout.write(`wrote ${out}: logits [${logits.shape.join(', ')}]${activations}\n`);
    } finally {
      input.dispose();
      model.dispose();
    }
  },
});
