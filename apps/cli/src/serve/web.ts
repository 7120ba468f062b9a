/** Where the built web app (`@iclkr/web`'s dist/) lies; the CLI serves its build, never its source. */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { IclkrError } from '@iclkr/core';

/** The web package's package.json, as Node resolves it from the CLI (undefined when it is not installed). */
function webPackageJson(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('@iclkr/web/package.json');
  } catch {
    return undefined;
  }
}

/** The folder holding the web app's index.html and assets/ (its package's dist/), or a one-line error naming the fix. */
export function webDist(packageJson = webPackageJson()): string {
  if (packageJson === undefined)
    throw new IclkrError('setup', 'the web app (@iclkr/web) is not installed beside the CLI', 'run pnpm install, then pnpm build');
  const dist = join(dirname(packageJson), 'dist');
  if (!existsSync(join(dist, 'index.html')))
    throw new IclkrError('setup', `the web app is not built (no ${join(dist, 'index.html')})`, 'run pnpm build');
  return dist;
}
