/**
 * The web app's server (`plca serve`): the built app (dist/web, `npm run web`) and, under /model/,
 * an exported GraphModel, on 127.0.0.1, with the cross-origin isolation headers that wasm threads
 * need (SharedArrayBuffer) and that WebGPU and WebGL do not mind.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PlcaError } from '../util/errors.js';

export const DEFAULT_PORT = 8711;

/** COOP + COEP make the page cross-origin isolated; CORP lets its own workers and files load under COEP. */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.json': 'application/json', '.wasm': 'application/wasm', '.bin': 'application/octet-stream',
  '.png': 'image/png', '.jpg': 'image/jpeg', '.svg': 'image/svg+xml', '.ico': 'image/x-icon',
};

/** Where `npm run web` writes the app: dist/web beside src/ (from src) or dist/web (from dist); `PLCA_WEB_APP_DIR` overrides. */
export function webAppDir(): string {
  if (process.env.PLCA_WEB_APP_DIR) return resolve(process.env.PLCA_WEB_APP_DIR);
  const fromSrc = fileURLToPath(new URL('../../dist/web', import.meta.url));
  const fromDist = fileURLToPath(new URL('../web', import.meta.url));
  return existsSync(join(fromDist, 'index.html')) ? fromDist : fromSrc;
}

/** The folder holding model.json: `dir` itself or its `model/` (a demo run directory). */
export function resolveModelDir(dir: string): string {
  const abs = resolve(dir);
  for (const d of [abs, join(abs, 'model')]) if (existsSync(join(d, 'model.json'))) return d;
  throw new PlcaError('PLCA_FILE_NOT_FOUND', `no exported model in ${dir}: neither ${join(dir, 'model.json')} nor ${join(dir, 'model', 'model.json')} exists`, {
    hint: 'pass a folder written by `plca export --out DIR`, or a demo run directory (npm start writes runs/demo-*/model)',
  });
}

export interface WebServerOptions {
  /** the built app; @default webAppDir() */
  appDir?: string;
  /** a folder with model.json and its shards, served under /model/ */
  modelDir?: string;
  /** @default 127.0.0.1 */
  host?: string;
  /** 0 = any free port. @default DEFAULT_PORT */
  port?: number;
  /** more folders, by URL prefix ('/fixtures/' → a folder): test pages mount what they read */
  mounts?: Record<string, string>;
}

export interface WebServer {
  url: string;
  port: number;
  appDir: string;
  modelDir?: string;
  close(): Promise<void>;
}

/** A file under `root` for a URL path, or undefined (missing, a folder, or outside `root`). */
function fileUnder(root: string, urlPath: string): string | undefined {
  const file = normalize(join(root, urlPath.endsWith('/') ? `${urlPath}index.html` : urlPath));
  if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return undefined;
  return existsSync(file) && statSync(file).isFile() ? file : undefined;
}

/** Starts serving; resolves once listening. */
export async function startWebServer(o: WebServerOptions = {}): Promise<WebServer> {
  const appDir = resolve(o.appDir ?? webAppDir());
  if (!existsSync(join(appDir, 'index.html'))) {
    throw new PlcaError('PLCA_FILE_NOT_FOUND', `the web app is not built: ${join(appDir, 'index.html')} is missing`, {
      hint: 'build it with `npm run web` in the plca folder',
    });
  }
  const modelDir = o.modelDir === undefined ? undefined : resolveModelDir(o.modelDir);
  const mounts: Record<string, string> = Object.fromEntries(Object.entries(o.mounts ?? {}).map(([k, d]) => [k, resolve(d)]));
  if (modelDir !== undefined) mounts['/model/'] = modelDir;
  const host = o.host ?? '127.0.0.1';
  const server: Server = createServer((req, res) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400, ISOLATION_HEADERS).end();
      return;
    }
    const mount = Object.keys(mounts).find((prefix) => path.startsWith(prefix));
    const file = mount !== undefined ? fileUnder(mounts[mount], path.slice(mount.length - 1)) : fileUnder(appDir, path);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...ISOLATION_HEADERS, Allow: 'GET, HEAD' }).end();
    } else if (file === undefined) {
      res.writeHead(404, { ...ISOLATION_HEADERS, 'Content-Type': 'text/plain' }).end(`not found: ${path}\n`);
    } else {
      res.writeHead(200, {
        ...ISOLATION_HEADERS, 'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': String(statSync(file).size), 'Cache-Control': 'no-cache',
      });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) => fail(e.code === 'EADDRINUSE'
      ? new PlcaError('PLCA_INVALID_ARGUMENT', `port ${o.port ?? DEFAULT_PORT} on ${host} is in use`, { hint: 'choose another with --port P (0 picks a free one)' })
      : e));
    server.listen(o.port ?? DEFAULT_PORT, host, () => ok());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    url: `http://${host}:${port}/`, port, appDir, modelDir,
    close: () => new Promise<void>((ok) => {
      server.close(() => ok());
      server.closeAllConnections();
    }),
  };
}
