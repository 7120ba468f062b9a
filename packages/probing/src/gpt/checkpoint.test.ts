// Checkpoint folders: a round trip gives identical logits, a resumed trainer takes exactly the step
// the original would have, loadModel reads the folder, and every bad input is a one-line typed error.
// The same checkpoint from its files' bytes (as a browser has them) loads identically and fails
// with the same messages.
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError, type IclkrError, Rng, SafetensorsError, type SafetensorsTensor, tf } from '@iclkr/core';
import { readSafetensors, writeSafetensors } from '@iclkr/core/node';
import { afterAll, describe, expect, it } from 'vitest';
import { rejection, removeTemporaryFolders, temporaryFolder } from '../../test/fixtures.js';
import { idsTensor, randomIds } from '../../test/naive-gpt.js';
import { loadModel } from '../load-model.js';
import { GPT_FILES, type GptCheckpointFiles, gptCheckpointFromFiles, gptCheckpointToFiles } from './checkpoint.js';
import { loadGptCheckpoint, saveGptCheckpoint } from './checkpoint-node.js';
import type { GptConfig } from './config.js';
import { createGpt, initGptParams } from './init.js';
import { GptTrainer, type TrainBatch } from './trainer.js';

const CONFIG: GptConfig = {
  vocabSize: 9,
  nCtx: 8,
  nLayers: 2,
  nHeads: 2,
  dModel: 8,
  dMlp: 16,
  positions: 'learned',
  tiedEmbeddings: false,
};
const WORLD = { name: 'toy', states: [1, 2, 3] };

afterAll(removeTemporaryFolders);
const tempDir = () => temporaryFolder('gpt');

function batch(seed: number): TrainBatch {
  const rng = new Rng(seed);
  const n = 4 * 8;
  return {
    inputs: Int32Array.from({ length: n }, () => rng.int(9)),
    targets: Int32Array.from({ length: n }, () => rng.int(9)),
    weights: Float32Array.from({ length: n }, () => 0.5 + rng.uniform()),
    batch: 4,
    length: 8,
  };
}

function logitsOf(model: ReturnType<typeof createGpt>): Float32Array {
  const input = idsTensor(randomIds(9, 2, 8, 1));
  const { logits } = model.run(input);
  const values = logits.dataSync() as Float32Array;
  tf.dispose([logits, input]);
  return values;
}

/** A trained model's checkpoint in a new folder, and the trainer that wrote it. */
async function trainedCheckpoint(config = CONFIG) {
  const params = initGptParams(config, new Rng(2));
  const model = createGpt(config, params);
  const trainer = new GptTrainer(model, params, { lr: 1e-2, warmup: 2, steps: 20 });
  for (let s = 0; s < 3; s++) trainer.step(batch(10 + s));
  const dir = join(await tempDir(), 'model');
  await saveGptCheckpoint(dir, { config, params, world: WORLD, training: { state: trainer.state(), log: { entries: [1, 2] } } });
  return { dir, model, params, trainer };
}

/** A change to a saved checkpoint: its weights, or its config. */
interface Edit {
  tensors?: (t: Map<string, SafetensorsTensor>) => void;
  config?: (c: Record<string, unknown>) => unknown;
}

/** A saved checkpoint with model.safetensors (or the config) rewritten by `edit`. */
async function broken(edit: Edit): Promise<string> {
  const { dir, model } = await trainedCheckpoint();
  model.dispose();
  if (edit.tensors) {
    const { tensors } = await readSafetensors(join(dir, GPT_FILES.weights));
    edit.tensors(tensors);
    await writeSafetensors(join(dir, GPT_FILES.weights), tensors);
  }
  if (edit.config) {
    const config = JSON.parse(await readFile(join(dir, GPT_FILES.config), 'utf8'));
    await writeFile(join(dir, GPT_FILES.config), JSON.stringify(edit.config(config)));
  }
  return dir;
}

