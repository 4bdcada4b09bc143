// `npx tsx scripts/web_check.ts [--backends webgpu,webgl,wasm] [--steps 20] [--train 2] [--skip checks,adapt,segment]
//   [--model DIR] [--json FILE] [--timeout-min 60]`
// The browser backends, checked in headless Chromium (test/web/harness.ts: WebGPU on SwiftShader's
// Vulkan, WebGL on SwiftShader; on a machine with a GPU, set PLCA_CHROMIUM to a browser that uses it):
//  1. checks: every engine fixture and every reference parity fixture (test/web/checks), with the
//     kernels each backend ran and whether it has them; then `--train` updates of the PLCA arm on tiny
//     data on the page's thread: every kernel a training update runs, whether the backend has it, and
//     the synchronous GPU→CPU reads (dataSync) per update;
//  2. adapt: the Adapt page's tiny preset for `--steps` updates (both arms in their workers): the
//     loss over the first and the last five updates, ms per update;
//  3. segment: the Segment page on its six MiniCity samples with an exported model (`--model`, or
//     a freshly initialised GroupNorm net): ms per image after the first (kernel-compiling) run.
// Prints one table per part; `--json FILE` keeps everything. Exit status 1 when a check fails or
// a loss does not go down.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { initEngine } from '../src/engine/index.js';
import { exportModel } from '../src/export/index.js';
import { createModel } from '../src/models/index.js';
import { exportOptionsFor } from '../src/pipeline/index.js';
import { armConfig, DEMO_ARMS } from '../src/demo/index.js';
import { startWebServer, type WebServer } from '../src/serve/index.js';
import { REPO_ROOT } from '../test/helpers/fixtures.js';
import { buildPages, closeAll, findChromium, fixtureFiles, launchChromium, waitForState } from '../test/web/harness.js';

const { values: a } = parseArgs({ options: {
  backends: { type: 'string', default: 'webgpu,webgl' }, steps: { type: 'string', default: '20' }, train: { type: 'string', default: '2' }, skip: { type: 'string', default: '' },
  model: { type: 'string' }, json: { type: 'string' }, 'timeout-min': { type: 'string', default: '60' },
} });
const backends = a.backends.split(',');
const skip = new Set(a.skip.split(','));
const timeout = Number(a['timeout-min']) * 60_000;

interface CheckResult { set: string; file: string; variant?: string; ok: boolean; errors: Record<string, number>; ms: number; error?: string }
interface TrainView { losses: number[]; ms: number[]; reads: number[]; readMs: number[]; kernels?: Record<string, boolean>; error?: string }
interface ArmView { status: string; losses: number[]; ms: number[]; mIoU?: number; error?: string }
const report: Record<string, unknown> = { chromium: '', backends: {} };
let failed = false;

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN;

async function checks(browser: Browser, server: WebServer, backend: string): Promise<unknown> {
  const page = await browser.newPage();
  try {
    const t0 = Date.now();
    await page.goto(`${server.url}checks/index.html?backend=${backend}&engine=${fixtureFiles('engine').join(',')}&reference=${fixtureFiles('reference').join(',')}&train=${Number(a.train)}`);
    const s = await waitForState<{ status: string; backend: string; results: CheckResult[]; kernels: Record<string, boolean>; train?: TrainView; error?: string }>(
      page, 'plcaChecks', ['done', 'error'], timeout);
    const bad = s.results.filter((r) => !r.ok);
    if (s.status !== 'done' || bad.length > 0) failed = true;
    const missing = Object.entries(s.kernels).filter(([, has]) => !has).map(([k]) => k);
    console.log(`\n## ${backend}: fixtures (${s.backend}), ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    if (s.error) console.log(`page error: ${s.error}`);
    for (const r of s.results) {
      const worst = Object.entries(r.errors).sort((x, y) => y[1] - x[1])[0];
      console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.set.padEnd(9)} ${`${r.file}${r.variant ? ` (${r.variant})` : ''}`.padEnd(40)} ` +
        `${worst ? `largest ${worst[0]} ${worst[1].toExponential(1)}` : ''} ${r.error ?? ''}`);
    }
    console.log(`${s.results.length - bad.length}/${s.results.length} passed; kernels run: ${Object.keys(s.kernels).length}, ` +
      `missing on ${s.backend}: ${missing.length ? missing.join(', ') : 'none'}`);
    if (s.train) {
      const t = s.train;
      const kernels = Object.keys(t.kernels ?? {});
      const lacking = Object.entries(t.kernels ?? {}).filter(([, has]) => !has).map(([k]) => k);
      const n = Math.min(5, Math.floor(t.losses.length / 2));
      const lower = n === 0 || mean(t.losses.slice(-n)) < mean(t.losses.slice(0, n)); // first and last n updates, when there are two or more
      if (t.error || lacking.length > 0 || t.losses.length !== Number(a.train) || !lower) failed = true;
      console.log(`${t.error || lacking.length || !lower ? 'FAIL' : 'ok  '} training on the page's thread (PLCA arm, tiny data): ${t.losses.length} updates, ` +
        `${n > 0 ? `loss ${mean(t.losses.slice(0, n)).toFixed(3)} (first ${n}) → ${mean(t.losses.slice(-n)).toFixed(3)} (last ${n}), ` : ''}` +
        `${t.ms.map((m) => m.toFixed(0)).join(', ')} ms; synchronous reads per update ${t.reads.join(', ')} (${t.readMs.join(', ')} ms)` +
        `${t.error ? `; error: ${t.error}` : ''}`);
      console.log(`kernels of a training update: ${kernels.length}, missing on ${s.backend}: ${lacking.length ? lacking.join(', ') : 'none'}: ${kernels.join(' ')}`);
    }
    return { ...s, seconds: (Date.now() - t0) / 1000 };
  } finally {
    await page.close();
  }
}

