// The web app's server: the app and the model on 127.0.0.1, cross-origin isolated, nothing
// outside the folders it serves; clear errors for an unbuilt app, a folder without a model and a
// taken port.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startWebServer, resolveModelDir } from './web_server.js';

const dir = mkdtempSync(join(tmpdir(), 'plca-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const app = join(dir, 'app');
const run = join(dir, 'run');
mkdirSync(join(app, 'assets'), { recursive: true });
mkdirSync(join(run, 'model'), { recursive: true });
writeFileSync(join(app, 'index.html'), '<!doctype html>app');
writeFileSync(join(app, 'assets', 'x.wasm'), Buffer.from([0, 97, 115, 109]));
writeFileSync(join(run, 'model', 'model.json'), '{"format":"graph-model"}');
writeFileSync(join(dir, 'secret.txt'), 'outside');

/** GET with the path sent as is (no client-side normalisation of `..`). */
function get(url: string, path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startWebServer', () => {
  it('serves the app and the model (a demo run folder) on 127.0.0.1 with COOP/COEP, and nothing else', async () => {
    const s = await startWebServer({ appDir: app, modelDir: run, port: 0 });
    try {
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(s.modelDir).toBe(join(run, 'model'));
      const index = await get(s.url, '/');
      expect(index.status).toBe(200);
      expect(index.body).toBe('<!doctype html>app');
      expect(index.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(index.headers['cross-origin-embedder-policy']).toBe('require-corp');
      expect((await get(s.url, '/assets/x.wasm')).headers['content-type']).toBe('application/wasm');
      const model = await get(s.url, '/model/model.json');
      expect([model.status, model.body]).toEqual([200, '{"format":"graph-model"}']);
      for (const p of ['/../secret.txt', '/model/../../secret.txt', '/%2e%2e/secret.txt', '/missing.js', '/assets/']) {
        expect((await get(s.url, p)).status, p).toBe(404);
      }
    } finally {
      await s.close();
    }
  });

  it('says what to do for an unbuilt app, a folder without a model and a port in use', async () => {
    await expect(startWebServer({ appDir: join(dir, 'nope'), port: 0 })).rejects.toThrow(/not built.*index\.html/);
    expect(() => resolveModelDir(app)).toThrow(/no exported model in/);
    const first = await startWebServer({ appDir: app, port: 0 });
    try {
      await expect(startWebServer({ appDir: app, port: first.port })).rejects.toMatchObject({ code: 'PLCA_INVALID_ARGUMENT', hint: expect.stringContaining('--port') });
    } finally {
      await first.close();
    }
  });
});
