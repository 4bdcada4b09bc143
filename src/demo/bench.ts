/**
 * `plca bench minicity [--ablation] [--seeds N]`: the analogue of the paper's Table 1 on
 * MiniCity — each objective term added in turn, Sim-PLCA, PLCA without spatial aggregation,
 * and the target-statistics control on a BatchNorm net — as mean and spread over seeds,
 * scored on target val at the last update. Without `ablation`, the demo's two arms.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { initEngine } from '../engine/index.js';
import type { TargetOverride } from '../minicity/index.js';
import type { TrainEvent } from '../train/index.js';
import { writeFileAtomic } from '../util/atomic_write.js';
import { PlcaError } from '../util/errors.js';
import { ABLATION_ARMS, DEMO_ARMS, WEIGHTINGS, type ArmSpec, type WeightingName } from './arms.js';
import { DEMO_CLASS_NAMES, generateDemoData } from './data.js';
import { DEMO_PRESETS } from './demo.js';
import { runArmInChild } from './arm_process.js';
import { armDir, runArm, type ArmResult } from './run_arm.js';

export interface BenchOptions {
  /** all Table 1 arms; otherwise source-only vs PLCA. @default false */
  ablation?: boolean;
  /** number of seeds (0 … n−1), or the seeds themselves. @default 3 */
  seeds?: number | number[];
  /**
   * Training runs at a time, each in its own process with threads = cores / jobs. Why: one run
   * gains little from a second wasm thread, two single-threaded runs nearly double throughput.
   * Needs `out` (the runs are stored there). @default 1
   */
  jobs?: number;
  /** arm keys to run (a subset of the selected table) */
  only?: string[];
  steps?: number;
  quick?: boolean;
  k?: number;
  targetStyle?: TargetOverride;
  sizes?: { train?: number; val?: number };
  weighting?: WeightingName;
  batchSize?: number;
  out?: string;
  backend?: 'auto' | 'wasm' | 'cpu';
  threads?: number;
  signal?: AbortSignal;
  onProgress?: (p: { arm: string; seed: number; index: number; total: number; step?: number; maxIters?: number; event?: TrainEvent }) => void;
  log?: (line: string) => void;
}

export interface BenchRow {
  key: string;
  label: string;
  mode: string;
  model: string;
  /** target-val mIoU per seed, % */
  perSeed: Record<string, number>;
  mean: number;
  /** sample standard deviation over seeds (0 for one seed) */
  std: number;
  min: number;
  max: number;
  /** mean per-class IoU over seeds */
  perClassMean: Record<string, number | null>;
  sourceMIoUMean: number | null;
  /** seeds whose run the label-free check flagged */
  collapsedSeeds: number[];
  trainSecondsMean: number;
}

