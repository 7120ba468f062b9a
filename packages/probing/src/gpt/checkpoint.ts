/**
 * Our GPT's checkpoint folder (Node only): `config.json` ({"model_type": "iclkr-gpt", ...GptConfig}),
 * `model.safetensors` (F32, TransformerLens parameter names), optional `world.json` (the world it
 * was trained on, opaque here), optional `training.json` + `optimizer.safetensors` (step and Adam
 * moments, to resume) and `log.json`. Written atomically; read with every tensor checked.
 */

import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError, OptionError, SafetensorsError, type SafetensorsTensor } from '@iclkr/core';
import { openSafetensors, readInputFile, writeFileAtomic, writeFolderAtomic, writeSafetensors } from '@iclkr/core/node';
import type { Transformer } from '../model.js';
import type { ParamMap } from '../params.js';
import { checkGptConfig, type GptConfig } from './config.js';
import { createGpt, type GptParamSpec, gptParamSpecs, gptVariables } from './init.js';
import type { TrainingState } from './trainer.js';

/** The `model_type` of our GPT's config.json. */
export const GPT_MODEL_TYPE = 'iclkr-gpt';

/** The files of a checkpoint folder. */
export const GPT_FILES = {
  config: 'config.json',
  weights: 'model.safetensors',
  world: 'world.json',
  training: 'training.json',
  optimizer: 'optimizer.safetensors',
  log: 'log.json',
} as const;

/** What a checkpoint may hold besides the model: the world (any JSON value) and the training state with an optional JSON log. */
export interface GptCheckpointExtras {
  world?: unknown;
  training?: { state: TrainingState; log?: unknown };
}

/** A loaded checkpoint: the model, its parameters (tf.Variables the model owns, so training can resume), and the extras. */
export interface GptCheckpoint extends GptCheckpointExtras {
  config: GptConfig;
  model: Transformer;
  params: ParamMap;
}

const MOMENTS = [
  ['m', 'exp_avg'],
  ['v', 'exp_avg_sq'],
] as const;

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * Writes a checkpoint folder at `dir` atomically (into a temporary folder, then renamed), so `dir`
 * is complete or absent; `dir` must be missing or an empty folder.
 */
