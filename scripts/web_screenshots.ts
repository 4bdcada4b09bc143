// `npx tsx scripts/web_screenshots.ts [--model DIR] [--steps 120] [--adapt-steps 40] [--out docs]`
// The web app's screenshots (docs/web-segment.png, docs/web-adapt.png), taken in headless Chromium
// (test/web/harness.ts) on the app as `npm run web` builds it and `plca serve` serves it:
//  - Segment: the page on its default backend (WebGPU on SwiftShader without a GPU) with an
//    exported model: `--model DIR` (e.g. the demo's runs/demo-<timestamp>/model), else the demo's
//    PLCA arm trained here on the `--quick` data for `--steps` updates (wasm, in this process) and
//    exported as `npm start` exports it;
//  - Adapt: the page's tiny preset (8 + 8 training images, batch 2) for `--adapt-steps` updates of
//    both arms on wasm, with its curves, collapse check and per-class table once both finish.
// Prints what each page reported (backend, ms per image, mIoU of both arms). Chromium is closed in
// `finally`, whatever happens.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { armConfig, DEMO_ARMS, QUICK, runArmInStore, settingsOverrides } from '../src/demo/index.js';
import { initEngine } from '../src/engine/index.js';
import { exportModel } from '../src/export/index.js';
import type { Segmentor } from '../src/models/index.js';
import { exportOptionsFor } from '../src/pipeline/index.js';
import { startWebServer, type WebServer } from '../src/serve/index.js';
import { MemoryRunStore } from '../src/train/index.js';
import { REPO_ROOT } from '../test/helpers/fixtures.js';
import { closeAll, findChromium, launchChromium, waitForState } from '../test/web/harness.js';

const { values: a } = parseArgs({ options: {
  model: { type: 'string' }, steps: { type: 'string', default: '120' }, 'adapt-steps': { type: 'string', default: '40' },
  out: { type: 'string', default: join(REPO_ROOT, 'docs') }, seed: { type: 'string', default: '0' },
} });
const steps = Number(a.steps);
const adaptSteps = Number(a['adapt-steps']);
const seed = Number(a.seed);
for (const [name, v] of [['--steps', steps], ['--adapt-steps', adaptSteps], ['--seed', seed]] as const) {
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a non-negative integer, got ${String(v)}`);
}
const TIMEOUT = 30 * 60_000;
const VIEWPORT = { width: 1320, height: 900 };

/** The demo's PLCA arm on the quick data for `steps` updates, exported as `npm start` exports it. */
async function trainedModel(tmp: string): Promise<string> {
  if (a.model) return resolve(a.model);
  await initEngine({ backend: 'wasm' });
  const arm = DEMO_ARMS.find((x) => x.key === 'plca')!;
  const overrides = settingsOverrides({ ...QUICK, seed, steps, valInterval: null });
  const cfg = await armConfig(arm, overrides);
  const dir = join(tmp, 'model');
  const t0 = Date.now();
  const result = await runArmInStore(arm, cfg, {
    store: new MemoryRunStore(), overrides, sourceVal: false,
    onModel: (m: Segmentor) => { exportModel(m, dir, exportOptionsFor(cfg)); },
  });
  console.log(`trained the demo's PLCA arm for ${steps} updates (quick data, seed ${seed}) in ${((Date.now() - t0) / 1000).toFixed(0)} s: ` +
    `target-val mIoU ${result.target.mIoU.toFixed(1)}`);
  return dir;
}

async function segmentShot(browser: Browser, server: WebServer, path: string): Promise<void> {
  const page = await browser.newPage({ viewport: VIEWPORT });
  try {
    await page.goto(`${server.url}index.html?samples=3`);
    const s = await waitForState(page, 'plcaSegment', ['ready', 'error', 'no-model'], TIMEOUT, (st) => {
      const x = st as { status: string; backend?: string; error?: string; warmMs?: number; results: Array<{ ms: number }> };
      return { status: x.status, backend: x.backend, error: x.error, warmMs: x.warmMs, ms: x.results.map((r) => r.ms) };
    });
    if (s.status !== 'ready') throw new Error(`the Segment page ended ${s.status}: ${s.error ?? ''}`);
    console.log(`Segment page on ${s.backend}: first run ${s.warmMs?.toFixed(0)} ms, then ${s.ms.map((m) => m.toFixed(0)).join(', ')} ms per image`);
    await page.screenshot({ path, fullPage: true });
  } finally {
    await page.close();
  }
}

async function adaptShot(browser: Browser, server: WebServer, path: string): Promise<void> {
  const page = await browser.newPage({ viewport: VIEWPORT });
  try {
    await page.goto(`${server.url}adapt.html?backend=wasm&preset=tiny&steps=${adaptSteps}&seed=${seed}&autostart=1`);
    const s = await waitForState(page, 'plcaAdapt', ['done', 'error'], TIMEOUT, (st) => {
      const x = st as { status: string; error?: string; arms: Record<string, { result?: { target: { mIoU: number } } }> };
      return { status: x.status, error: x.error, mIoU: Object.fromEntries(Object.entries(x.arms).map(([k, v]) => [k, v.result?.target.mIoU])) };
    });
    if (s.status !== 'done') throw new Error(`the Adapt page ended ${s.status}: ${s.error ?? ''}`);
    console.log(`Adapt page, tiny preset, ${adaptSteps} updates on wasm: target-val mIoU ${JSON.stringify(s.mIoU)}`);
    await page.waitForTimeout(500); // the last frame of the charts
    await page.screenshot({ path, fullPage: true });
  } finally {
    await page.close();
  }
}

async function main(): Promise<void> {
  const exe = findChromium();
  if (!exe) throw new Error('no Chromium found (set PLCA_CHROMIUM, or apt-get install chromium)');
  const tmp = mkdtempSync(join(tmpdir(), 'plca-web-shots-'));
  mkdirSync(a.out, { recursive: true });
  let server: WebServer | undefined;
  let browser: Browser | undefined;
  try {
    // The app as `npm run web` builds it, into a folder of its own (scripts/web_check.ts may be serving dist/web).
    const app = join(tmp, 'app');
    await build({ configFile: join(REPO_ROOT, 'web/vite.config.ts'), logLevel: 'error', build: { outDir: app } });
    server = await startWebServer({ appDir: app, modelDir: await trainedModel(tmp), port: 0 });
    browser = await launchChromium(exe);
    console.log(`${exe} ${browser.version()}`);
    await segmentShot(browser, server, join(a.out, 'web-segment.png'));
    await adaptShot(browser, server, join(a.out, 'web-adapt.png'));
    console.log(`wrote ${join(a.out, 'web-segment.png')} and ${join(a.out, 'web-adapt.png')}`);
  } finally {
    await closeAll(browser, server, tmp);
  }
}

await main();
