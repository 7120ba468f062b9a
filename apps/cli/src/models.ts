/**
 * The two kinds of model folder the commands take, told apart before loading so that a folder of
 * the wrong kind is refused in the CLI's words (options and commands), not the loaders' (library
 * functions): our GPT on task-world tokens (`iclkr pretrain`), and Hugging Face text models.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IclkrError, OptionError } from '@iclkr/core';
import { modelWorld } from '@iclkr/experiments';
import { resolveWorld } from '@iclkr/experiments/node';
import type { Tokenizer, Transformer } from '@iclkr/probing';
import { GPT_MODEL_TYPE, loadGptCheckpoint, loadTokenizer } from '@iclkr/probing/node';
import type { World } from '@iclkr/theory';

/** The `model_type` of a folder's config.json, if it has a readable one (the loaders report anything else). */
async function modelType(dir: string): Promise<string | undefined> {
  try {
    const type = (JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { model_type?: unknown }).model_type;
    return typeof type === 'string' ? type : undefined;
  } catch {
    return undefined;
  }
}

/** How a model folder is named in messages: the option that gave it, or the built-in model. */
export function modelName(dir: string, given: boolean): string {
  return given ? `--model ${dir}` : `the built-in model (${dir})`;
}

/**
 * Refuses a Hugging Face folder where a command runs our own GPT on task-world tokens; `fix` says
 * what to run instead.
 */
export async function checkWorldModel(dir: string, name: string, fix: string): Promise<void> {
  const type = await modelType(dir);
  if (type !== undefined && type !== GPT_MODEL_TYPE)
    throw new OptionError(`${name} is a Hugging Face ${type} model, which reads text, not task-world tokens`, fix);
}

/**
 * The tokenizer of a text model: `--tokenizer DIR`, else the model folder's own. A model of ours
 * without one (the built-in model, `iclkr pretrain` output) is refused as the task-world model it is.
 */
export async function textTokenizer(modelDir: string, name: string, tokenizerDir: string | undefined): Promise<Tokenizer> {
  try {
    return await loadTokenizer(tokenizerDir ?? modelDir);
  } catch (error) {
    if (tokenizerDir === undefined && error instanceof IclkrError && (await modelType(modelDir)) === GPT_MODEL_TYPE)
      throw new OptionError(
        `${name} is a task-world model (our GPT, trained on world tokens) without text: it has no tokenizer`,
        'pass --model with a Hugging Face GPT-2, Llama, Qwen2 or GPT-NeoX folder (or --tokenizer DIR for a GPT trained on its ids)',
      );
    throw error;
  }
}

/**
 * Our GPT from `modelDir` (refused in the CLI's words unless it is one; `fix` says what to do
 * instead) with the world of its prompts: `world` (a preset seeded by `seed`, or a world file) or,
 * when not given, the world it was trained on. The caller disposes the model.
 */
export async function openWorldModel(
  modelDir: string,
  modelGiven: boolean,
  world: string | undefined,
  seed: number,
  fix: string,
): Promise<{ readonly model: Transformer; readonly world: World }> {
  await checkWorldModel(modelDir, modelName(modelDir, modelGiven), fix);
  const checkpoint = await loadGptCheckpoint(modelDir);
  try {
    return {
      model: checkpoint.model,
      world: world !== undefined ? await resolveWorld(world, seed) : modelWorld(checkpoint.world, modelDir),
    };
  } catch (error) {
    checkpoint.model.dispose();
    throw error;
  }
}
