import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { DataError, IclkrError } from './errors.js';
import { removeStaleTemporaries, temporaryPath, whileWriting } from './temporaries.js';

/**
 * Reads an input file's bytes (Node only); a missing file, a folder or an unreadable file is a
 * one-line DataError naming the path.
 */
export async function readInputFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(path, undefined, 'no such file', 'check the path');
    if (code === 'EISDIR') throw new DataError(path, undefined, 'is a folder', 'name a file inside it');
    throw new DataError(path, undefined, `cannot read the file (${code ?? (error as Error).message})`, 'check its permissions');
  }
}

/**
 * Writes `data` to `path` atomically (Node only): the bytes go to a hidden temporary beside it
 * (`.NAME.tmp-PID-...`), are synced, then renamed over `path`; on any failure, SIGINT or SIGTERM
 * the temporary is removed and `path` is left as it was (the error is rethrown). Temporaries a
 * dead process left for `path` are removed first.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await removeStaleTemporaries(resolve(path));
  const temporary = temporaryPath(resolve(path));
  await whileWriting(temporary, async () => {
    try {
      const handle = await open(temporary, 'w');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, path);
    } catch (err) {
      await rm(temporary, { force: true }).catch(() => undefined);
      throw err;
    }
  });
}

/**
 * Refuses an output folder that exists and is not an empty folder (Node only); a missing path is
 * fine. Lets a command fail before its work rather than after.
 */
export async function checkFolderFree(dir: string): Promise<void> {
  let taken: boolean;
  try {
    const info = await stat(dir);
    taken = !info.isDirectory() || (await readdir(dir)).length > 0;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw folderError(dir, error);
  }
  if (taken)
    throw new IclkrError('output', `${dir} already exists and is not an empty folder`, 'choose a new output folder or remove the old one');
}

function folderError(dir: string, error: unknown): IclkrError {
  if (error instanceof IclkrError) return error;
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new IclkrError('output', `cannot write ${dir} (${reason})`, 'check that the parent folder is writable and has space');
}

/**
 * Writes a whole folder atomically (Node only): `fill` writes into a hidden temporary folder
 * beside `dir` (`.NAME.tmp-PID-...`), which is then renamed into place, so `dir` is complete or
 * absent. `dir` must be missing or empty; on any failure, SIGINT or SIGTERM the temporary folder
 * is removed (the error is an IclkrError). Temporaries a dead process left for `dir` are removed first.
 */
export async function writeFolderAtomic<T>(dir: string, fill: (temporary: string) => Promise<T>): Promise<T> {
  const target = resolve(dir);
  await checkFolderFree(dir);
  let temporary: string | undefined;
  try {
    await mkdir(dirname(target), { recursive: true });
    await removeStaleTemporaries(target);
    // mkdir, not mkdtemp (which makes the folder private), so the folder gets the usual permissions.
    const path = temporaryPath(target);
    temporary = path;
    return await whileWriting(path, async () => {
      await mkdir(path);
      const result = await fill(path);
      // An empty folder may stand where the output goes; rmdir refuses anything that is not empty.
      await rmdir(target).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      await rename(path, target);
      temporary = undefined;
      return result;
    });
  } catch (error) {
    throw folderError(dir, error);
  } finally {
    if (temporary !== undefined) await rm(temporary, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * Replaces folder `dir` as a whole (Node only): `fill` writes a complete new version beside it,
 * which then takes its place; the old version is removed only after the new one is in place, so
 * at every moment `dir` (or, for an instant, its `.old` sibling) holds a complete version.
 */
export async function replaceFolder<T>(dir: string, fill: (temporary: string) => Promise<T>): Promise<T> {
  const target = resolve(dir);
  // A dead run's `.old` is put back where the folder is missing, its half-written `.new` removed.
  await removeStaleTemporaries(target);
  const fresh = temporaryPath(target, 'new');
  const old = temporaryPath(target, 'old');
  const result = await writeFolderAtomic(fresh, fill);
  try {
    const existed = await rename(target, old).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false;
        throw error;
      },
    );
    await rename(fresh, target);
    if (existed) await rm(old, { recursive: true, force: true });
  } catch (error) {
    throw folderError(dir, error);
  }
  return result;
}
