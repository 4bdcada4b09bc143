// `npx tsx scripts/paper_protocol.ts [--out DIR] [--batch 1] [--grad-accum 8] [--updates 2] [--keep]
//   [--tiny] [--set KEY=VALUE ...] [--json]`
// The paper's protocol end to end at the real image sizes, with generated data (content does not
// matter, sizes and layouts do): a GTAV tree (1914×1052, images/ + palette labels/) and a
// Cityscapes tree (2048×1024, leftImg8bit/ + gtFine/ labelIds) in a temporary directory, then
//   plca train --config configs/gta5_to_cityscapes_plca.ts   (paths and train.maxIters overridden)
//   plca eval --checkpoint RUN --aggregate --limit 1          (one full-size Cityscapes val image)
// as child processes, printing each one's wall time and peak RSS (VmHWM, polled from /proc).
// The paper's 8 source + 8 target images per update are reached as train.batchSize × train.gradAccum
// (default 1 × 8: one image per domain per forward, which the wasm heap holds at 730²).
// `--tiny` writes 96×53 / 128×64 trees and shrinks the crop to 48² (a seconds-long smoke run, what
// test/scripts/paper_protocol.test.ts runs); extra `--set`s go to both commands (e.g. model.name).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writePng } from '../src/data/image_io.js';
import { encodePng } from '../src/data/png.js';
import { writeFileAtomic } from '../src/util/atomic_write.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** The datasets' real sizes [width, height] and the tiny ones of the smoke test. */
export const SIZES = {
  real: { gtav: [1914, 1052], cityscapes: [2048, 1024] },
  tiny: { gtav: [96, 53], cityscapes: [128, 64] },
} as const;

/** Cityscapes label ids of a street scene, top to bottom (sky, building, vegetation, car, person, sidewalk, road). */
const BANDS = [23, 11, 21, 26, 24, 8, 7];

function image(w: number, h: number, seed: number): Uint8Array {
  const d = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 3 * (y * w + x);
      d[i] = (x * 3 + seed * 40) & 255;
      d[i + 1] = (y * 5 + x) & 255;
      d[i + 2] = ((x ^ y) + seed * 17) & 255;
    }
  }
  return d;
}

function labelIds(w: number, h: number, seed: number): Uint8Array {
  const d = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const band = Math.floor(((y + ((x * (seed + 1)) % 7)) * BANDS.length) / (h + 7));
      d[y * w + x] = BANDS[Math.min(band, BANDS.length - 1)];
    }
  }
  return d;
}

/** GTAV as downloaded: images/NNNNN.png and palette labels/NNNNN.png whose indices are Cityscapes ids. */
export function writeGtav(root: string, n: number, [w, h]: readonly number[]): void {
  const palette = new Uint8Array(256 * 3).map((_, i) => (i * 37) & 255);
  for (let i = 0; i < n; i++) {
    const stem = String(i + 1).padStart(5, '0');
    writePng(join(root, 'images', `${stem}.png`), { width: w, height: h, channels: 3, data: image(w, h, i) });
    const path = join(root, 'labels', `${stem}.png`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, encodePng({ width: w, height: h, channels: 1, data: labelIds(w, h, i), palette }));
  }
}

/** Cityscapes: leftImg8bit/SPLIT/CITY/*_leftImg8bit.png and gtFine/SPLIT/CITY/*_gtFine_labelIds.png. */
export function writeCityscapes(root: string, split: string, n: number, [w, h]: readonly number[]): void {
  for (let i = 0; i < n; i++) {
    const stem = `synth_000000_${String(i).padStart(6, '0')}`;
    writePng(join(root, 'leftImg8bit', split, 'synth', `${stem}_leftImg8bit.png`), { width: w, height: h, channels: 3, data: image(w, h, 50 + i) });
    writePng(join(root, 'gtFine', split, 'synth', `${stem}_gtFine_labelIds.png`), { width: w, height: h, channels: 1, data: labelIds(w, h, 50 + i) });
  }
}

export interface Measured { command: string; code: number | null; wallS: number; peakRssMB: number | null; stdout: string; stderr: string }

/** The peak resident memory of a live process (VmHWM), in MB, or null where /proc has none. */
function vmHwmMB(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** Runs the plca CLI from the sources (as bin/plca.mjs runs it compiled) and measures it. */
export function runMeasured(args: string[], onLine?: (line: string) => void): Promise<Measured> {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', TSX, join(REPO, 'src', 'cli', 'main.ts'), ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let peak: number | null = null;
    const poll = setInterval(() => { peak = Math.max(peak ?? 0, vmHwmMB(child.pid!) ?? 0) || peak; }, 100);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      for (const l of d.toString().split(/[\r\n]/)) if (l.trim()) onLine?.(l);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      resolvePromise({ command: `plca ${args.join(' ')}`, code, wallS: Math.round((performance.now() - t0) / 100) / 10, peakRssMB: peak, stdout, stderr });
    });
  });
}

export interface ProtocolOptions {
  out: string; tiny: boolean; batch: number; gradAccum: number; updates: number; sets: string[]; log: (s: string) => void;
}