/** Damaged checkpoints: what is wrong, the edit, and the error the loader must raise. */
const BROKEN: [string, Edit, typeof SafetensorsError | typeof DataError, RegExp][] = [
  [
    'a missing tensor',
    { tensors: (t: Map<string, SafetensorsTensor>) => t.delete('blocks.1.mlp.b_in') },
    SafetensorsError,
    /model\.safetensors: tensor "blocks\.1\.mlp\.b_in" is missing/,
  ],
  [
    'a wrong shape',
    {
      tensors: (t: Map<string, SafetensorsTensor>) =>
        t.set('blocks.0.attn.W_Q', { dtype: 'F32', shape: [8, 4], data: new Float32Array(32) }),
    },
    SafetensorsError,
    /tensor "blocks\.0\.attn\.W_Q" has shape \[8, 4\] but \[8, 8\] was expected/,
  ],
  [
    'a wrong dtype',
    { tensors: (t: Map<string, SafetensorsTensor>) => t.set('ln_final.w', { dtype: 'F16', shape: [8], data: new Uint16Array(8) }) },
    SafetensorsError,
    /tensor "ln_final\.w" has dtype F16 but F32 was expected/,
  ],
  [
    'a tensor the configuration does not have',
    { tensors: (t: Map<string, SafetensorsTensor>) => t.set('blocks.2.ln1.w', { dtype: 'F32', shape: [8], data: new Float32Array(8) }) },
    SafetensorsError,
    /tensor "blocks\.2\.ln1\.w" does not belong to this configuration/,
  ],
  [
    'a NaN',
    {
      tensors: (t: Map<string, SafetensorsTensor>) =>
        t.set('embed.W_E', { dtype: 'F32', shape: [9, 8], data: new Float32Array(72).fill(Number.NaN) }),
    },
    SafetensorsError,
    /tensor "embed\.W_E" holds NaN at index 0/,
  ],
  [
    'heads that do not divide the width',
    { config: (c: Record<string, unknown>) => ({ ...c, nHeads: 3 }) },
    DataError,
    /config\.json: gpt config: dModel 8 is not divisible by nHeads 3$/,
  ],
  [
    'another model type',
    { config: (c: Record<string, unknown>) => ({ ...c, model_type: 'gpt2' }) },
    DataError,
    /config\.json: model_type "gpt2" is not "iclkr-gpt"$/,
  ],
  [
    'an unknown config field',
    { config: (c: Record<string, unknown>) => ({ ...c, nKvHeads: 1 }) },
    DataError,
    /config\.json: unknown field "nKvHeads"$/,
  ],
];

