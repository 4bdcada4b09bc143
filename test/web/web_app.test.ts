// The web app in a real browser: headless Chromium (test/web/harness.ts) on the app as `npm run
// web` builds it and `plca serve` serves it. The Segment page, on its default backend (WebGPU on
// SwiftShader here), segments picked images as Node segments them with the same exported model;
// the Adapt page trains both arms of a tiny run in its workers and reports the per-class table.
// Without a Chromium (PLCA_CHROMIUM, /usr/bin/chromium, …) the suite is skipped, saying so.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tfjs from '@tensorflow/tfjs';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePng } from '../../src/data/index.js';
import { resizeBilinear } from '../../src/data/transforms.js';
import { DEMO_ARMS, armConfig, runArmInStore, settingsOverrides } from '../../src/demo/index.js';
import { initEngine } from '../../src/engine/index.js';
import { exportedModelHandler, exportedModelInfo, exportModel, segmentImage } from '../../src/export/index.js';
import { generateSet, MINICITY_DEFAULTS } from '../../src/minicity/index.js';
import { exportOptionsFor } from '../../src/pipeline/index.js';
import { startWebServer, type WebServer } from '../../src/serve/index.js';
import { MemoryRunStore } from '../../src/train/index.js';
import type { Segmentor } from '../../src/models/index.js';
import { REPO_ROOT } from '../helpers/fixtures.js';
import { findChromium, launchChromium, waitForState } from './harness.js';

const chromiumPath = findChromium();
if (!chromiumPath) {
  console.warn('SKIPPED test/web/web_app.test.ts: no Chromium found (set PLCA_CHROMIUM, or apt-get install chromium); the web app is not checked in a browser');
}

const dir = mkdtempSync(join(tmpdir(), 'plca-web-app-'));
let server: WebServer;
let browser: Browser;
const images: Array<{ name: string; path: string; width: number; height: number; data: Uint8Array }> = [];

