/** The static server behind `iclkr serve`: the web app at `/`, a folder read-only under `/files/`. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';
import { IclkrError } from '@iclkr/core';
import { fileInside, pathSegments } from './paths.js';
import { findReports } from './reports.js';

/** What one server serves: the web app's build and the folder of reports (both real paths). */
export interface ServeRoots {
  /** The built web app (index.html + assets/). */
  readonly dist: string;
  /** The folder served under /files/. */
  readonly dir: string;
  /** The folder's name in /files/index.json. */
  readonly dirName: string;
}

/** Content types by file extension; anything else is application/octet-stream. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.jsonl': 'application/jsonl; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** Headers on every response: cross-origin isolation (tfjs's threaded wasm needs SharedArrayBuffer) and no sniffing. */
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
} as const;

/** Sends a short plain-text answer (404, 405, 500). */
function plain(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...ISOLATION, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

/** Sends one file (its length and type from the file), or a 404 when it vanished meanwhile. */
async function sendFile(res: ServerResponse, path: string, noCache: boolean): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return plain(res, 404, 'not found\n');
  res.writeHead(200, {
    ...ISOLATION,
    'Content-Type': CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': info.size,
    ...(noCache ? { 'Cache-Control': 'no-cache' } : {}),
  });
  if (res.req.method === 'HEAD') return void res.end();
  createReadStream(path)
    .on('error', () => res.destroy())
    .pipe(res);
}

/** Answers one request: GET and HEAD only, files inside the two roots only, no folder listings. */
async function handle(roots: ServeRoots, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
  const target = req.url ?? '';
  const urlPath = target.split(/[?#]/, 1)[0];
  const segments = pathSegments(urlPath);
  if (segments === undefined) return plain(res, 404, 'not found\n');
  if (segments[0] === 'files') {
    const rest = segments.slice(1);
    if (rest.length === 1 && rest[0] === 'index.json') {
      const body = `${JSON.stringify(await findReports(roots.dir, roots.dirName), null, 2)}\n`;
      return plain(res, 200, body, { 'Content-Type': CONTENT_TYPES['.json'], 'Cache-Control': 'no-cache' });
    }
    const file = await fileInside(roots.dir, rest);
    return file === undefined ? plain(res, 404, 'not found\n') : sendFile(res, file, true);
  }
  const isIndex = urlPath === '/' || urlPath === '/index.html';
  const file = await fileInside(roots.dist, isIndex ? ['index.html'] : segments);
  return file === undefined ? plain(res, 404, 'not found\n') : sendFile(res, file, isIndex);
}

/** A running server: the URL it answers on, and how to stop it (open connections are closed too). */
export interface RunningServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** The one-line error for a failure to listen on host:port. */
function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE') return new IclkrError('option', `port ${port} is in use`, 'pass --port with a free port, or --port 0');
  if (error.code === 'EACCES')
    return new IclkrError('option', `port ${port} needs privileges to listen on`, 'pass --port 1024 or above, or --port 0');
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN')
    return new IclkrError('option', `cannot listen on host ${host} (${error.code})`, 'pass --host 127.0.0.1 or an address of this machine');
  return error;
}

/** Starts serving `roots` on host:port (0 = any free port) and resolves once it listens. */
export async function startServer(roots: ServeRoots, host: string, port: number): Promise<RunningServer> {
  const server: Server = createServer((req, res) => {
    handle(roots, req, res).catch(() => (res.headersSent ? res.destroy() : plain(res, 500, 'internal error\n')));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, host, port)));
    server.listen({ host, port }, resolve);
  });
  const actual = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${actual}/`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