describe('GPT checkpoints', () => {
  it('round-trip: identical logits, world, log; loadModel reads the folder too', async () => {
    const { dir, model } = await trainedCheckpoint();
    expect((await readdir(dir)).sort()).toEqual(Object.values(GPT_FILES).sort());
    const config = JSON.parse(await readFile(join(dir, GPT_FILES.config), 'utf8'));
    expect(config).toEqual({ model_type: 'iclkr-gpt', ...CONFIG });
    const loaded = await loadGptCheckpoint(dir);
    expect(loaded.config).toEqual(CONFIG);
    expect(loaded.world).toEqual(WORLD);
    expect(loaded.training?.log).toEqual({ entries: [1, 2] });
    expect(loaded.training?.state.step).toBe(3);
    expect(logitsOf(loaded.model)).toEqual(logitsOf(model));
    const generic = await loadModel(dir);
    expect(logitsOf(generic)).toEqual(logitsOf(model));
    expect(Object.values(loaded.params).every((p) => p instanceof tf.Variable)).toBe(true);
    for (const m of [model, loaded.model, generic]) m.dispose();
  });

  it('resumes exactly: the next step and the loss after it equal those of the trainer that kept going', async () => {
    const { dir, model, trainer } = await trainedCheckpoint({ ...CONFIG, positions: 'alibi', tiedEmbeddings: true });
    const loaded = await loadGptCheckpoint(dir);
    const resumed = new GptTrainer(loaded.model, loaded.params, { lr: 1e-2, warmup: 2, steps: 20 });
    resumed.restore(loaded.training!.state);
    const a = trainer.step(batch(20));
    const b = resumed.step(batch(20));
    expect(b).toEqual(a);
    expect(resumed.evalLoss(batch(21))).toBe(trainer.evalLoss(batch(21)));
    model.dispose();
    loaded.model.dispose();
  });

  it('writes nothing when the target is taken, and leaves no temporary folder', async () => {
    const parent = await tempDir();
    const dir = join(parent, 'taken');
    const params = initGptParams(CONFIG, new Rng(1));
    await saveGptCheckpoint(dir, { config: CONFIG, params });
    await expect(saveGptCheckpoint(dir, { config: CONFIG, params })).rejects.toThrow(/already exists/);
    expect(await readdir(parent)).toEqual(['taken']);
    expect((await readdir(dir)).sort()).toEqual(['config.json', 'model.safetensors']);
    tf.dispose(Object.values(params));
  });

  it.each(BROKEN)('names %s in one line', async (_, edit, type, message) => {
    const before = tf.memory().numTensors;
    const err = await rejection<IclkrError>(loadGptCheckpoint(await broken(edit)));
    expect(err).toBeInstanceOf(type);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('\n');
    expect(err.fix.length).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names a truncated weights file, a config that is not JSON, and a missing folder', async () => {
    const truncated = await broken({});
    await truncate(join(truncated, GPT_FILES.weights), 100);
    expect(await rejection(loadGptCheckpoint(truncated))).toBeInstanceOf(SafetensorsError);
    const bad = await broken({});
    await writeFile(join(bad, GPT_FILES.config), '{"model_type": ');
    const err = await rejection(loadGptCheckpoint(bad));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(/config\.json: is not valid JSON/);
    const missing = await rejection(loadGptCheckpoint(join(bad, 'nowhere')));
    expect(missing.message).toMatch(/config\.json: no such file/);
  });

  it('names a damaged optimizer state', async () => {
    const dir = await broken({});
    const path = join(dir, GPT_FILES.optimizer);
    const { tensors } = await readSafetensors(path);
    tensors.delete('exp_avg_sq.embed.W_E');
    await writeSafetensors(path, tensors);
    const err = await rejection(loadGptCheckpoint(dir));
    expect(err).toBeInstanceOf(SafetensorsError);
    expect(err.message).toMatch(/optimizer\.safetensors: tensor "exp_avg_sq\.embed\.W_E" is missing/);
  });
});

/** Every file of a checkpoint folder, as bytes, by name. */
async function folderFiles(dir: string): Promise<GptCheckpointFiles> {
  const names = await readdir(dir);
  return Object.fromEntries(
    await Promise.all(names.map(async (name) => [name, new Uint8Array(await readFile(join(dir, name)))])),
  ) as unknown as GptCheckpointFiles;
}

/** The error `run` throws (it must throw). */
function thrown(run: () => unknown): IclkrError {
  try {
    run();
  } catch (err) {
    return err as IclkrError;
  }
  throw new Error('expected an error');
}

