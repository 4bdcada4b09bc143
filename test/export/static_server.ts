// A minimal static file server on 127.0.0.1 for loading exported models over http, the way a
// browser does (tf.loadGraphModel(url) fetches model.json, then the shards next to it).
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.json': 'application/json', '.bin': 'application/octet-stream', '.html': 'text/html',
  '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
};

export interface StaticServer { url: string; close(): Promise<void>; requests: string[] }

/** Serves `root` read-only on an ephemeral port; `requests` records the paths asked for. */
export async function serveDirectory(root: string): Promise<StaticServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const file = normalize(join(root, path));
    if (!file.startsWith(normalize(root + sep)) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { Connection: 'close' }).end();
      return;
    }
    // `Connection: close`: a kept-alive socket that the server times out while the client
    // reuses it shows up as ECONNRESET in Node's fetch between tests.
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', Connection: 'close' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
