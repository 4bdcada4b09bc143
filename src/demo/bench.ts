/**
 * `plca bench minicity [--ablation] [--seeds N]`: the analogue of the paper's Table 1 on
 * MiniCity — each objective term added in turn, Sim-PLCA, PLCA without spatial aggregation,
 * and the target-statistics control on a BatchNorm net — as mean and spread over seeds,
 * scored on target val at the last update. Without `ablation`, the demo's two arms.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import type { ResolvedConfig } from '../config/index.js';
import { initEngine } from '../engine/index.js';
import { miniCityStyleDigest } from '../pipeline/index.js';
import type { TrainEvent } from '../train/index.js';
import { writeFileAtomic } from '../util/atomic_write.js';
import { PlcaError } from '../util/errors.js';
import {
  ABLATION_ARMS, armCommand, armConfig, branchOverrides, COMPARISON_ARMS, CONTROL_KEYS, DEMO_ARMS, findArms, miniCitySettings, settingsOverrides,
  weightingName, type ArmSpec, type MiniCityRunOptions,
} from './arms.js';
import { runPool } from './arm_pool.js';
import { runArmInChild } from './arm_process.js';
import { styleArg } from './style_arg.js';
import { DEMO_CLASS_NAMES } from './results.js';
import { armDir, runArm, type ArmResult } from './run_arm.js';

export interface BenchOptions extends MiniCityRunOptions {
  /** all Table 1 arms; otherwise source-only, the controls and PLCA (COMPARISON_ARMS). @default false */
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
  out?: string;
  signal?: AbortSignal;
  onProgress?: (p: { arm: string; seed: number; index: number; total: number; step?: number; maxIters?: number; event?: TrainEvent }) => void;
  log?: (line: string) => void;
}