export async function saveGptCheckpoint(dir: string, contents: { config: GptConfig; params: ParamMap } & GptCheckpointExtras): Promise<void> {
  const { config, params, world, training } = contents;
  checkGptConfig(config);
  const specs = gptParamSpecs(config);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const { name, shape } of specs) {
    const param = params[name];
    if (param === undefined || param.shape.join() !== shape.join()) {
      throw new OptionError(
        `checkpoint: parameter "${name}" ${param === undefined ? 'is missing' : `has shape [${param.shape.join(', ')}], not [${shape.join(', ')}]`}`,
        'save the parameters of a model built from this configuration',
      );
    }
    tensors.set(name, { dtype: 'F32', shape, data: Float32Array.from(param.dataSync() as Float32Array) });
  }
  let moments: Map<string, SafetensorsTensor> | undefined;
  if (training !== undefined) {
    moments = new Map();
    for (const { name, shape } of specs) {
      for (const [key, prefix] of MOMENTS) {
        const values = training.state[key][name];
        if (!(values instanceof Float32Array) || values.length !== shape.reduce((a, b) => a * b, 1)) {
          throw new OptionError(`checkpoint: the training state has no Adam moment ${key} of the right size for "${name}"`, 'save the state of the trainer of these parameters');
        }
        moments.set(`${prefix}.${name}`, { dtype: 'F32', shape, data: values });
      }
    }
  }
  await writeFolderAtomic(dir, async (temporary) => {
    await writeFileAtomic(join(temporary, GPT_FILES.config), json({ model_type: GPT_MODEL_TYPE, ...config }));
    await writeSafetensors(join(temporary, GPT_FILES.weights), tensors);
    if (world !== undefined) await writeFileAtomic(join(temporary, GPT_FILES.world), json(world));
    if (training !== undefined && moments !== undefined) {
      await writeFileAtomic(join(temporary, GPT_FILES.training), json({ step: training.state.step, optimizer: 'adamw' }));
      await writeSafetensors(join(temporary, GPT_FILES.optimizer), moments);
      if (training.log !== undefined) await writeFileAtomic(join(temporary, GPT_FILES.log), json(training.log));
    }
  });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function readJson(path: string, fix: string): Promise<unknown> {
  const text = new TextDecoder().decode(await readInputFile(path));
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DataError(path, undefined, `is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, fix);
  }
}

/** The GptConfig of a parsed config.json; a DataError naming the file otherwise. */
export function parseGptConfigJson(value: unknown, source = 'config.json'): GptConfig {
  const fix = 'use the config.json written with the checkpoint';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DataError(source, undefined, 'is not a JSON object', fix);
  const { model_type: modelType, ...rest } = value as Record<string, unknown>;
  if (modelType !== GPT_MODEL_TYPE) {
    throw new DataError(source, undefined, `model_type ${JSON.stringify(modelType)} is not "${GPT_MODEL_TYPE}"`, 'load GPT-2 or Llama folders with loadModel');
  }
  const config = rest as unknown as GptConfig;
  try {
    checkGptConfig(config);
  } catch (err) {
    if (err instanceof OptionError) throw new DataError(source, undefined, err.message, `${err.fix} in config.json`);
    throw err;
  }
  const known = new Set(['vocabSize', 'nCtx', 'nLayers', 'nHeads', 'dModel', 'dMlp', 'positions', 'tiedEmbeddings']);
  const unknown = Object.keys(rest).find((key) => !known.has(key));
  if (unknown !== undefined) throw new DataError(source, undefined, `unknown field "${unknown}"`, fix);
  return config;
}

/**
 * Reads tensors `${prefix}${name}` of every spec (prefixes: one per tensor family the file holds)
 * from a safetensors file: F32, exact shapes, finite values, and no other tensors.
 */
async function readChecked(path: string, specs: readonly GptParamSpec[], prefixes: readonly string[]): Promise<Map<string, Float32Array>[]> {
  const file = await openSafetensors(path);
  try {
    const wanted = new Set(prefixes.flatMap((prefix) => specs.map((s) => prefix + s.name)));
    const extra = file.names().find((name) => !wanted.has(name));
    if (extra !== undefined) {
      throw new SafetensorsError(path, `tensor "${extra}" does not belong to this configuration`, 'use the files written with this config.json');
    }
    const families: Map<string, Float32Array>[] = [];
    for (const prefix of prefixes) {
      const values = new Map<string, Float32Array>();
      for (const spec of specs) {
        const name = prefix + spec.name;
        const { data } = await file.read(name, { dtype: 'F32', shape: spec.shape });
        const bad = data.findIndex((x) => !Number.isFinite(x));
        if (bad >= 0) {
          throw new SafetensorsError(path, `tensor "${name}" holds ${data[bad]} at index ${bad}`, 'the file is corrupted or the run diverged; use an earlier checkpoint');
        }
        values.set(spec.name, data);
      }
      families.push(values);
    }
    return families;
  } finally {
    await file.close();
  }
}

/**
 * Loads a checkpoint folder: config.json and model.safetensors, checked tensor by tensor (name,
 * dtype F32, shape, finite values), plus world.json, and training.json with optimizer.safetensors
 * and log.json when present. Errors are one-line DataError/SafetensorsError naming file and tensor.
 */
export async function loadGptCheckpoint(dir: string): Promise<GptCheckpoint> {
  const refix = 'write the checkpoint again';
  const configPath = join(dir, GPT_FILES.config);
  const config = parseGptConfigJson(await readJson(configPath, refix), configPath);
  const specs = gptParamSpecs(config);
  const [values] = await readChecked(join(dir, GPT_FILES.weights), specs, ['']);
  const worldPath = join(dir, GPT_FILES.world);
  const world = (await exists(worldPath)) ? await readJson(worldPath, refix) : undefined;
  let training: GptCheckpoint['training'];
  const trainingPath = join(dir, GPT_FILES.training);
  if (await exists(trainingPath)) {
    const info = await readJson(trainingPath, refix);
    const step = (info as { step?: unknown } | null)?.step;
    if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
      throw new DataError(trainingPath, undefined, `"step" must be an integer >= 0, got ${JSON.stringify(step)}`, refix);
    }
    const [m, v] = await readChecked(join(dir, GPT_FILES.optimizer), specs, MOMENTS.map(([, prefix]) => `${prefix}.`));
    const state: TrainingState = { step, m: Object.fromEntries(m!), v: Object.fromEntries(v!) };
    const logPath = join(dir, GPT_FILES.log);
    training = { state, ...((await exists(logPath)) ? { log: await readJson(logPath, refix) } : {}) };
  }
  const params = gptVariables(config, (spec) => values!.get(spec.name)!);
  return { config, model: createGpt(config, params), params, ...(world === undefined ? {} : { world }), ...(training === undefined ? {} : { training }) };
}