async function adapt(browser: Browser, server: WebServer, backend: string, steps: number): Promise<unknown> {
  const page = await browser.newPage();
  try {
    const t0 = Date.now();
    await page.goto(`${server.url}adapt.html?backend=${backend}&preset=tiny&steps=${steps}&autostart=1`);
    const view = (st: unknown) => {
      const x = st as { status: string; error?: string; arms: Record<string, { status: string; curve: Array<{ loss: number }>; msPerUpdate: number[]; result?: { target: { mIoU: number } }; engine?: { backend: string } }> };
      return { status: x.status, error: x.error, arms: Object.fromEntries(Object.entries(x.arms).map(([k, v]) => [k, {
        status: v.status, losses: v.curve.map((p) => p.loss), ms: v.msPerUpdate, mIoU: v.result?.target.mIoU, engine: v.engine?.backend,
      }])) };
    };
    // On a timeout, report how far each arm got (the updates so far) instead of nothing.
    const s = await waitForState(page, 'plcaAdapt', ['done', 'error'], timeout, view).catch(async (e: unknown) => {
      const now = view(await page.evaluate('window.plcaAdapt'));
      return { ...now, error: `${e instanceof Error ? e.message.split('\n')[0] : String(e)} (status ${now.status})` };
    });
    console.log(`\n## ${backend}: Adapt page, tiny preset, ${steps} updates, ${((Date.now() - t0) / 1000).toFixed(0)} s${s.error ? `; error: ${s.error}` : ''}`);
    for (const [key, arm] of Object.entries(s.arms as Record<string, ArmView & { engine?: string }>)) {
      const first = mean(arm.losses.slice(0, 5));
      const last = mean(arm.losses.slice(-5));
      const lower = arm.losses.length === steps && last < first;
      if (!lower) failed = true;
      console.log(`${lower ? 'ok  ' : 'FAIL'} ${key.padEnd(12)} on ${arm.engine}: loss ${first.toFixed(3)} (updates 1-5) → ${last.toFixed(3)} (last 5), ` +
        `${arm.losses.length} updates, median ${median(arm.ms).toFixed(0)} ms per update, target mIoU ${arm.mIoU?.toFixed(1) ?? '–'}`);
    }
    return { ...s, seconds: (Date.now() - t0) / 1000 };
  } finally {
    await page.close();
  }
}

async function segment(browser: Browser, server: WebServer, backend: string): Promise<unknown> {
  const page = await browser.newPage();
  try {
    await page.goto(`${server.url}index.html?backend=${backend}`);
    const s = await waitForState(page, 'plcaSegment', ['ready', 'error', 'no-model'], timeout, (st) => {
      const x = st as { status: string; backend?: string; error?: string; warmMs?: number; results: Array<{ name: string; ms: number }> };
      return { status: x.status, backend: x.backend, error: x.error, warmMs: x.warmMs, ms: x.results.map((r) => r.ms) };
    });
    if (s.status !== 'ready') failed = true;
    console.log(`\n## ${backend}: Segment page (${s.backend}): ${s.status}${s.error ? ` ${s.error}` : ''}; first run ${s.warmMs?.toFixed(0)} ms, ` +
      `then ${s.ms.map((m) => m.toFixed(0)).join(', ')} ms per image (median ${median(s.ms).toFixed(0)})`);
    return s;
  } finally {
    await page.close();
  }
}

/** A model for the Segment page: `--model`, or the demo's PLCA config's net freshly initialised. */
async function modelDir(tmp: string): Promise<string> {
  if (a.model) return a.model;
  await initEngine({ backend: 'cpu' });
  const cfg = await armConfig(DEMO_ARMS.find((x) => x.key === 'plca')!);
  const model = createModel(cfg.model.name, { numClasses: cfg.model.numClasses, seed: 0 });
  exportModel(model, join(tmp, 'model'), exportOptionsFor(cfg));
  model.dispose();
  return join(tmp, 'model');
}

async function main(): Promise<void> {
  const exe = findChromium();
  if (!exe) throw new Error('no Chromium found (set PLCA_CHROMIUM, or apt-get install chromium)');
  const tmp = mkdtempSync(join(tmpdir(), 'plca-web-check-'));
  let server: WebServer | undefined;
  let browser: Browser | undefined;
  try {
    // Built into the run's own folder: another check (or the web test) may be serving dist/web.
    const [app, checksDir] = [await buildPages('app', true, join(tmp, 'app')), await buildPages('checks', true, join(tmp, 'checks'))];
    server = await startWebServer({ appDir: app, modelDir: await modelDir(tmp), port: 0, mounts: { '/checks/': checksDir, '/fixtures/': join(REPO_ROOT, 'fixtures') } });
    browser = await launchChromium(exe);
    report.chromium = `${exe} ${browser.version()}`;
    console.log(`# ${report.chromium}`);
    for (const backend of backends) {
      const r: Record<string, unknown> = {};
      (report.backends as Record<string, unknown>)[backend] = r;
      if (!skip.has('checks')) r.checks = await checks(browser, server, backend);
      if (!skip.has('segment')) r.segment = await segment(browser, server, backend);
      if (!skip.has('adapt')) r.adapt = await adapt(browser, server, backend, Number(a.steps));
    }
  } finally {
    await closeAll(browser, server, tmp);
  }
  if (a.json) writeFileSync(a.json, `${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = failed ? 1 : 0;
}

await main();
