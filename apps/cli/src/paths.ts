/**
 * The one check of every command's paths, before any work: an output that resolves to an input is
 * refused, an output file must be a file in an existing, writable folder, an output folder must be
 * absent or empty. Commands declare which options are paths with `role` (args.ts).
 */
import { constants } from 'node:fs';
import { access, readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { IclkrError, OptionError } from '@iclkr/core';
import type { OptionSpecs } from './args.js';

/** What the help of a command with outputs says about them. */
export const OUTPUTS_RULE =
  'Outputs: one that is (or links to) an input of the command is refused; an existing output file is replaced atomically\n' +
  '(temporary file, then rename); an output folder must be absent or empty; Ctrl-C leaves no temporary behind.';

/** `path` with links followed: its real path, or for a path not there (yet) its parent's real path and its name. */
export async function resolvedPath(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch {
    const parent = dirname(absolute);
    return parent === absolute ? absolute : join(await resolvedPath(parent), basename(absolute));
  }
}

/** A path that names a place on disk, with what stands there (links followed) if anything. */
interface Place {
  readonly option: string;
  readonly path: string;
  readonly real: string;
  readonly info?: { isDirectory(): boolean; isFile(): boolean; dev: number; ino: number };
}

async function place(option: string, path: string): Promise<Place> {
  return { option, path, real: await resolvedPath(path), info: await stat(path).catch(() => undefined) };
}

const sameThing = (a: Place, b: Place) =>
  a.real === b.real || (a.info !== undefined && b.info !== undefined && a.info.dev === b.info.dev && a.info.ino === b.info.ino);

const inside = (child: Place, parent: Place) => child.real.startsWith(parent.real.endsWith(sep) ? parent.real : parent.real + sep);

/** A folder as the messages show it: relative to the working folder when inside it, else absolute. */
function shown(dir: string): string {
  const rel = relative('.', dir);
  return rel === '' ? '.' : rel.startsWith('..') ? dir : rel;
}

/** The nearest folder above `path` that exists (the one an output is created in). */
async function existingAncestor(path: string): Promise<{ dir: string; isDirectory: boolean }> {
  let dir = dirname(resolve(path));
  for (;;) {
    const info = await stat(dir).catch(() => undefined);
    if (info !== undefined) return { dir, isDirectory: info.isDirectory() };
    const parent = dirname(dir);
    if (parent === dir) return { dir, isDirectory: true };
    dir = parent;
  }
}

/** Refuses an output whose folder cannot hold it: a file where a folder must be, a missing folder (files only), no write permission. */
async function checkParent(output: Place, kind: 'file' | 'folder'): Promise<void> {
  const parent = dirname(resolve(output.path));
  const { dir, isDirectory } = await existingAncestor(output.path);
  const { option, path } = output;
  if (!isDirectory)
    throw new OptionError(`--${option} ${path}: ${shown(dir)} is a file, not a folder`, `choose a --${option} path in a folder`);
  if (kind === 'file' && dir !== parent)
    throw new OptionError(
      `--${option} ${path}: the folder ${shown(parent)} does not exist`,
      `create it first (mkdir -p ${shown(parent)}) or choose a --${option} in an existing folder`,
    );
  await access(dir, constants.W_OK).catch(() => {
    throw new IclkrError('output', `--${option} ${path}: the folder ${shown(dir)} is not writable`, 'choose a folder you can write to');
  });
}

/**
 * Checks the paths of one command's parsed options, in declaration order, before it runs. Inputs
 * are the given options of role `input` that exist; each output (`output-file`, `output-folder`)
 * must not be one of them (links followed, also a file inside an input folder), nor the same
 * path as another output or inside it.
 */
export async function checkPaths(options: OptionSpecs, values: Readonly<Record<string, unknown>>): Promise<void> {
  for (const [name, spec] of Object.entries(options))
    if (spec.kind === 'string' && spec.role !== undefined && values[name] === '')
      throw new OptionError(`--${name} is empty`, `pass a ${spec.role === 'output-folder' ? 'folder' : 'file'} path, or drop --${name}`);
  const paths = Object.entries(options).flatMap(([name, spec]) =>
    spec.kind === 'string' && spec.role !== undefined && typeof values[name] === 'string' && values[name] !== ''
      ? [{ name, spec, path: values[name] as string }]
      : [],
  );
  const inputs = (await Promise.all(paths.filter((p) => p.spec.role === 'input').map((p) => place(p.name, p.path)))).filter(
    (p) => p.info !== undefined,
  );
  const outputs: Place[] = [];
  for (const { name, spec, path } of paths) {
    if (spec.kind !== 'string' || spec.role === undefined || spec.role === 'input') continue;
    const output = await place(name, path);
    const inPlace = spec.inPlaceWith !== undefined && values[spec.inPlaceWith] === true;
    for (const input of inputs) {
      if (sameThing(output, input))
        throw new OptionError(
          `--${name} ${path} is also the input --${input.option} ${input.path}; writing it would replace the input`,
          `choose another --${name}`,
        );
      if (output.info?.isFile() && input.info?.isDirectory() && inside(output, input))
        throw new OptionError(
          `--${name} ${path} is a file of the input folder --${input.option} ${input.path}; writing it would replace it`,
          `choose a --${name} outside ${input.path}, or a new name`,
        );
    }
    if (spec.role === 'output-file') {
      if (output.info?.isDirectory())
        throw new OptionError(`--${name} ${path} is a folder, not a file`, `name a file, e.g. --${name} ${join(path, 'out.json')}`);
      if (output.info !== undefined && !output.info.isFile())
        throw new OptionError(`--${name} ${path} is not a regular file`, `name a file to write (it is replaced atomically)`);
      await checkParent(output, 'file');
    } else if (!inPlace) {
      if (output.info !== undefined && !output.info.isDirectory())
        throw new OptionError(`--${name} ${path} is a file, not a folder`, `choose a new --${name} folder`);
      if (output.info !== undefined && (await readdir(path)).length > 0)
        throw new OptionError(
          `--${name} ${path} already exists and is not an empty folder`,
          spec.inPlaceWith !== undefined
            ? `pass --${spec.inPlaceWith} to continue its run, or choose a new --${name} folder`
            : 'choose a new output folder or remove the old one',
        );
      await checkParent(output, 'folder');
    }
    for (const other of outputs) {
      if (sameThing(output, other) || inside(output, other) || inside(other, output))
        throw new OptionError(`--${name} ${path} and --${other.option} ${other.path} overlap`, 'give each output its own path');
    }
    outputs.push(output);
  }
}