export interface BenchResults {
  benchmark: 'minicity';
  ablation: boolean;
  seeds: number[];
  rows: BenchRow[];
  /** PLCA (GN) − the strongest control of any network, per seed (controls: every source-only arm, and the BN target-statistics control when run) */
  plcaMargin: Record<string, number> | null;
  /**
   * PLCA − the strongest control of the SAME network, per network and seed: GN PLCA against CE / CE + Lovász,
   * BN PLCA against BN CE + Lovász and its target-statistics control. Why both: the BN control adapts through
   * normalisation statistics, which the GN net cannot use, so it is the bar for BN PLCA; the cross-network
   * margin says whether PLCA beats every way of adapting that was run.
   */
  sameNetMargins: Record<string, Record<string, number>>;
  settings: { steps: number; k: number; trainImages: number; valImages: number; weighting: string; weights: Record<string, number> };
  wallSeconds: number;
  createdAt: string;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const std = (xs: number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

/** Runs the benchmark; writes bench.json and bench.txt to `out` when given. */
export async function runMinicityBench(o: BenchOptions = {}): Promise<BenchResults> {
  const t0 = Date.now();
  const seeds = Array.isArray(o.seeds) ? o.seeds : Array.from({ length: o.seeds ?? 3 }, (_, i) => i);
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s))) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `bench minicity: seeds must be integers (at least one), got ${JSON.stringify(o.seeds)}`);
  }
  let arms: readonly ArmSpec[] = o.ablation ? ABLATION_ARMS : DEMO_ARMS;
  if (o.only) {
    const unknown = o.only.filter((k) => !arms.some((a) => a.key === k));
    if (unknown.length > 0) {
      throw new PlcaError('PLCA_INVALID_ARGUMENT', `bench minicity: unknown arm(s) ${unknown.join(', ')}; known: ${arms.map((a) => a.key).join(', ')}`);
    }
    arms = arms.filter((a) => o.only!.includes(a.key));
  }
  const preset = o.quick ? DEMO_PRESETS.quick : DEMO_PRESETS.full;
  const steps = o.steps ?? preset.steps;
  const k = o.k ?? 0.6;
  const sizes = { train: o.sizes?.train ?? preset.train, val: o.sizes?.val ?? preset.val };
  const weighting = o.weighting ?? 'scaled';
  const log = o.log ?? ((l: string) => console.log(l));
  await initEngine({ backend: o.backend ?? 'auto', threads: o.threads });
  const data = generateDemoData(sizes, k, o.targetStyle);
  const out = o.out ? resolve(o.out) : undefined;
  if (out) mkdirSync(out, { recursive: true });

  const parent = out ?? resolve('runs', 'bench-minicity');
  const fingerprint = (arm: ArmSpec, seed: number): RunFingerprint => ({
    key: arm.key, mode: arm.mode, model: arm.model, seed, steps, k, trainImages: sizes.train, valImages: sizes.val,
    weighting, batchSize: o.batchSize ?? null,
    targetStyle: o.targetStyle === undefined ? null : createHash('sha256').update(JSON.stringify(o.targetStyle)).digest('hex').slice(0, 16),
  });
  const tasks = seeds.flatMap((seed) => arms.map((arm) => ({ arm, seed })));
  const jobs = Math.max(1, Math.min(o.jobs ?? 1, tasks.length));
  if (jobs > 1) {
    if (!out) throw new PlcaError('PLCA_INVALID_ARGUMENT', 'bench minicity: --jobs needs --out (the parallel runs write their results there)');
    const pending = tasks.map((t) => ({ ...t, dir: armDir(parent, t.arm, t.seed), fp: fingerprint(t.arm, t.seed) }))
      .filter((t) => readStoredRun(t.dir, t.fp) === undefined);
    await runInChildren(pending, jobs, o, { steps, k, sizes, weighting, log });
  }

  const per = new Map<string, StoredRun[]>();
  for (const [i, { arm, seed }] of tasks.entries()) {
    const index = i + 1;
    const dir = armDir(parent, arm, seed);
    const fp = fingerprint(arm, seed);
    let r = readStoredRun(dir, fp);
    if (r) {
      log(`${arm.key} seed ${seed}: target mIoU ${r.target.mIoU.toFixed(1)} (reused ${join(dir, RESULT_FILE)})`);
    } else {
      o.onProgress?.({ arm: arm.key, seed, index, total: tasks.length });
      const full = await runArm(arm, data, {
        steps, seed, weighting, batchSize: o.batchSize, backend: o.backend, threads: o.threads, signal: o.signal, outDir: dir,
        onEvent: (e) => o.onProgress?.({ arm: arm.key, seed, index, total: tasks.length, event: e, ...(e.type === 'step' ? { step: e.step, maxIters: e.maxIters } : {}) }),
      });
      r = storeRun(dir, fp, full);
      log(`${arm.key} seed ${seed}: target mIoU ${r.target.mIoU.toFixed(1)}${r.collapse.collapsed ? ' (COLLAPSE DETECTED)' : ''}`);
    }
    per.set(arm.key, [...(per.get(arm.key) ?? []), r]);
  }
  const rows = arms.map((arm) => benchRow(arm, per.get(arm.key)!));
  const results: BenchResults = {
    benchmark: 'minicity', ablation: o.ablation ?? false, seeds, rows, plcaMargin: plcaMargin(rows, seeds),
    sameNetMargins: sameNetMargins(rows, seeds),
    settings: { steps, k, trainImages: sizes.train, valImages: sizes.val, weighting, weights: { ...WEIGHTINGS[weighting] } },
    wallSeconds: (Date.now() - t0) / 1000, createdAt: new Date().toISOString(),
  };
  const table = formatBenchTable(results);
  log(table);
  if (out) {
    writeFileSync(join(out, 'bench.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(out, 'bench.txt'), `${table}\n`);
  }
  return results;
}

/** What identifies one finished run; a stored result is reused only when all of it matches. */
interface RunFingerprint {
  key: string; mode: string; model: string; seed: number; steps: number; k: number;
  trainImages: number; valImages: number; weighting: string; batchSize: number | null; targetStyle: string | null;
}

/** An arm's result as stored beside its run (predictions left out). */
type StoredRun = Omit<ArmResult, 'predictions'>;

const RESULT_FILE = 'result.json';

/** The stored result of a finished run with this fingerprint, if any. Why: an interrupted benchmark resumes, and parallel runs meet on disk. */
function readStoredRun(dir: string, fp: RunFingerprint): StoredRun | undefined {
  const file = join(dir, RESULT_FILE);
  if (!existsSync(file)) return undefined;
  let parsed: { fingerprint?: unknown; result?: StoredRun };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as typeof parsed;
  } catch {
    return undefined; // unreadable: the run is done again and the file replaced
  }
  return JSON.stringify(parsed.fingerprint) === JSON.stringify(fp) ? parsed.result : undefined;
}

function storeRun(dir: string, fp: RunFingerprint, r: ArmResult): StoredRun {
  const { predictions: _p, ...stored } = r;
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, RESULT_FILE), `${JSON.stringify({ fingerprint: fp, result: stored })}\n`);
  return stored;
}

/**
 * Runs each pending (arm, seed) in a child process (`runArmInChild`, the demo's mechanism), `jobs`
 * at a time with cores / jobs threads each, and stores each result as it finishes.
 */
