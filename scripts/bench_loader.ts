/**
 * Data loader throughput on Cityscapes-sized (2048×1024) PNGs, and whether a training step waits.
 *
 *   npx tsx scripts/bench_loader.ts [--images 8] [--batch 2] [--batches 12] [--workers 1,2]
 *                                   [--step-ms 0,250,1000] [--dir DIR] [--json]
 *
 * Writes synthetic street-like PNGs (smooth regions + texture + noise, adaptive filters, about the
 * size of Cityscapes' ~2 MB files) with GTAV-style palette labels into a temp dir, then measures
 * (1) single-thread decode and full-pipeline rates, (2) loader images/s with N workers and no
 * consumer, (3) with a consumer that "trains" for step-ms per batch (busy CPU, as a real step),
 * the time next() waited after the first batch.
 */
import { mkdtempSync, statSync, rmSync, readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { join } from 'node:path';
import { tmpdir, availableParallelism } from 'node:os';
import { initEngine } from '../src/engine/index.js';
import {
  gtavDataset, createLoader, readImage, readLabel, prepareSample, writePng, writePalettePng, mulberry32,
  type DatasetDescriptor,
} from '../src/data/index.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}
const nums = (s: string): number[] => s.split(',').map(Number);

function writeStreetImage(path: string, labelPath: string, w: number, h: number, seed: number): void {
  const rng = mulberry32(seed);
  const img = new Uint8Array(w * h * 3);
  const lab = new Uint8Array(w * h);
  const horizon = Math.floor(h * (0.35 + 0.1 * rng()));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const region = y < horizon ? (x % 512 < 300 ? 11 : 23) : y < horizon + 40 ? 8 : 7;
      const base = region === 23 ? [120, 160, 210] : region === 11 ? [90, 85, 80] : region === 8 ? [180, 150, 170] : [110, 90, 110];
      const tex = ((x * 13) ^ (y * 7)) & 15;
      for (let c = 0; c < 3; c++) img[3 * i + c] = Math.max(0, Math.min(255, base[c] + tex + Math.floor(rng() * 5) - 2 + (y >> 5)));
      lab[i] = (x >> 6) % 9 === 0 && y > horizon ? 26 : region;
    }
  }
  writePng(path, { width: w, height: h, data: img });
  writePalettePng(labelPath, lab, w, h, new Uint8Array(256 * 3).map((_, k) => (k * 37) % 256));
}

/** Wall and CPU milliseconds per call; on a shared machine CPU time is the steadier figure. */
function timeIt(fn: () => void, reps: number): { wallMs: number; cpuMs: number } {
  fn();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  const c = process.cpuUsage(c0);
  return { wallMs: +((performance.now() - t0) / reps).toFixed(1), cpuMs: +((c.user + c.system) / 1000 / reps).toFixed(1) };
}

function busy(ms: number): void {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
}

async function loaderRun(ds: DatasetDescriptor, workers: number, batch: number, batches: number, stepMs: number) {
  const l = createLoader({ dataset: ds, batchSize: batch, workers, seed: 1, prefetch: Math.max(2, workers) });
  const t00 = performance.now();
  const first = await l.next(); // includes worker start-up; not counted
  const firstMs = performance.now() - t00;
  busy(stepMs); // the step on the first batch, during which the next ones are prepared
  first.images.dispose();
  first.labels?.dispose();
  let waited = 0;
  let maxWait = 0;
  const t0 = performance.now();
  for (let b = 0; b < batches; b++) {
    const w0 = performance.now();
    const x = await l.next();
    const w = performance.now() - w0;
    waited += w;
    maxWait = Math.max(maxWait, w);
    busy(stepMs);
    x.images.dispose();
    x.labels?.dispose();
  }
  const total = performance.now() - t0;
  await l.close();
  const r = (x: number): number => +x.toFixed(2);
  return {
    workers, stepMs, firstBatchMs: r(firstMs), imagesPerS: r((batches * batch) / (total / 1000)),
    meanWaitMs: r(waited / batches), maxWaitMs: r(maxWait),
  };
}

async function main(): Promise<void> {
  await initEngine({ backend: 'cpu' });
  const n = Number(arg('images', '8'));
  const batch = Number(arg('batch', '2'));
  const batches = Number(arg('batches', '12'));
  const dir = arg('dir', '') || mkdtempSync(join(tmpdir(), 'plca-bench-loader-'));
  for (let i = 0; i < n; i++) writeStreetImage(join(dir, `images/${i}.png`), join(dir, `labels/${i}.png`), 2048, 1024, i);
  const ds = gtavDataset({ root: dir });
  const mb = ds.items.reduce((s, it) => s + statSync(it.imagePath).size, 0) / n / 1e6;

  const decodeMs = timeIt(() => readImage(ds.items[0].imagePath), 3);
  const pngjsMs = timeIt(() => PNG.sync.read(readFileSync(ds.items[0].imagePath)), 3);
  const labelMs = timeIt(() => readLabel(ds.items[0].labelPath!), 3);
  const trainMs = timeIt(() => prepareSample(ds, { item: n - 1, seed: 7 }, { mode: 'train' }), 3);
  const evalMs = timeIt(() => prepareSample(ds, { item: n - 1, seed: 7 }, { mode: 'eval' }), 3);
  const runs = [];
  for (const w of nums(arg('workers', `1,${Math.max(1, availableParallelism() - 1)}`))) {
    for (const s of nums(arg('step-ms', '0,250,1000'))) runs.push(await loaderRun(ds, w, batch, batches, s));
  }
  const report = {
    cores: availableParallelism(), images: n, pngMB: +mb.toFixed(2), batch,
    singleThread: { decodeImage: decodeMs, decodeImagePngjs: pngjsMs, decodeLabel: labelMs, trainSample: trainMs, evalSample: evalMs },
    loader: runs,
  };
  if (!arg('dir', '')) rmSync(dir, { recursive: true, force: true });
  if (process.argv.includes('--json')) console.log(JSON.stringify(report));
  else console.log(JSON.stringify(report, null, 2));
}

await main();
