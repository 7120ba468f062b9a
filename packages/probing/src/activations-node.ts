/**
 * Activations computed elsewhere (a model too large for this toolkit's forward pass), read for
 * the probing analyses (Node only). The layout is documented in docs/activations.md: a folder with
 * `prompts.json` (the prompts, their segments and labels, the model's shape) and
 * `activations.safetensors` (per prompt p: `p{p}.label_probs`, `p{p}.blocks.{l}.attn.hook_pattern`,
 * and optionally hook_k/hook_v, `p{p}.output_similarity`, `p{p}.input_argmax`). Tensors are read
 * one prompt at a time.
 */

import { join } from 'node:path';
import { DataError, type SafetensorsTensor, toFloat32 } from '@iclkr/core';
import { openSafetensors, readInputFile, type SafetensorsFile } from '@iclkr/core/node';
import type { ProbePrompt, PromptActivations } from './analysis/probe-analyses.js';
import { type Segment, spansFromSegments } from './analysis/spans.js';

/** The format name and version `prompts.json` must carry. */
export const ACTIVATIONS_FORMAT = { format: 'iclkr-activations', version: 1 } as const;

/** What `prompts.json` says about the model and the prompts. */
export interface ActivationsMeta {
  readonly model: string;
  /** The label words, by label id. */
  readonly labels: readonly string[];
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly dHead: number;
  readonly prompts: number;
}

/** An activations folder opened for reading: its description and the prompts with their activations, in batches. */
export interface ActivationsSource {
  readonly meta: ActivationsMeta;
  /** Prompts with their activations, `size` at a time, read from disk as they are asked for. */
  batches(size: number): AsyncGenerator<{ prompt: ProbePrompt; acts: PromptActivations }[]>;
  close(): Promise<void>;
}

interface RawPrompt {
  tokens: number[];
  segments: Segment[];
  labels: number[];
  gold: number;
}

const FIX = 'write prompts.json as docs/activations.md describes';