export interface BenchRow {
  key: string;
  label: string;
  mode: string;
  model: string;
  /** the arm's `plca train` command (seed 0) */
  command: string;
  /** target-val mIoU per seed, % */
  perSeed: Record<string, number>;
  mean: number;
  /** sample standard deviation over seeds (0 for one seed) */
  std: number;
  min: number;
  max: number;
  /** mean per-class IoU over seeds, % */
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
  /** PLCA (GN) − the strongest control of any network, per seed (controls: every source-only arm incl. augmentation and self-training, and the BN target-statistics control when run) */
  plcaMargin: Record<string, number> | null;
  /**
   * PLCA − the strongest control of the SAME network, per network and seed: GN PLCA against CE / CE + Lovász,
   * BN PLCA against BN CE + Lovász and its target-statistics control. Why both: the BN control adapts through
   * normalisation statistics, which the GN net cannot use, so it is the bar for BN PLCA; the cross-network
   * margin says whether PLCA beats every way of adapting that was run.
   */
  sameNetMargins: Record<string, Record<string, number>>;
  settings: { steps: number; k: number; trainImages: number; valImages: number; weighting: string; weights: Record<string, number>; overrides: string[] };
  wallSeconds: number;
  createdAt: string;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const std = (xs: number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

interface Task { arm: ArmSpec; seed: number; index: number; overrides: string[]; dir: string; fp: RunFingerprint; after?: string }

const taskKey = (arm: string, seed: number) => `${arm}@${seed}`;

/** Runs the benchmark; writes bench.json and bench.txt to `out` when given. */
export async function runMinicityBench(o: BenchOptions = {}): Promise<BenchResults> {
  const t0 = Date.now();
  const seeds = Array.isArray(o.seeds) ? o.seeds : Array.from({ length: o.seeds ?? 3 }, (_, i) => i);
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s))) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `bench minicity: seeds must be integers (at least one), got ${JSON.stringify(o.seeds)}`);
  }
  const arms = findArms(o.ablation ? ABLATION_ARMS : COMPARISON_ARMS, o.only, 'bench minicity');
  for (const arm of arms) {
    if (arm.from && !arms.some((a) => a.key === arm.from!.arm)) {
      throw new PlcaError('PLCA_INVALID_ARGUMENT', `bench minicity: the ${arm.key} arm starts from the ${arm.from.arm} arm; run both (--only ${arm.from.arm},${arm.key})`);
    }
  }
  const log = o.log ?? ((l: string) => console.log(l));
  const jobs0 = Math.max(1, o.jobs ?? 1);
  const threads = o.threads ?? (jobs0 > 1 ? Math.max(1, Math.floor(cpus().length / jobs0)) : undefined);
  const overridesOf = (seed: number) => settingsOverrides(miniCitySettings({ ...o, threads, targetStyle: o.targetStyle && styleArg(o.targetStyle) }, seed));
  const out = o.out ? resolve(o.out) : undefined;
  if (out) mkdirSync(out, { recursive: true });
  const parent = out ?? resolve('runs', 'bench-minicity');

  // Every arm's config resolves before any work: a bad override or style file fails here.
  const tasks: Task[] = [];
  for (const seed of seeds) {
    for (const arm of arms) {
      let overrides = overridesOf(seed);
      if (arm.from) {
        // A fine-tuning arm starts from its parent's run of the same seed (branchOverrides).
        const parentArm = arms.find((a) => a.key === arm.from!.arm)!;
        const steps = (await armConfig(parentArm, overrides)).train.maxIters;
        overrides = [...overrides, ...branchOverrides(arm, steps, armDir(parent, parentArm, seed))];
      }
      const cfg = await armConfig(arm, overrides);
      tasks.push({
        arm, seed, index: tasks.length + 1, overrides, dir: armDir(parent, arm, seed), fp: fingerprint(arm, cfg),
        after: arm.from ? taskKey(arm.from.arm, seed) : undefined,
      });
    }
  }
  const first = await armConfig(DEMO_ARMS[1], overridesOf(seeds[0])); // the PLCA config: the run's settings
  await initEngine({ backend: first.runtime.backend, threads: first.runtime.threads ?? undefined });
  const jobs = Math.min(jobs0, tasks.length);
  if (jobs > 1) {
    if (!out) throw new PlcaError('PLCA_INVALID_ARGUMENT', 'bench minicity: --jobs needs --out (the parallel runs write their results there)');
    await runInChildren(tasks, jobs, o.signal, log);
  }

  const per = new Map<string, StoredRun[]>();
  for (const t of tasks) {
    const { arm, seed, index } = t;
    let r = readStoredRun(t.dir, t.fp);
    if (r) {
      log(`${arm.key} seed ${seed}: target mIoU ${r.target.mIoU.toFixed(1)} (reused ${join(t.dir, RESULT_FILE)})`);
    } else {
      o.onProgress?.({ arm: arm.key, seed, index, total: tasks.length });
      const full = await runArm(arm, {
        set: t.overrides, signal: o.signal, outDir: t.dir,
        onEvent: (e) => o.onProgress?.({ arm: arm.key, seed, index, total: tasks.length, event: e, ...(e.type === 'step' ? { step: e.step, maxIters: e.maxIters } : {}) }),
      });
      r = storeRun(t.dir, t.fp, full);
      log(`${arm.key} seed ${seed}: target mIoU ${r.target.mIoU.toFixed(1)}${r.collapse.collapsed ? ' (COLLAPSE DETECTED)' : ''}`);
    }
    per.set(arm.key, [...(per.get(arm.key) ?? []), r]);
  }
  const rows = arms.map((arm) => benchRow(arm, per.get(arm.key)!, overridesOf(seeds[0])));
  const m = first.data.minicity;
  const results: BenchResults = {
    benchmark: 'minicity', ablation: o.ablation ?? false, seeds, rows, plcaMargin: plcaMargin(rows, seeds),
    sameNetMargins: sameNetMargins(rows, seeds),
    settings: {
      steps: first.train.maxIters, k: m.targetGap, trainImages: m.trainImages, valImages: m.valImages,
      weighting: weightingName(first.method.weights), weights: { ...first.method.weights }, overrides: overridesOf(seeds[0]).filter((x) => !x.startsWith('train.seed=')),
    },
    wallSeconds: (Date.now() - t0) / 1000, createdAt: new Date().toISOString(),
  };
  const table = formatBenchTable(results);
  log(table);
  if (out) {
    writeFileAtomic(join(out, 'bench.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileAtomic(join(out, 'bench.txt'), `${table}\n`);
  }
  return results;
}

/**
 * What identifies one finished run; a stored result is reused only when all of it matches: the
 * arm, the seed, and a digest of the resolved config (without its name and runtime, which do not
 * change the scores) and of the target style file's content.
 */
interface RunFingerprint { key: string; seed: number; config: string; targetStyle: string | null }

export function fingerprint(arm: ArmSpec, cfg: ResolvedConfig): RunFingerprint {
  return {
    key: arm.key, seed: cfg.train.seed, config: createHash('sha256').update(JSON.stringify(scoredConfig(cfg))).digest('hex').slice(0, 16),
    targetStyle: miniCityStyleDigest(cfg.data),
  };
}

/**
 * The part of a resolved config that can change a run's scores: without its name and runtime,
 * and without the collapse guard's settings where the trainer builds no guard (disabled, or no
 * feature association to watch). Why: a new guard option must not make every stored control run
 * (none of which has a guard) count as stale.
 */
function scoredConfig(cfg: ResolvedConfig): object {
  const { name: _n, runtime: _r, ...rest } = cfg;
  const guarded = cfg.train.collapseGuard.enabled && cfg.method.switches.fass;
  if (guarded) return rest;
  const { collapseGuard: _g, ...train } = rest.train;
  return { ...rest, train };
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
 * at a time (their threads are in the overrides), a fine-tuning arm after its parent, and stores
 * each result as it finishes. Stored runs are not run again.
 */
async function runInChildren(tasks: Task[], jobs: number, signal: AbortSignal | undefined, log: (l: string) => void): Promise<void> {
  // PLCA runs first within each seed: the longest ones start at once, the shorter ones queue beside them.
  const order = [...tasks].sort((a, b) => a.seed - b.seed || Number(b.arm.key === 'plca') - Number(a.arm.key === 'plca'));
  await runPool(order.map((t) => ({
    key: taskKey(t.arm.key, t.seed), after: t.after,
    run: async () => {
      if (readStoredRun(t.dir, t.fp) !== undefined) return;
      log(`${t.arm.key} seed ${t.seed}: started in a child process`);
      const r = await runArmInChild({ arm: t.arm, options: { set: t.overrides, outDir: t.dir } }, undefined, signal);
      storeRun(t.dir, t.fp, r);
    },
  })), jobs);
}

function benchRow(arm: ArmSpec, runs: StoredRun[], overrides: string[]): BenchRow {
  const m = runs.map((r) => r.target.mIoU);
  const perClassMean = Object.fromEntries(DEMO_CLASS_NAMES.map((c) => {
    const v = runs.map((r) => r.target.perClass[c]).filter((x): x is number => x !== null);
    return [c, v.length > 0 ? mean(v) : null];
  }));
  const src = runs.map((r) => r.source?.mIoU).filter((x): x is number => x !== undefined);
  return {
    key: arm.key, label: arm.label, mode: runs[0].mode, model: runs[0].model, command: armCommand(arm, overrides),
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
  const controls = rows.filter((r) => CONTROL_KEYS.includes(r.key));
  if (!plca || controls.length === 0) return null;
  return Object.fromEntries(seeds.map((s) => [String(s), plca.perSeed[s] - Math.max(...controls.map((c) => c.perSeed[s]))]));
}


/** Per network: its PLCA arm minus the best of its own controls, per seed (networks lacking either are left out). */
export function sameNetMargins(rows: BenchRow[], seeds: number[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const plca of rows.filter((r) => r.mode === 'plca')) {
    const controls = rows.filter((r) => r.model === plca.model && CONTROL_KEYS.includes(r.key));
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

/** One shift's line of the shift table: each arm's mean ± std and PLCA's margins. */
export interface ShiftRow {
  shift: string;
  arms: Record<string, { label: string; mean: number; std: number; collapsedSeeds: number[] }>;
  /** the control with the highest mean (source-only included) */
  strongestControl: { key: string; mean: number } | null;
  /** PLCA − the strongest control of each seed (as `plcaMargin`): mean and std over seeds */
  marginVsStrongest: { mean: number; std: number; perSeed: Record<string, number> } | null;
  /** PLCA − source-only, mean over seeds */
  gainVsSourceOnly: number | null;
}

export interface ShiftBenchResults {
  benchmark: 'minicity-shifts';
  seeds: number[];
  shifts: string[];
  rows: ShiftRow[];
  /** every shift's full benchmark result */
  perShift: Record<string, BenchResults>;
  wallSeconds: number;
  createdAt: string;
}

/**
 * `plca bench minicity --shifts a,b`: the benchmark (the comparison arms, or `only`) on each
 * target shift (a preset name of src/minicity/shifts.ts or a style file), each under out/SHIFT/
 * (stored runs are reused), then one table: per shift and arm, mean ± std over seeds, and PLCA's
 * margin over the strongest control. Writes shifts.json and shifts.txt to `out` when given.
 */
export async function runMinicityShifts(o: BenchOptions & { shifts: string[] }): Promise<ShiftBenchResults> {
  const t0 = Date.now();
  if (o.shifts.length === 0) throw new PlcaError('PLCA_INVALID_ARGUMENT', 'bench minicity: --shifts names no shift');
  if (o.targetStyle !== undefined) throw new PlcaError('PLCA_INVALID_ARGUMENT', 'bench minicity: give --shifts or --target-style, not both');
  const log = o.log ?? ((l: string) => console.log(l));
  const out = o.out ? resolve(o.out) : undefined;
  const perShift: Record<string, BenchResults> = {};
  const rows: ShiftRow[] = [];
  for (const shift of o.shifts) {
    log(`== shift ${shift}`);
    const r = await runMinicityBench({ ...o, targetStyle: shift, out: out && join(out, shiftDirName(shift)) });
    perShift[shift] = r;
    rows.push(shiftRow(shift, r));
    if (out) writeShiftOutputs(out, o.shifts, rows, perShift, r.seeds, t0); // partial tables survive an interrupted run
  }
  const results = shiftResults(rows, perShift, Object.values(perShift)[0].seeds, o.shifts, t0);
  const table = formatShiftTable(results);
  log(table);
  if (out) writeShiftOutputs(out, o.shifts, rows, perShift, results.seeds, t0);
  return results;
}

/** A folder name for a shift (a preset's name, or a style file's base name). */
function shiftDirName(shift: string): string {
  return shift.replace(/^.*[/\\]/, '').replace(/\.json$/i, '').replace(/[^\w-]/g, '_');
}

function shiftResults(rows: ShiftRow[], perShift: Record<string, BenchResults>, seeds: number[], shifts: string[], t0: number): ShiftBenchResults {
  return { benchmark: 'minicity-shifts', seeds, shifts, rows, perShift, wallSeconds: (Date.now() - t0) / 1000, createdAt: new Date().toISOString() };
}

function writeShiftOutputs(out: string, shifts: string[], rows: ShiftRow[], perShift: Record<string, BenchResults>, seeds: number[], t0: number): void {
  const r = shiftResults(rows, perShift, seeds, shifts, t0);
  writeFileAtomic(join(out, 'shifts.json'), `${JSON.stringify(r, null, 2)}\n`);
  writeFileAtomic(join(out, 'shifts.txt'), `${formatShiftTable(r)}\n`);
}

/** The shift table's line of one shift's benchmark. */
export function shiftRow(shift: string, r: BenchResults): ShiftRow {
  const arms = Object.fromEntries(r.rows.map((x) => [x.key, { label: x.label, mean: x.mean, std: x.std, collapsedSeeds: x.collapsedSeeds }]));
  const controls = r.rows.filter((x) => CONTROL_KEYS.includes(x.key));
  const best = controls.length === 0 ? null : controls.reduce((a, b) => (b.mean > a.mean ? b : a));
  const m = r.plcaMargin === null ? null : Object.values(r.plcaMargin);
  const plca = r.rows.find((x) => x.key === 'plca');
  const so = r.rows.find((x) => x.key === 'source_only');
  return {
    shift, arms,
    strongestControl: best && { key: best.key, mean: best.mean },
    marginVsStrongest: m === null ? null : { mean: mean(m), std: std(m), perSeed: r.plcaMargin! },
    gainVsSourceOnly: plca && so ? plca.mean - so.mean : null,
  };
}

/** One line per shift: each arm's mean ± std, PLCA − source-only and PLCA − the strongest control. */
export function formatShiftTable(r: ShiftBenchResults): string {
  const keys = [...new Set(r.rows.flatMap((x) => Object.keys(x.arms)))];
  const w = Math.max(8, ...r.shifts.map((s) => s.length)) + 2;
  const c = 13;
  const sg = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}`;
  const labels: Record<string, string> = { source_only: 'source only', source_only_aug: '+ augment', self_training: '+ self-train', plca: 'PLCA' };
  const head = `${'shift'.padEnd(w)}${keys.map((k) => (labels[k] ?? k).padStart(c)).join('')}${'PLCA−src'.padStart(10)}${'PLCA−best'.padStart(16)}  notes`;
  const lines = [head, '-'.repeat(head.length + 10)];
  for (const x of r.rows) {
    const cells = keys.map((k) => (x.arms[k] ? `${x.arms[k].mean.toFixed(1)} ± ${x.arms[k].std.toFixed(1)}` : '-').padStart(c)).join('');
    const best = x.marginVsStrongest ? `${sg(x.marginVsStrongest.mean)} ± ${x.marginVsStrongest.std.toFixed(1)}` : '-';
    const notes = [
      x.strongestControl ? `best control: ${labels[x.strongestControl.key] ?? x.strongestControl.key}` : '',
      ...Object.entries(x.arms).filter(([, a]) => a.collapsedSeeds.length > 0).map(([k, a]) => `${labels[k] ?? k} collapse on seed ${a.collapsedSeeds.join(', ')}`),
    ].filter((n) => n !== '').join('; ');
    lines.push(`${x.shift.padEnd(w)}${cells}${(x.gainVsSourceOnly === null ? '-' : sg(x.gainVsSourceOnly)).padStart(10)}${best.padStart(16)}  ${notes}`);
  }
  const s = Object.values(r.perShift)[0]?.settings;
  lines.push(`target-val mIoU (%) at the last update, mean ± std over seeds ${r.seeds.join(', ')}${s ? `; ${s.steps} updates, k = ${s.k}, ${s.trainImages} train images per domain` : ''}; PLCA−best: PLCA minus the strongest control of each seed`);
  return lines.join('\n');
}