async function runInChildren(
  tasks: Array<{ arm: ArmSpec; seed: number; dir: string; fp: RunFingerprint }>, jobs: number, o: BenchOptions,
  s: { steps: number; k: number; sizes: { train: number; val: number }; weighting: WeightingName; log: (l: string) => void },
): Promise<void> {
  const threads = o.threads ?? Math.max(1, Math.floor(cpus().length / jobs));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const t = tasks[next++];
      s.log(`${t.arm.key} seed ${t.seed}: started in a child process (${threads} thread${threads === 1 ? '' : 's'})`);
      const r = await runArmInChild({
        arm: t.arm, sizes: s.sizes, k: s.k, targetStyle: o.targetStyle, resultPath: join(t.dir, 'arm_result.json'),
        options: { steps: s.steps, seed: t.seed, weighting: s.weighting, batchSize: o.batchSize, backend: o.backend, threads, outDir: t.dir },
      }, undefined, o.signal);
      storeRun(t.dir, t.fp, r);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
}

function benchRow(arm: ArmSpec, runs: StoredRun[]): BenchRow {
  const m = runs.map((r) => r.target.mIoU);
  const perClassMean = Object.fromEntries(DEMO_CLASS_NAMES.map((c) => {
    const v = runs.map((r) => r.target.perClass[c]).filter((x): x is number => x !== null);
    return [c, v.length > 0 ? mean(v) : null];
  }));
  const src = runs.map((r) => r.source?.mIoU).filter((x): x is number => x !== undefined);
  return {
    key: arm.key, label: arm.label, mode: arm.mode, model: arm.model,
    perSeed: Object.fromEntries(runs.map((r) => [String(r.seed), r.target.mIoU])),
    mean: mean(m), std: std(m), min: Math.min(...m), max: Math.max(...m), perClassMean,
    sourceMIoUMean: src.length > 0 ? mean(src) : null,
    collapsedSeeds: runs.filter((r) => r.collapse.collapsed).map((r) => r.seed),
    trainSecondsMean: mean(runs.map((r) => r.trainSeconds)),
  };
}

/** PLCA (GN) minus the best control on each seed; null when PLCA or every control is missing. */
export function plcaMargin(rows: BenchRow[], seeds: number[]): Record<string, number> | null {
  const plca = rows.find((r) => r.key === 'plca');
  const controls = rows.filter((r) => CONTROLS.includes(r.key));
  if (!plca || controls.length === 0) return null;
  return Object.fromEntries(seeds.map((s) => [String(s), plca.perSeed[s] - Math.max(...controls.map((c) => c.perSeed[s]))]));
}

const CONTROLS = ['ce', 'lovasz', 'source_only', 'bn_lovasz', 'bn_lovbn'];

/** Per network: its PLCA arm minus the best of its own controls, per seed (networks lacking either are left out). */
export function sameNetMargins(rows: BenchRow[], seeds: number[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const plca of rows.filter((r) => r.mode === 'plca')) {
    const controls = rows.filter((r) => r.model === plca.model && CONTROLS.includes(r.key));
    if (controls.length === 0) continue;
    out[plca.model] = Object.fromEntries(seeds.map((s) => [String(s), plca.perSeed[s] - Math.max(...controls.map((c) => c.perSeed[s]))]));
  }
  return out;
}

const fmtMargins = (m: Record<string, number>): string => Object.entries(m).map(([s, v]) => `s${s} ${v >= 0 ? '+' : ''}${v.toFixed(1)}`).join(', ');

/** The table: one row per arm, mean ± std and per-seed values. */
export function formatBenchTable(r: BenchResults): string {
  const w = Math.max(...r.rows.map((x) => x.label.length), 10) + 2;
  const head = `${'method'.padEnd(w)}${'mean'.padStart(7)}${'± std'.padStart(8)}${r.seeds.map((s) => `s${s}`.padStart(7)).join('')}${'src'.padStart(7)}  notes`;
  const lines = [head, '-'.repeat(head.length + 6)];
  for (const x of r.rows) {
    const notes = x.collapsedSeeds.length > 0 ? `collapse on seed ${x.collapsedSeeds.join(', ')}` : '';
    lines.push(`${x.label.padEnd(w)}${x.mean.toFixed(1).padStart(7)}${x.std.toFixed(1).padStart(8)}${r.seeds.map((s) => (x.perSeed[s]?.toFixed(1) ?? '-').padStart(7)).join('')}${(x.sourceMIoUMean?.toFixed(1) ?? '-').padStart(7)}  ${notes}`);
  }
  if (r.plcaMargin) {
    lines.push(`PLCA (GN) − strongest control of any network, per seed: ${fmtMargins(r.plcaMargin)}`);
  }
  for (const [model, m] of Object.entries(r.sameNetMargins ?? {})) {
    lines.push(`${model} PLCA − strongest ${model} control, per seed: ${fmtMargins(m)}`);
  }
  lines.push(`target-val mIoU (%) over 9 classes at the last of ${r.settings.steps} updates; k = ${r.settings.k}; weights ${r.settings.weighting}`);
  return lines.join('\n');
}
