// The main entries of the six library packages bundle for the browser (a Web Worker runs the same
// experiment functions) with no Node builtin reachable: what needs Node lives behind each
// package's `/node` entry. Sources are bundled, not dist/, so that a stale build cannot hide an
// import; a third-party package's `browser` field is honoured, as the web app's bundler does.
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

const PACKAGES = ['core', 'kernels', 'theory', 'probing', 'retrieval', 'experiments'] as const;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Optional packages loaded at run time by a variable specifier (core's tfjs-node), never bundled. */
const EXTERNAL = ['@tensorflow/tfjs-node'];

const BUILTINS = new Set(builtinModules);
const isBuiltin = (specifier: string) => specifier.startsWith('node:') || BUILTINS.has(specifier) || BUILTINS.has(specifier.split('/')[0]!);
const relative = (path: string) => (path.startsWith(ROOT) ? path.slice(ROOT.length) : path);

/** One import a browser bundle cannot have: what was imported, and by which file. */
interface Forbidden {
  specifier: string;
  importer: string;
}

/**
 * Sends `@iclkr/NAME` to its source entry, and records every Node builtin that esbuild's browser
 * resolution cannot map (through a `browser` field or a polyfill package), and every import of a
 * package's `/node` entry, leaving them external so that the bundle goes on to find the rest.
 */
function recordNodeImports(found: Forbidden[]): Plugin {
  return {
    name: 'record-node-imports',
    setup(bundle) {
      bundle.onResolve({ filter: /^@iclkr\/[\w-]+(\/node)?$/ }, (args) => {
        const [, name, node] = /^@iclkr\/([\w-]+)(\/node)?$/.exec(args.path)!;
        if (node !== undefined) found.push({ specifier: args.path, importer: relative(args.importer) });
        return { path: `${ROOT}packages/${name}/src/${node === undefined ? 'index' : 'node'}.ts` };
      });
      bundle.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === 'inner' || !isBuiltin(args.path)) return undefined;
        const resolved = await bundle.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: 'inner',
        });
        if (resolved.errors.length === 0) return undefined;
        found.push({ specifier: args.path, importer: relative(args.importer) });
        return { path: args.path, external: true };
      });
    },
  };
}

/** The import chain from `entry` to `target` in the bundle's graph (metafile paths), for the failure message. */
function chain(metafile: Metafile, entry: string, target: string): string[] {
  const previous = new Map<string, string>([[entry, '']]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (file === target) break;
    for (const { path } of metafile.inputs[file]?.imports ?? []) {
      if (!previous.has(path)) {
        previous.set(path, file);
        queue.push(path);
      }
    }
  }
  if (!previous.has(target)) return [target];
  const path = [target];
  while (previous.get(path[0]!)) path.unshift(previous.get(path[0]!)!);
  return path;
}

/** Bundles `entry` (relative to the repository) for the browser; what it must not import, each with the chain that reaches it. */
async function nodeImportsOf(entry: string): Promise<string[]> {
  const found: Forbidden[] = [];
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    metafile: true,
    logLevel: 'silent',
    external: EXTERNAL,
    plugins: [recordNodeImports(found)],
  });
  const lines = found.map(({ specifier, importer }) => `${specifier} imported by ${chain(result.metafile, entry, importer).join(' > ')}`);
  return [...new Set(lines)].sort();
}

describe('browser bundles of the main entries', () => {
  it.each(PACKAGES)('@iclkr/%s bundles for the browser with no Node builtin and no /node entry reachable', async (name) => {
    const forbidden = await nodeImportsOf(`packages/${name}/src/index.ts`);
    expect(
      forbidden,
      `@iclkr/${name}'s main entry reaches Node-only imports (move them behind its /node entry):\n  ${forbidden.join('\n  ')}\n`,
    ).toEqual([]);
  });

  it('sees what a Node entry imports (the check can fail): @iclkr/core/node reaches node:fs and node:worker_threads', async () => {
    const forbidden = await nodeImportsOf('packages/core/src/node.ts');
    expect(forbidden).toContain('node:worker_threads imported by packages/core/src/node.ts > packages/core/src/wasm-threads-node.ts');
    expect(forbidden.some((line) => line.startsWith('node:fs/promises imported by packages/core/src/node.ts > '))).toBe(true);
  });
});
