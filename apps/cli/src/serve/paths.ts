/** Turning a request path into a file inside one folder, refusing anything that could reach outside it. */
import { realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';

/** Escapes refused before decoding: an encoded slash, backslash or NUL, and raw backslashes or NULs. */
const RAW_ESCAPES = /%2f|%5c|%00|\\|\0/i;

/**
 * The decoded segments of a URL path (`/a/b%20c` -> ['a', 'b c']), or undefined when the path could
 * name something outside its folder: not starting with '/', an encoded separator or NUL, a '.' or
 * '..' segment, an empty segment inside the path (`a//b`), a hidden name (`.git`), or bad escapes.
 * A trailing slash is kept as a final empty segment, so that `/x/` names a folder.
 */
export function pathSegments(urlPath: string): string[] | undefined {
  if (!urlPath.startsWith('/') || RAW_ESCAPES.test(urlPath)) return undefined;
  const raw = urlPath.slice(1).split('/');
  const segments: string[] = [];
  for (const [i, part] of raw.entries()) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      return undefined;
    }
    if (decoded === '' && i < raw.length - 1) return undefined;
    if (decoded.startsWith('.') || /[\\/\0]/.test(decoded)) return undefined;
    segments.push(decoded);
  }
  return segments;
}

/** Whether `path` (already resolved by realpath) is `root` or lies inside it. */
export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * The real path of the regular file `segments` name under `root` (itself a real path), or
 * undefined when it does not exist, is a folder, or resolves (through a symlink) outside root.
 */
export async function fileInside(root: string, segments: readonly string[]): Promise<string | undefined> {
  if (segments.length === 0 || segments.at(-1) === '') return undefined;
  const real = await realpath(join(root, ...segments)).catch(() => undefined);
  if (real === undefined || !isInside(root, real)) return undefined;
  const info = await stat(real).catch(() => undefined);
  return info?.isFile() ? real : undefined;
}
