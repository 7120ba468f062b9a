/** Where a report came from: the exact command line and the git commit of the iclkr that ran it. */
import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The command line as a user would type it again: `iclkr` and the arguments, quoted where needed. */
export function commandLine(argv: readonly string[]): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);
  return ['iclkr', ...argv.map(quote)].join(' ');
}

let commit: string | null | undefined;

/** The git commit this iclkr runs from (with `-dirty` when it has uncommitted changes), or null outside a checkout. */
export function gitCommit(): string | null {
  if (commit !== undefined) return commit;
  const cwd = dirname(fileURLToPath(import.meta.url));
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim() !== '';
    commit = dirty ? `${head}-dirty` : head;
  } catch {
    commit = null;
  }
  return commit;
}