/** Generates the trees, trains, evaluates; returns the measurements. */
export async function runProtocol(o: ProtocolOptions) {
  const sizes = o.tiny ? SIZES.tiny : SIZES.real;
  const gtav = join(o.out, 'gtav');
  const cs = join(o.out, 'cityscapes');
  const run = join(o.out, 'run');
  const t0 = performance.now();
  const perDomain = Math.min(o.batch * o.gradAccum, 4);
  writeGtav(gtav, perDomain, sizes.gtav);
  writeCityscapes(cs, 'train', perDomain, sizes.cityscapes);
  writeCityscapes(cs, 'val', 1, sizes.cityscapes);
  o.log(`data: ${perDomain} GTAV ${sizes.gtav.join('×')}, ${perDomain} + 1 Cityscapes ${sizes.cityscapes.join('×')} under ${o.out} (${((performance.now() - t0) / 1e3).toFixed(1)} s)`);
  const tinyData = o.tiny ? ['data.crop=[48,48]', 'data.resizeShort=[53,60]', 'data.evalSize=[48,96]'] : [];
  const sets = [...tinyData, ...o.sets].flatMap((s) => ['--set', s]);
  const loadBefore = loadavg();
  const train = await runMeasured(['train', '--config', 'configs/gta5_to_cityscapes_plca.ts', '--out', run, '--json',
    '--set', `data.source.root=${gtav}`, '--set', `data.target.root=${cs}`, '--set', `data.val.root=${cs}`,
    '--set', `train.maxIters=${o.updates}`, '--set', `train.polyHorizon=${Math.max(o.updates, 2)}`, '--set', `train.batchSize=${o.batch}`,
    '--set', `train.gradAccum=${o.gradAccum}`, '--set', 'train.valInterval=null', '--set', 'train.logInterval=1', ...sets],
  (l) => o.log(`  train: ${l}`));
  if (train.code !== 0) throw new Error(`plca train failed (${train.code}):\n${train.stderr.trim().split('\n').slice(-5).join('\n')}`);
  const stepMs = readFileSync(join(run, 'train_log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; ms?: number })
    .filter((r) => r.type === 'step').map((r) => r.ms!);
  const evalRun = await runMeasured(['eval', '--checkpoint', run, '--root', cs, '--split', 'val', '--aggregate', '--limit', '1', '--json', ...sets],
    (l) => o.log(`  eval: ${l}`));
  if (evalRun.code !== 0) throw new Error(`plca eval failed (${evalRun.code}):\n${evalRun.stderr.trim().split('\n').slice(-5).join('\n')}`);
  const report = JSON.parse(evalRun.stdout) as { images: number; inputSize: number[]; aggregate: boolean; mIoU?: number };
  return {
    sizes, loadAverage: { before: loadBefore.map((v) => +v.toFixed(2)), after: loadavg().map((v) => +v.toFixed(2)) },
    train: { updates: o.updates, imagesPerUpdatePerDomain: o.batch * o.gradAccum, batch: o.batch, gradAccum: o.gradAccum,
      wallS: train.wallS, peakRssMB: train.peakRssMB, updateMs: stepMs, checkpoint: JSON.parse(train.stdout).checkpoint as string },
    eval: { images: report.images, inputSize: report.inputSize, aggregate: report.aggregate, wallS: evalRun.wallS, peakRssMB: evalRun.peakRssMB },
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const given = arg('out');
  const out = given ?? mkdtempSync(join(tmpdir(), 'plca-paper-protocol-'));
  if (given && existsSync(join(given, 'run'))) throw new Error(`${given}/run already exists: choose another --out`);
  const sets = process.argv.flatMap((a, i) => (a === '--set' ? [process.argv[i + 1]] : []));
  const int = (name: string, d: number) => {
    const v = Number(arg(name) ?? d);
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer, got ${arg(name)}`);
    return v;
  };
  const log = (s: string) => { if (!json) console.log(s); };
  try {
    const r = await runProtocol({ out, tiny: process.argv.includes('--tiny'), batch: int('batch', 1), gradAccum: int('grad-accum', 8),
      updates: int('updates', 2), sets, log });
    if (json) console.log(JSON.stringify(r));
    else {
      log(`train: ${r.train.updates} updates of ${r.train.imagesPerUpdatePerDomain} source + ${r.train.imagesPerUpdatePerDomain} target images (batch ${r.train.batch} × ${r.train.gradAccum} accumulated) in ${r.train.wallS} s, updates ${r.train.updateMs.map((m) => (m / 1e3).toFixed(1)).join(', ')} s, peak RSS ${r.train.peakRssMB} MB`);
      log(`eval: ${r.eval.images} image ${r.eval.inputSize.join('×')}${r.eval.aggregate ? ' with aggregation' : ''} in ${r.eval.wallS} s (with start-up), peak RSS ${r.eval.peakRssMB} MB`);
      log(`load average before ${r.loadAverage.before.join(' ')}, after ${r.loadAverage.after.join(' ')}`);
    }
  } finally {
    if (!given && !process.argv.includes('--keep')) rmSync(out, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e: unknown) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
}
