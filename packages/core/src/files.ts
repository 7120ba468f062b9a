import { open, rename, rm } from 'node:fs/promises';

/**
 * Writes `data` to `path` atomically (Node only): the bytes go to `path.tmp-<pid>`, are synced,
 * then renamed over `path`; on any failure the temporary file is removed, `path` is left as it
 * was, and the error is rethrown.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
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
}