describe('GPT checkpoints from bytes', () => {
  it('a saved folder loads identically from its bytes: same parameters bit for bit, same logits, world and training state', async () => {
    const { dir, model } = await trainedCheckpoint();
    const fromFolder = await loadGptCheckpoint(dir);
    const fromBytes = gptCheckpointFromFiles(await folderFiles(dir));
    expect(fromBytes.config).toEqual(fromFolder.config);
    expect(Object.keys(fromBytes.params).sort()).toEqual(Object.keys(fromFolder.params).sort());
    for (const [name, param] of Object.entries(fromFolder.params)) {
      const bits = (p: tf.Tensor) => new Uint32Array((p.dataSync() as Float32Array).slice().buffer);
      expect(bits(fromBytes.params[name]!), name).toEqual(bits(param));
    }
    expect(logitsOf(fromBytes.model)).toEqual(logitsOf(fromFolder.model));
    expect(logitsOf(fromBytes.model)).toEqual(logitsOf(model));
    expect(fromBytes.world).toEqual(fromFolder.world);
    expect(fromBytes.training).toEqual(fromFolder.training);
    for (const m of [model, fromFolder.model, fromBytes.model]) m.dispose();
  });

  it('gptCheckpointToFiles gives the bytes saveGptCheckpoint writes; JSON files may be text or bytes', async () => {
    const { dir, model, params, trainer } = await trainedCheckpoint();
    const files = gptCheckpointToFiles({
      config: CONFIG,
      params,
      world: WORLD,
      training: { state: trainer.state(), log: { entries: [1, 2] } },
    });
    const onDisk = await folderFiles(dir);
    expect(Object.keys(files).sort()).toEqual(Object.keys(onDisk).sort());
    for (const [name, contents] of Object.entries(files)) {
      const bytes = typeof contents === 'string' ? new TextEncoder().encode(contents) : contents;
      expect(bytes, name).toEqual(onDisk[name as keyof GptCheckpointFiles]);
    }
    const loaded = gptCheckpointFromFiles(files);
    expect(logitsOf(loaded.model)).toEqual(logitsOf(model));
    expect(loaded.training?.state.step).toBe(3);
    for (const m of [model, loaded.model]) m.dispose();
  });

  it.each(BROKEN)('names %s as the folder loader does', async (_, edit) => {
    const dir = await broken(edit);
    const before = tf.memory().numTensors;
    const fromFolder = await rejection<IclkrError>(loadGptCheckpoint(dir));
    const files = await folderFiles(dir);
    const located = thrown(() => gptCheckpointFromFiles(files, { fileName: (file) => join(dir, file) }));
    expect(located.constructor).toBe(fromFolder.constructor);
    expect([located.message, located.fix]).toEqual([fromFolder.message, fromFolder.fix]);
    // Without fileName, errors name the bare file.
    expect(thrown(() => gptCheckpointFromFiles(files)).message).toBe(fromFolder.message.replace(`${dir}/`, ''));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names truncated weights, a config that is not JSON, and missing files in one line', async () => {
    const { dir, model } = await trainedCheckpoint();
    model.dispose();
    const files = await folderFiles(dir);
    const truncated = { ...files, [GPT_FILES.weights]: files[GPT_FILES.weights].subarray(0, 100) };
    await truncate(join(dir, GPT_FILES.weights), 100);
    const fromFolder = await rejection<IclkrError>(loadGptCheckpoint(dir));
    const fromBytes = thrown(() => gptCheckpointFromFiles(truncated, { fileName: (file) => join(dir, file) }));
    expect(fromBytes).toBeInstanceOf(SafetensorsError);
    expect(fromBytes.message).toBe(fromFolder.message);
    expect(thrown(() => gptCheckpointFromFiles({ ...files, [GPT_FILES.config]: '{"model_type": ' })).message).toMatch(
      /^config\.json: is not valid JSON/,
    );
    const { [GPT_FILES.optimizer]: _, ...noOptimizer } = files;
    const missing = thrown(() => gptCheckpointFromFiles(noOptimizer));
    expect(missing).toBeInstanceOf(DataError);
    expect(missing.message).toBe('optimizer.safetensors: is missing (training.json needs it)');
    const { [GPT_FILES.weights]: __, ...noWeights } = files;
    expect(thrown(() => gptCheckpointFromFiles(noWeights as GptCheckpointFiles)).message).toBe('model.safetensors: is missing');
    const text = { ...files, [GPT_FILES.weights]: 'weights' as unknown as Uint8Array };
    expect(thrown(() => gptCheckpointFromFiles(text)).message).toBe('model.safetensors: is a string, not bytes (a Uint8Array)');
  });
});
