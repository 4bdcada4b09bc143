// `npx tsx scripts/export_browser_check.ts [--models minicity_gn,minicity_bn,resnet_tiny_aspp]
//   [--backends cpu,webgl] [--size 37x50] [--chromium /usr/bin/chromium] [--timeout 120]`
// Browser check of the export: each model is exported, then a headless
// Chromium page loads tfjs from node_modules/@tensorflow/tfjs/dist/tf.min.js and the model with
// the stock `tf.loadGraphModel(url)` over http from 127.0.0.1 — no plca code in the page — runs it
// on the same input as Node (fetched as raw float32 bytes) and posts the logits back. The page
// also logs a summary to the console and into its DOM. Exit status 1 when any run misses
// max|Δ|/max|logits| ≤ 1e-4 or does not report within the timeout.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../src/engine/index.js';
import { exportModel } from '../src/export/index.js';
import { createModel, type Segmentor } from '../src/models/index.js';
import { randomizeNorms } from '../test/export/helpers.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : def;
}
const MODELS = arg('models', 'minicity_gn,minicity_bn,resnet_tiny_aspp').split(',');
const BACKENDS = arg('backends', 'cpu,webgl').split(',');
const [H, W] = arg('size', '37x50').split('x').map(Number);
const CHROMIUM = arg('chromium', '/usr/bin/chromium');
const TIMEOUT_MS = Number(arg('timeout', '120')) * 1000;
const TFJS = join(process.cwd(), 'node_modules/@tensorflow/tfjs/dist/tf.min.js');

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><script src="/tf.min.js"></script></head>
<body><pre id="out">running</pre><script>
(async () => {
  const q = new URLSearchParams(location.search);
  const report = async (r) => {
    const line = JSON.stringify({ ...r, data: undefined });
    console.log('plca-export-check ' + line);
    document.getElementById('out').textContent = line;
    await fetch('/result', { method: 'POST', body: JSON.stringify(r) });
  };
  try {
    await tf.setBackend(q.get('backend'));
    await tf.ready();
    const model = await tf.loadGraphModel('/' + q.get('model') + '/model.json');
    const buf = await (await fetch('/input.bin')).arrayBuffer();
    const x = tf.tensor(new Float32Array(buf), JSON.parse(q.get('shape')));
    const [logits, labels] = model.execute(x);
    await report({ model: q.get('model'), backend: tf.getBackend(), tfjs: tf.version.tfjs, userAgent: navigator.userAgent,
      shape: logits.shape, labelsShape: labels.shape, data: Array.from(await logits.data()) });
  } catch (e) {
    await report({ model: q.get('model'), backend: q.get('backend'), error: String(e && e.stack || e) });
  }
})();
</script></body></html>`;

interface PageResult { model: string; backend: string; shape?: number[]; data?: number[]; error?: string; tfjs?: string; userAgent?: string }

const TYPES: Record<string, string> = { '.json': 'application/json', '.bin': 'application/octet-stream', '.html': 'text/html', '.js': 'text/javascript' };

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Serves `root` (and tf.min.js) on 127.0.0.1; hands the page's POSTed results to `onResult`. */
async function startServer(root: string, onResult: (r: PageResult) => void): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (req.method === 'POST' && path === '/result') {
      void body(req).then((b) => { onResult(JSON.parse(b) as PageResult); res.writeHead(204).end(); });
      return;
    }
    const file = path === '/tf.min.js' ? TFJS : normalize(join(root, path === '/' ? 'index.html' : path));
    if (file !== TFJS && !file.startsWith(normalize(root + sep))) { res.writeHead(404).end(); return; }
    try {
      const data = readFileSync(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', Connection: 'close' }).end(data);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, close: () => server.close() };
}

/** Opens `url` in headless Chromium and waits for one result (or the timeout); kills it after. */
async function runPage(url: string, next: () => Promise<PageResult>): Promise<PageResult> {
  const userDir = mkdtempSync(join(tmpdir(), 'plca-chromium-'));
  const proc = spawn(CHROMIUM, [
    '--headless=new', '--no-sandbox', '--no-first-run', `--user-data-dir=${userDir}`,
    // WebGL without a GPU: Chromium's software rasteriser, when the build has it.
    '--use-angle=swiftshader', '--enable-unsafe-swiftshader', url,
  ], { stdio: ['ignore', 'ignore', 'pipe'], detached: true }); // own process group: its helpers end with it
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const timeout = new Promise<PageResult>((resolve) => setTimeout(
    () => resolve({ model: url, backend: '?', error: `no result within ${TIMEOUT_MS / 1000} s; chromium stderr: ${stderr.slice(-500)}` }), TIMEOUT_MS));
  try {
    return await Promise.race([next(), timeout]);
  } finally {
    const exited = new Promise((r) => proc.once('exit', r));
    if (proc.pid !== undefined) process.kill(-proc.pid, 'SIGTERM'); // the group this script started
    await exited;
    rmSync(userDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  }
}

async function main(): Promise<void> {
  await initEngine({ backend: 'cpu' });
  const root = mkdtempSync(join(tmpdir(), 'plca-export-browser-'));
  writeFileSync(join(root, 'index.html'), PAGE);
  const x = tf.randomNormal([1, H, W, 3], 0, 1, 'float32', 42) as tf.Tensor4D;
  writeFileSync(join(root, 'input.bin'), Buffer.from((x.dataSync() as Float32Array).buffer));
  const expected = new Map<string, Float32Array>();
  for (const name of MODELS) {
    const model: Segmentor = createModel(name, { numClasses: 5, seed: 7 });
    randomizeNorms(model, 3); // non-trivial BN statistics and affines, so the folding is checked too
    exportModel(model, join(root, name), { inputSize: [H, W], labels: true });
    expected.set(name, tf.tidy(() => model.apply(x, { training: false }).logits.dataSync() as Float32Array));
    model.dispose();
  }
  x.dispose();

  let resolveNext: (r: PageResult) => void = () => {};
  const server = await startServer(root, (r) => resolveNext(r));
  let failed = 0;
  let userAgent: string | undefined;
  try {
    for (const backend of BACKENDS) {
      for (const name of MODELS) {
        const url = `${server.url}/?model=${name}&backend=${backend}&shape=${encodeURIComponent(JSON.stringify([1, H, W, 3]))}`;
        const r = await runPage(url, () => new Promise((res) => { resolveNext = res; }));
        const ref = expected.get(name)!;
        if (r.error || !r.data) {
          failed += 1;
          console.log(`${name} [${backend}]: FAILED ${r.error}`);
          continue;
        }
        let diff = 0;
        let scale = 0;
        for (let i = 0; i < ref.length; i++) {
          diff = Math.max(diff, Math.abs(r.data[i] - ref[i]));
          scale = Math.max(scale, Math.abs(ref[i]));
        }
        const ok = r.data.length === ref.length && diff <= 1e-4 * scale;
        if (!ok) failed += 1;
        if (userAgent === undefined) console.log(`browser: ${(userAgent = r.userAgent ?? '?')}`);
        console.log(`${name} [${r.backend}, tfjs ${r.tfjs}]: logits [${r.shape}], first ${r.data.slice(0, 3).map((v) => v.toFixed(5)).join(', ')}; ` +
          `max|Δ| ${diff.toExponential(2)} vs max|logits| ${scale.toFixed(3)} → ${ok ? 'OK' : 'MISMATCH'}`);
      }
    }
  } finally {
    server.close();
    rmSync(root, { recursive: true, force: true });
  }
  process.exitCode = failed ? 1 : 0;
}

await main();
