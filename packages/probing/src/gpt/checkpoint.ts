/**
 * Our GPT's checkpoint as files, browser-safe: `config.json` ({"model_type": "iclkr-gpt",
 * ...GptConfig}), `model.safetensors` (F32, TransformerLens parameter names), optional `world.json`
 * (the world it was trained on, opaque here), optional `training.json` + `optimizer.safetensors`
 * (step and Adam moments, to resume) and `log.json`. Encoded and decoded on bytes here, with every
 * tensor checked; the folder reader and writer (Node) only move these bytes to and from disk.
 */

import {
  DataError,
  decodeSafetensors,
  encodeSafetensors,
  expectTensor,
  OptionError,
  SafetensorsError,
  type SafetensorsTensor,
} from '@iclkr/core';
import type { Transformer } from '../model.js';
import type { ParamMap } from '../params.js';
import { checkGptConfig, type GptConfig } from './config.js';
import { createGpt, type GptParamSpec, gptParamSpecs, gptVariables } from './init.js';
import type { TrainingState } from './trainer.js';
import { checkFiniteWeight } from '../loaders/checkpoint.js';

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

/**
 * A checkpoint's files by name, as a folder holds them (JSON files as text or UTF-8 bytes,
 * safetensors as bytes): what a browser's file picker or a fetch gives.
 */
export interface GptCheckpointFiles {
  'config.json': string | Uint8Array;
  'model.safetensors': Uint8Array;
  'world.json'?: string | Uint8Array;
  /** With `optimizer.safetensors`: the training state to resume from. */
  'training.json'?: string | Uint8Array;
  'optimizer.safetensors'?: Uint8Array;
  /** Read only with `training.json`. */
  'log.json'?: string | Uint8Array;
}

/** Options of `gptCheckpointFromFiles`. */
export interface GptCheckpointFilesOptions {
  /** How errors name a file (the folder reader passes its path); the bare file name by default. */
  fileName?: (file: string) => string;
}

const MOMENTS = [
  ['m', 'exp_avg'],
  ['v', 'exp_avg_sq'],
] as const;

const REFIX = 'write the checkpoint again';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * The files of a checkpoint (what `saveGptCheckpoint` writes, byte for byte): the parameters of a
 * model built from `config`, and the extras given. An OptionError names a missing or misshapen
 * parameter or Adam moment.
 */
export function gptCheckpointToFiles(contents: { config: GptConfig; params: ParamMap } & GptCheckpointExtras): GptCheckpointFiles {
  const { config, params, world, training } = contents;
  checkGptConfig(config);
  const specs = gptParamSpecs(config);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const { name, shape } of specs) {
    const param = params[name];
    if (param === undefined || param.shape.join() !== shape.join()) {
      throw new OptionError(
        `checkpoint: parameter "${name}" ` +
          `${param === undefined ? 'is missing' : `has shape [${param.shape.join(', ')}], not [${shape.join(', ')}]`}`,
        'save the parameters of a model built from this configuration',
      );
    }
    tensors.set(name, { dtype: 'F32', shape, data: Float32Array.from(param.dataSync() as Float32Array) });
  }
  const files: GptCheckpointFiles = {
    [GPT_FILES.config]: json({ model_type: GPT_MODEL_TYPE, ...config }),
    [GPT_FILES.weights]: encodeSafetensors(tensors, {}, GPT_FILES.weights),
  };
  if (world !== undefined) files[GPT_FILES.world] = json(world);
  if (training !== undefined) {
    const moments = new Map<string, SafetensorsTensor>();
    for (const { name, shape } of specs) {
      for (const [key, prefix] of MOMENTS) {
        const values = training.state[key][name];
        if (!(values instanceof Float32Array) || values.length !== shape.reduce((a, b) => a * b, 1)) {
          throw new OptionError(
            `checkpoint: the training state has no Adam moment ${key} of the right size for "${name}"`,
            'save the state of the trainer of these parameters',
          );
        }
        moments.set(`${prefix}.${name}`, { dtype: 'F32', shape, data: values });
      }
    }
    files[GPT_FILES.training] = json({ step: training.state.step, optimizer: 'adamw' });
    files[GPT_FILES.optimizer] = encodeSafetensors(moments, {}, GPT_FILES.optimizer);
    if (training.log !== undefined) files[GPT_FILES.log] = json(training.log);
  }
  return files;
}

