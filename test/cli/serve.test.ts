// `plca serve` as a user runs it: prints where the app is, serves it with the model, stops on a signal.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPlca } from './run_plca.js';

const dir = mkdtempSync(join(tmpdir(), 'plca-cli-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// A stand-in for the built app (the browser test builds the real one).
const app = join(dir, 'app');
mkdirSync(app);
writeFileSync(join(app, 'index.html'), '<!doctype html>');

describe('plca serve', () => {
  it('serves the model under /model/ on 127.0.0.1 and stops on SIGTERM', async () => {
    mkdirSync(join(dir, 'exported'));
    writeFileSync(join(dir, 'exported', 'model.json'), '{"format":"graph-model"}');
    let fetched: { status: number; coop: string | null; body: string } | undefined;
    let asked = false;
    const r = await runPlca(['serve', '--model', join(dir, 'exported'), '--port', '0'], {
      env: { PLCA_WEB_APP_DIR: app },
      onStdout: (child, out) => {
        const url = /^plca web app: (http:\/\/127\.0\.0\.1:\d+\/)/m.exec(out)?.[1];
        if (url === undefined || asked) return;
        asked = true;
        void fetch(`${url}model/model.json`).then(async (res) => {
          fetched = { status: res.status, coop: res.headers.get('cross-origin-opener-policy'), body: await res.text() };
        }).finally(() => child.kill('SIGTERM'));
      },
    });
    expect(fetched).toEqual({ status: 200, coop: 'same-origin', body: '{"format":"graph-model"}' });
    expect(r.stdout).toContain(`model: ${join(dir, 'exported')}`);
    expect(r.stderr).toContain('closing it');
  });

  it('names a folder without a model, with a hint', async () => {
    const r = await runPlca(['serve', '--model', dir, '--port', '0'], { env: { PLCA_WEB_APP_DIR: app } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no exported model in/);
    expect(r.stderr).toMatch(/hint: .*plca export/);
  });
});
