/**
 * `plca bench minicity [--ablation] [--seeds N]`: the analogue of the paper's Table 1 on
 * MiniCity — each objective term added in turn, Sim-PLCA, PLCA without spatial aggregation,
 * and the target-statistics control on a BatchNorm net — as mean and spread over seeds,
 * scored on target val at the last update. Without `ablation`, the demo's two arms.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { initEngine } from '../engine/index.js';
import type { TargetOverride } from '../minicity/index.js';
import type { TrainEvent } from '../train/index.js';
import { PlcaError } from '../util/errors.js';
import { ABLATION_ARMS, DEMO_ARMS, WEIGHTINGS, type ArmSpec, type WeightingName } from './arms.js';
import { DEMO_CLASS_NAMES, generateDemoData } from './data.js';
import { DEMO_PRESETS } from './demo.js';
import { armDir, runArm } from './run_arm.js';

export interface BenchOptions {
  /** all Table 1 arms; otherwise source-only vs PLCA. @default false */
  ablation?: boolean;
  /** number of seeds (0 … n−1), or the seeds themselves. @default 3 */
  seeds?: number | number[];
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
  /** PLCA − the strongest control, per seed (controls: every source-only arm of the GN net, and the BN control when run) */
  plcaMargin: Record<string, number> | null;
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

  const per = new Map<string, Array<Awaited<ReturnType<typeof runArm>>>>();
  let index = 0;
  const total = arms.length * seeds.length;
  for (const seed of seeds) {
    for (const arm of arms) {
      index++;
      o.onProgress?.({ arm: arm.key, seed, index, total });
      const r = await runArm(arm, data, {
        steps, seed, weighting, batchSize: o.batchSize, backend: o.backend, threads: o.threads, signal: o.signal,
        outDir: armDir(out ?? join('runs', 'bench-minicity'), arm, seed),
        onEvent: (e) => o.onProgress?.({ arm: arm.key, seed, index, total, event: e, ...(e.type === 'step' ? { step: e.step, maxIters: e.maxIters } : {}) }),
      });
      per.set(arm.key, [...(per.get(arm.key) ?? []), r]);
      log(`${arm.key} seed ${seed}: target mIoU ${r.target.mIoU.toFixed(1)}${r.collapse.collapsed ? ' (COLLAPSE DETECTED)' : ''}`);
    }
  }
  const rows = arms.map((arm) => benchRow(arm, per.get(arm.key)!));
  const results: BenchResults = {
    benchmark: 'minicity', ablation: o.ablation ?? false, seeds, rows, plcaMargin: plcaMargin(rows, seeds),
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

function benchRow(arm: ArmSpec, runs: Array<Awaited<ReturnType<typeof runArm>>>): BenchRow {
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
  const controls = rows.filter((r) => ['ce', 'lovasz', 'source_only', 'bn_lovasz', 'bn_lovbn'].includes(r.key));
  if (!plca || controls.length === 0) return null;
  return Object.fromEntries(seeds.map((s) => [String(s), plca.perSeed[s] - Math.max(...controls.map((c) => c.perSeed[s]))]));
}

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
    lines.push(`PLCA − strongest control, per seed: ${Object.entries(r.plcaMargin).map(([s, v]) => `s${s} ${v >= 0 ? '+' : ''}${v.toFixed(1)}`).join(', ')}`);
  }
  lines.push(`target-val mIoU (%) over 9 classes at the last of ${r.settings.steps} updates; k = ${r.settings.k}; weights ${r.settings.weighting}`);
  return lines.join('\n');
}