describe.skipIf(!chromiumPath)('web app in headless Chromium', () => {
  beforeAll(async () => {
    // The app as `npm run web` builds it, into a fresh folder.
    await build({ configFile: join(REPO_ROOT, 'web/vite.config.ts'), logLevel: 'error', build: { outDir: join(dir, 'app') } });
    // A model the way the demo exports one: the source-only arm's config, a few updates on tiny data.
    await initEngine({ backend: 'wasm', threads: 1 });
    const arm = DEMO_ARMS.find((a) => a.key === 'source_only')!;
    const overrides = settingsOverrides({ seed: 1, steps: 6, trainImages: 8, valImages: 2, batchSize: 4, valInterval: null });
    const cfg = await armConfig(arm, overrides);
    await runArmInStore(arm, cfg, {
      store: new MemoryRunStore(), overrides, sourceVal: false,
      onModel: (m: Segmentor) => { exportModel(m, join(dir, 'model'), exportOptionsFor(cfg)); },
    });
    // Images to pick: a MiniCity target image at the model's size and one at another size (resized on both sides).
    const set = generateSet({ count: 1, seed: MINICITY_DEFAULTS.seeds.targetVal + 100, domain: 'target', k: 0.6 });
    const small = { width: set.width, height: set.height, channels: 3 as const, data: set.images };
    const odd = resizeBilinear(small, 90, 150);
    for (const [name, img] of [['street.png', small], ['street_150x90.png', odd]] as const) {
      const path = join(dir, name);
      writePng(path, img);
      images.push({ name, path, width: img.width, height: img.height, data: img.data });
    }
    server = await startWebServer({ appDir: join(dir, 'app'), modelDir: join(dir, 'model'), port: 0 });
    browser = await launchChromium(chromiumPath!);
  }, 600_000);

  afterAll(async () => {
    try {
      await browser?.close();
    } finally {
      await server?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Segment page: the mask of a picked image equals Node\'s prediction of the same model for ≥ 99.9 % of pixels', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}?samples=2`);
    const ready = await waitForState<{ status: string; backend: string; error?: string; results: unknown[] }>(page, 'plcaSegment', ['ready', 'error', 'no-model'], 300_000,
      (s) => { const x = s as { status: string; backend: string; error?: string; results: unknown[] }; return { status: x.status, backend: x.backend, error: x.error, results: x.results.map(() => 0) }; });
    expect(ready.error, 'page error').toBeUndefined();
    expect(ready.status).toBe('ready');
    expect(ready.results).toHaveLength(2); // the MiniCity samples asked for
    await page.locator('#files').setInputFiles(images.map((i) => i.path));
    await page.waitForFunction((n) => (window as unknown as { plcaSegment: { results: unknown[] } }).plcaSegment.results.length >= n, 2 + images.length, { timeout: 300_000 });
    const picked = await page.evaluate(() => (window as unknown as { plcaSegment: { results: Array<{ name: string; width: number; height: number; labels: Uint8Array }> } })
      .plcaSegment.results.slice(2).map((r) => ({ name: r.name, width: r.width, height: r.height, labels: Array.from(r.labels) })));
    const model = await tfjs.loadGraphModel(exportedModelHandler(join(dir, 'model')));
    const info = exportedModelInfo(model.metadata);
    for (const img of images) {
      const got = picked.find((p) => p.name === img.name)!;
      expect([got.width, got.height]).toEqual([img.width, img.height]);
      const want = await segmentImage(model, { width: img.width, height: img.height, channels: 3, data: img.data }, info);
      let same = 0;
      for (let i = 0; i < want.labels.length; i++) if (want.labels[i] === got.labels[i]) same += 1;
      const agreement = same / want.labels.length;
      console.log(`${img.name}: ${ready.backend} vs Node wasm: ${(100 * agreement).toFixed(3)} % of ${want.labels.length} pixels agree; ` +
        `classes ${new Set(want.labels).size}`);
      expect(agreement).toBeGreaterThanOrEqual(0.999);
    }
    model.dispose();
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(dir, 'segment.png'), fullPage: true });
    await page.close();
  }, 600_000);

  /** The page's state as the tests compare it: per arm, the curve's losses, the target-val curve and the final target scores. */
  type AdaptView = { status: string; error?: string; arms: Record<string, { status: string; losses: number[]; valCurve: unknown[]; target?: { mIoU: number; perClass: Record<string, number | null> } }> };
  const adaptView = (st: unknown) => {
    const x = st as { status: string; error?: string; arms: Record<string, { status: string; curve: Array<{ loss: number }>; valCurve: unknown[]; result?: { target: { mIoU: number; perClass: Record<string, number | null> } } }> };
    return { status: x.status, error: x.error, arms: Object.fromEntries(Object.entries(x.arms).map(([k, v]) => [k, { status: v.status, losses: v.curve.map((p) => p.loss), valCurve: v.valCurve, target: v.result?.target }])) };
  };
  const STEPS = 8;
  let straight: AdaptView | undefined;

  it('Adapt page: a tiny run of both arms finishes and reports the per-class table', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${server.url}adapt.html?backend=wasm&preset=tiny&steps=${STEPS}&autostart=1`);
      const s = await waitForState<AdaptView>(page, 'plcaAdapt', ['done', 'error'], 300_000, adaptView);
      expect(s.error).toBeUndefined();
      expect(s.status).toBe('done');
      expect(Object.keys(s.arms).sort()).toEqual(DEMO_ARMS.map((a) => a.key).sort());
      for (const arm of Object.values(s.arms)) {
        expect(arm.losses).toHaveLength(STEPS);
        expect(Number.isFinite(arm.target!.mIoU)).toBe(true);
      }
      straight = s;
      const rows = await page.locator('#perClass tr').allTextContents();
      expect(rows).toHaveLength(1 + 9 + 1); // header, the 9 MiniCity classes, mIoU
      expect(rows[0]).toContain('PLCA − source only');
      expect(rows[rows.length - 1]).toMatch(/^mIoU/);
      expect(await page.locator('#download').isEnabled()).toBe(true);
    } finally {
      await page.close();
    }
  }, 600_000);

  it('Adapt page: Stop keeps a checkpoint and Resume continues the run exactly (same losses and scores as straight through)', async () => {
    expect(straight, 'the straight run of the previous test').toBeDefined();
    const page = await browser.newPage();
    try {
      await page.goto(`${server.url}adapt.html?backend=wasm&preset=tiny&steps=${STEPS}`);
      await page.locator('#start').click();
      // Stop once PLCA (the slower arm) has made an update.
      await page.waitForFunction(() => ((window as unknown as { plcaAdapt: { arms: Record<string, { curve: unknown[] }> } }).plcaAdapt.arms.plca?.curve.length ?? 0) >= 1,
        undefined, { timeout: 300_000, polling: 50 });
      await page.locator('#stop').click();
      await page.waitForFunction(() => Object.values((window as unknown as { plcaAdapt: { arms: Record<string, { status: string }> } }).plcaAdapt.arms)
        .every((a) => a.status === 'stopped' || a.status === 'done' || a.status === 'error'), undefined, { timeout: 300_000, polling: 100 });
      const stopped = adaptView(await page.evaluate('window.plcaAdapt')) as AdaptView;
      expect(stopped.arms.plca.status).toBe('stopped');
      expect(stopped.arms.plca.losses.length).toBeLessThan(STEPS);
      console.log(`stopped: ${Object.entries(stopped.arms).map(([k, a]) => `${k} ${a.status} after ${a.losses.length} updates`).join(', ')}`);
      await page.locator('#resume').click();
      const s = await waitForState<AdaptView>(page, 'plcaAdapt', ['done', 'error'], 300_000, adaptView);
      expect(s.error).toBeUndefined();
      expect(s.status).toBe('done');
      for (const key of DEMO_ARMS.map((a) => a.key)) {
        expect(s.arms[key].losses, key).toEqual(straight!.arms[key].losses);
        expect(s.arms[key].valCurve, key).toEqual(straight!.arms[key].valCurve);
        expect(s.arms[key].target, key).toEqual(straight!.arms[key].target);
      }
    } finally {
      await page.close();
    }
  }, 600_000);
});