/** The GptConfig of a parsed config.json; a DataError naming the file otherwise. */
export function parseGptConfigJson(value: unknown, source = 'config.json'): GptConfig {
  const fix = 'use the config.json written with the checkpoint';
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new DataError(source, undefined, 'is not a JSON object', fix);
  const { model_type: modelType, ...rest } = value as Record<string, unknown>;
  if (modelType !== GPT_MODEL_TYPE) {
    throw new DataError(
      source,
      undefined,
      `model_type ${JSON.stringify(modelType)} is not "${GPT_MODEL_TYPE}"`,
      'load GPT-2 or Llama folders with loadModel',
    );
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

/** A JSON file's value (text, or bytes decoded as UTF-8); a DataError naming `source` when it is not JSON. */
function parseJsonFile(contents: string | Uint8Array, source: string): unknown {
  const text = typeof contents === 'string' ? contents : new TextDecoder().decode(contents);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DataError(source, undefined, `is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, REFIX);
  }
}

/**
 * Decodes tensors `${prefix}${name}` of every spec (prefixes: one per tensor family the file
 * holds) from a safetensors file's bytes: F32, exact shapes, finite values, and no other tensors.
 */
function checkedTensors(
  bytes: Uint8Array,
  source: string,
  specs: readonly GptParamSpec[],
  prefixes: readonly string[],
): Map<string, Float32Array>[] {
  const { tensors } = decodeSafetensors(bytes, source);
  const wanted = new Set(prefixes.flatMap((prefix) => specs.map((s) => prefix + s.name)));
  const extra = [...tensors.keys()].find((name) => !wanted.has(name));
  if (extra !== undefined) {
    throw new SafetensorsError(
      source,
      `tensor "${extra}" does not belong to this configuration`,
      'use the files written with this config.json',
    );
  }
  return prefixes.map((prefix) => {
    const values = new Map<string, Float32Array>();
    for (const spec of specs) {
      const name = prefix + spec.name;
      const { data } = expectTensor(source, tensors, name, { dtype: 'F32', shape: spec.shape });
      checkFiniteWeight(source, name, data);
      values.set(spec.name, data);
    }
    return values;
  });
}

/** Checks that a given file is present (and bytes, for safetensors), in one-line errors naming it. */
function required<T extends string | Uint8Array>(contents: T | undefined, source: string, textAllowed: boolean, why: string): T {
  if (contents === undefined) throw new DataError(source, undefined, `is missing${why}`, 'pass every file of the checkpoint folder');
  if (!(contents instanceof Uint8Array) && !(textAllowed && typeof contents === 'string')) {
    throw new DataError(
      source,
      undefined,
      `is a ${typeof contents}, not ${textAllowed ? 'text or bytes' : 'bytes (a Uint8Array)'}`,
      'pass the file as read, e.g. new Uint8Array(await file.arrayBuffer())',
    );
  }
  return contents;
}

/**
 * A checkpoint from its files' contents (browser-safe; `loadGptCheckpoint` reads a folder into
 * this): config.json and model.safetensors, checked tensor by tensor (name, dtype F32, shape,
 * finite values), plus world.json, and training.json with optimizer.safetensors and log.json when
 * given. Errors are one-line DataError/SafetensorsError naming file and tensor.
 */
export function gptCheckpointFromFiles(files: GptCheckpointFiles, options: GptCheckpointFilesOptions = {}): GptCheckpoint {
  const fileName = options.fileName ?? ((file: string) => file);
  const jsonFile = (file: string, contents: string | Uint8Array | undefined, why = '') => {
    const source = fileName(file);
    return parseJsonFile(required(contents, source, true, why), source);
  };
  const bytesFile = (file: string, contents: Uint8Array | undefined, why = '') => required(contents, fileName(file), false, why);
  const config = parseGptConfigJson(jsonFile(GPT_FILES.config, files[GPT_FILES.config]), fileName(GPT_FILES.config));
  const specs = gptParamSpecs(config);
  const [values] = checkedTensors(bytesFile(GPT_FILES.weights, files[GPT_FILES.weights]), fileName(GPT_FILES.weights), specs, ['']);
  const world = files[GPT_FILES.world] === undefined ? undefined : jsonFile(GPT_FILES.world, files[GPT_FILES.world]);
  let training: GptCheckpoint['training'];
  if (files[GPT_FILES.training] !== undefined) {
    const info = jsonFile(GPT_FILES.training, files[GPT_FILES.training]);
    const step = (info as { step?: unknown } | null)?.step;
    if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
      throw new DataError(fileName(GPT_FILES.training), undefined, `"step" must be an integer >= 0, got ${JSON.stringify(step)}`, REFIX);
    }
    const optimizer = bytesFile(GPT_FILES.optimizer, files[GPT_FILES.optimizer], ` (${GPT_FILES.training} needs it)`);
    const [m, v] = checkedTensors(
      optimizer,
      fileName(GPT_FILES.optimizer),
      specs,
      MOMENTS.map(([, prefix]) => `${prefix}.`),
    );
    const state: TrainingState = { step, m: Object.fromEntries(m!), v: Object.fromEntries(v!) };
    training = { state, ...(files[GPT_FILES.log] === undefined ? {} : { log: jsonFile(GPT_FILES.log, files[GPT_FILES.log]) }) };
  }
  const params = gptVariables(config, (spec) => values!.get(spec.name)!);
  return {
    config,
    model: createGpt(config, params),
    params,
    ...(world === undefined ? {} : { world }),
    ...(training === undefined ? {} : { training }),
  };
}