function positiveInt(json: Record<string, unknown>, key: string, source: string): number {
  const v = json[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new DataError(source, undefined, `"${key}" must be a positive integer, got ${JSON.stringify(v)}`, FIX);
  return v;
}

/** Parses and checks `prompts.json`. */
function parsePrompts(text: string, source: string): { meta: ActivationsMeta; prompts: RawPrompt[] } {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DataError(source, undefined, `is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, FIX);
  }
  if (json?.format !== ACTIVATIONS_FORMAT.format || json.version !== ACTIVATIONS_FORMAT.version) {
    throw new DataError(source, undefined, `is not format "${ACTIVATIONS_FORMAT.format}" version ${ACTIVATIONS_FORMAT.version}`, FIX);
  }
  const labels = json.labels;
  if (!Array.isArray(labels) || labels.length < 2 || !labels.every((l) => typeof l === 'string')) {
    throw new DataError(source, undefined, '"labels" must list at least two label words', FIX);
  }
  const prompts = json.prompts;
  if (!Array.isArray(prompts) || prompts.length === 0) throw new DataError(source, undefined, '"prompts" must be a non-empty array', FIX);
  const meta: ActivationsMeta = {
    model: typeof json.model === 'string' ? json.model : 'unnamed model',
    labels,
    layers: positiveInt(json, 'layers', source),
    heads: positiveInt(json, 'heads', source),
    kvHeads: positiveInt(json, 'kvHeads', source),
    dHead: positiveInt(json, 'dHead', source),
    prompts: prompts.length,
  };
  return { meta, prompts: prompts as RawPrompt[] };
}

/** Tensor `name` of `shape` (any of `shapes`), as float32. */
function tensor(file: SafetensorsFile, name: string, shapes: readonly (readonly number[])[]): Promise<SafetensorsTensor> | undefined {
  if (!file.has(name)) return undefined;
  const { shape } = file.expect(name);
  if (!shapes.some((s) => s.length === shape.length && s.every((d, i) => d === shape[i]))) {
    throw new DataError(
      file.path,
      undefined,
      `tensor "${name}" has shape [${shape.join(', ')}], not ${shapes.map((s) => `[${s.join(', ')}]`).join(' or ')}`,
      FIX,
    );
  }
  return file.read(name);
}

/** Reads the activations of prompt `p` and checks them against its spans and the model's shape. */
async function promptActivations(file: SafetensorsFile, meta: ActivationsMeta, p: number, prompt: ProbePrompt): Promise<PromptActivations> {
  const t = prompt.tokens.length;
  const n = prompt.spans.y.length;
  const required = async (name: string, shapes: number[][]) => {
    const found = tensor(file, name, shapes);
    if (found === undefined) throw new DataError(file.path, undefined, `has no tensor "${name}"`, FIX);
    return found;
  };
  const probs = toFloat32(await required(`p${p}.label_probs`, [[meta.labels.length]]));
  const total = probs.reduce((a, b) => a + b, 0);
  if (!(total > 0) || probs.some((v) => !(v >= 0)))
    throw new DataError(file.path, undefined, `p${p}.label_probs is not a distribution`, FIX);
  const rows = [];
  for (let l = 0; l < meta.layers; l++) {
    const raw = await required(`p${p}.blocks.${l}.attn.hook_pattern`, [
      [meta.heads, t],
      [meta.heads, t, t],
    ]);
    const values = toFloat32(raw);
    // A full [heads, q, k] pattern: keep the final query position's row of each head.
    rows.push(
      Array.from({ length: meta.heads }, (_, h) =>
        raw.shape.length === 2 ? values.subarray(h * t, (h + 1) * t) : values.subarray((h * t + t - 1) * t, (h * t + t) * t),
      ),
    );
  }
  const kvShape = [[t, meta.kvHeads, meta.dHead]];
  const keys = [];
  const values = [];
  for (let l = 0; l < meta.layers; l++) {
    const k = tensor(file, `p${p}.blocks.${l}.attn.hook_k`, kvShape);
    const v = tensor(file, `p${p}.blocks.${l}.attn.hook_v`, kvShape);
    if ((k === undefined) !== (v === undefined))
      throw new DataError(file.path, undefined, `prompt ${p} layer ${l} has only one of hook_k and hook_v`, FIX);
    if (k !== undefined) {
      keys.push(toFloat32(await k));
      values.push(toFloat32(await v!));
    }
  }
  if (keys.length !== 0 && keys.length !== meta.layers)
    throw new DataError(file.path, undefined, `prompt ${p} has keys and values for ${keys.length} of ${meta.layers} layers`, FIX);
  const similarity = tensor(file, `p${p}.output_similarity`, [[n]]);
  const inputArgmax = tensor(file, `p${p}.input_argmax`, [[n]]);
  return {
    rows,
    modelDistribution: probs.map((v) => v / total),
    ...(keys.length > 0 ? { kv: { keys, values } } : {}),
    ...(similarity ? { outputSimilarity: toFloat32(await similarity) } : {}),
    ...(inputArgmax ? { inputArgmax: toFloat32(await inputArgmax) } : {}),
  };
}

/** Opens an activations folder: checks `prompts.json` (every prompt's segments and labels) before any tensor is read. */
export async function openActivations(dir: string): Promise<ActivationsSource> {
  const promptsPath = join(dir, 'prompts.json');
  const { meta, prompts } = parsePrompts(new TextDecoder().decode(await readInputFile(promptsPath)), promptsPath);
  const parsed: ProbePrompt[] = prompts.map((raw, p) => {
    const what = `${promptsPath} prompt ${p}`;
    if (!Array.isArray(raw?.tokens) || !Array.isArray(raw.segments) || !Array.isArray(raw.labels) || !Number.isInteger(raw.gold)) {
      throw new DataError(promptsPath, undefined, `prompt ${p} needs tokens, segments, labels and gold`, FIX);
    }
    const spans = spansFromSegments(raw.segments, what);
    if (spans.length !== raw.tokens.length)
      throw new DataError(promptsPath, undefined, `prompt ${p}'s segments cover ${spans.length} of its ${raw.tokens.length} tokens`, FIX);
    return { tokens: raw.tokens, spans, labels: raw.labels, gold: raw.gold };
  });
  const file = await openSafetensors(join(dir, 'activations.safetensors'));
  return {
    meta,
    async *batches(size: number) {
      for (let start = 0; start < parsed.length; start += size) {
        const batch = [];
        for (let p = start; p < Math.min(start + size, parsed.length); p++)
          batch.push({ prompt: parsed[p], acts: await promptActivations(file, meta, p, parsed[p]) });
        yield batch;
      }
    },
    close: () => file.close(),
  };
}
