/**
 * `plca demo` / `npm start`: generate MiniCity, train source-only (+ Lovász) and PLCA with the
 * GroupNorm CPU net from the same seed, score both on target val at the last update, print the
 * per-class table and the gain, and write results.json and report.html.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { initEngine } from '../engine/index.js';
import type { MiniCitySet, TargetOverride } from '../minicity/index.js';
import type { TrainEvent } from '../train/index.js';
import { PlcaError } from '../util/errors.js';
import { DEMO_ARMS, WEIGHTINGS, type WeightingName } from './arms.js';
import { DEMO_CLASS_NAMES, generateDemoData, type DemoDataSizes } from './data.js';
import { mosaicPng } from './mosaic.js';
import { renderReport } from './report.js';
import { formatComparison, summarize, type DemoResults, type DemoSettings } from './results.js';
import { runArmInChild } from './arm_process.js';
import { armDir, runArm, type ArmResult, type ArmRunOptions } from './run_arm.js';

/**
 * Default and quick settings. `full` is what scripts/minicity_arm.ts measured (k 0.6, seed 0,
 * 600 updates, 1000 train images per domain, 200 target-val): source-only 55.1, PLCA 66.0 mIoU.
 * 300 updates gave only +8.6 / +11.2 (seeds 0 / 1), so the default keeps the prototype's 600.
 * 1000 rather than the prototype's 2000 train images: generation time counts against the demo's
 * budget, and 600 updates of 4 images see each image about 2.4 times.
 */
export const DEMO_PRESETS = {
  full: { steps: 600, train: 1000, val: 200, curveEvery: 100 },
  quick: { steps: 120, train: 300, val: 100, curveEvery: 40 },
} as const;

export interface DemoProgress {
  /** 'data' | 'source_only' | 'plca' | 'eval' | 'report' */
  phase: string;
  /** 1-based arm index and count, during training */
  arm?: number;
  arms?: number;
  step?: number;
  maxIters?: number;
  message?: string;
  event?: TrainEvent;
}

export interface DemoOptions {
  /** output folder. @default runs/demo-<timestamp> */
  out?: string;
  /** ≈ 2 minutes instead of ≤ 10 on 2 cores */
  quick?: boolean;
  /** training seed (weights, order, flips); the data seeds are fixed. @default 0 */
  seed?: number;
  /** target style gap. @default 0.6 */
  k?: number;
  /** a parsed `--target-style` override */
  targetStyle?: TargetOverride;
  /** updates per arm (overrides the preset) */
  steps?: number;
  /** image counts (override the preset; tests use tiny sets) */
  sizes?: Partial<DemoDataSizes>;
  /** source (and target) images per update. @default 4 */
  batchSize?: number;
  /** @default 'scaled' (see WEIGHTINGS) */
  weighting?: WeightingName;
  /** target-val images scored for the training-curve chart every this many updates; 0 = off */
  curveEvery?: number;
  /** rows of the mosaic. @default 6 */
  mosaicRows?: number;
  backend?: 'auto' | 'wasm' | 'cpu';
  /** wasm threads of each training run. @default cores / jobs */
  threads?: number;
  /**
   * Train the two arms side by side, each in its own process (1 = one after the other, in this
   * process). Why: a run gains little from a second wasm thread, two single-threaded runs
   * nearly halve the wall time on 2 cores. The scores do not depend on it. @default min(2, cores)
   */
  jobs?: number;
  signal?: AbortSignal;
  onProgress?: (p: DemoProgress) => void;
  /** printed lines (the table, the path). @default console.log */
  log?: (line: string) => void;
}

export interface DemoOutput {
  outDir: string;
  results: DemoResults;
  resultsPath: string;
  reportPath: string;
}

export interface DemoOutputsInput {
  sourceOnly: ArmResult;
  plca: ArmResult;
  /** the set the arms were scored on (mosaic images and ground truth) */
  targetVal: MiniCitySet;
  settings: DemoSettings;
  mosaicRows: number;
  wallSeconds: number;
  dataGenerationSeconds: number;
}

/**
 * results.json and report.html from two finished arms (also used by scripts/minicity_report.ts
 * to assemble a report from arms trained in separate processes).
 */
export function writeDemoOutputs(outDir: string, x: DemoOutputsInput): { results: DemoResults; resultsPath: string; reportPath: string } {
  const so = x.sourceOnly;
  const pl = x.plca;
  if (!so.predictions || !pl.predictions) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', 'writeDemoOutputs: both arms must keep their target-val predictions (keepPredictions) for the mosaic');
  }
  const results: DemoResults = {
    benchmark: 'minicity', seed: x.settings.seed,
    runs: { source_only: summarize(so, DEMO_CLASS_NAMES), plca: summarize(pl, DEMO_CLASS_NAMES) },
    gain: pl.target.mIoU - so.target.mIoU,
    wallSeconds: x.wallSeconds,
    settings: x.settings,
    diagnostics: { collapseDetected: so.collapse.collapsed || pl.collapse.collapsed, dataGenerationSeconds: x.dataGenerationSeconds },
    createdAt: new Date().toISOString(),
  };
  const mosaic = mosaicPng(x.targetVal, [so.predictions, pl.predictions], x.mosaicRows);
  mkdirSync(outDir, { recursive: true });
  const resultsPath = join(outDir, 'results.json');
  const reportPath = join(outDir, 'report.html');
  writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(reportPath, renderReport({ results, sourceOnly: so, plca: pl, mosaic, mosaicRows: x.mosaicRows }));
  return { results, resultsPath, reportPath };
}

/** Without a progress callback (library use), a line per phase and every tenth of each arm. */
function plainProgress(log: (line: string) => void): (p: DemoProgress) => void {
  return (p) => {
    if (p.message) log(p.message);
    else if (p.step !== undefined && p.maxIters !== undefined && p.step > 0 && p.step % Math.max(1, Math.round(p.maxIters / 10)) === 0) {
      log(`  ${p.phase}: update ${p.step}/${p.maxIters}`);
    }
  };
}

function timestamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
}

/** Runs the demo end to end; see DemoOptions. */
export async function runDemo(opts: DemoOptions = {}): Promise<DemoOutput> {
  const t0 = Date.now();
  const preset = opts.quick ? DEMO_PRESETS.quick : DEMO_PRESETS.full;
  const seed = opts.seed ?? 0;
  const k = opts.k ?? 0.6;
  const steps = opts.steps ?? preset.steps;
  const sizes = { train: opts.sizes?.train ?? preset.train, val: opts.sizes?.val ?? preset.val };
  const weighting = opts.weighting ?? 'scaled';
  if (!Number.isInteger(seed)) throw new PlcaError('PLCA_INVALID_ARGUMENT', `demo: seed must be an integer, got ${seed}`);
  if (!(Number.isFinite(k) && k >= 0)) throw new PlcaError('PLCA_INVALID_ARGUMENT', `demo: k must be a finite number >= 0, got ${k}`);
  const log = opts.log ?? ((l: string) => console.log(l));
  const progress = opts.onProgress ?? plainProgress(log);
  const outDir = resolve(opts.out ?? join('runs', `demo-${timestamp()}`));
  mkdirSync(outDir, { recursive: true });
  const jobs = Math.max(1, Math.min(opts.jobs ?? Math.min(2, cpus().length), DEMO_ARMS.length));
  const threads = opts.threads ?? (jobs > 1 ? Math.max(1, Math.floor(cpus().length / jobs)) : undefined);
  const engine = await initEngine({ backend: opts.backend ?? 'auto', threads });

  progress({ phase: 'data', message: `generating MiniCity (${sizes.train} + ${sizes.train} train, ${sizes.val} + ${sizes.val} val, k = ${k})` });
  const data = generateDemoData(sizes, k, opts.targetStyle);
  const mosaicRows = Math.min(opts.mosaicRows ?? 6, sizes.val);
  const runOptions = (arm: (typeof DEMO_ARMS)[number]): Omit<ArmRunOptions, 'onEvent' | 'signal'> => ({
    steps, seed, weighting, batchSize: opts.batchSize, backend: opts.backend, threads, outDir: armDir(outDir, arm, seed),
    curveEvery: opts.curveEvery ?? preset.curveEvery, curveImages: Math.min(60, sizes.val), keepPredictions: mosaicRows,
  });
  const arms: Record<string, ArmResult> = {};
  if (jobs > 1) {
    // Both arms at once: one bar over the updates of both.
    progress({ phase: 'train', arm: 1, arms: 1, step: 0, maxIters: 2 * steps, message: `training ${DEMO_ARMS.map((a) => a.label).join(' and ')} side by side (${jobs} processes, ${engine.threads} thread(s) each)` });
    const done: Record<string, number> = {};
    const results = await Promise.all(DEMO_ARMS.map((arm) => runArmInChild(
      { arm, sizes, k, targetStyle: opts.targetStyle, options: runOptions(arm), resultPath: join(armDir(outDir, arm, seed), 'arm_result.json') },
      (e) => {
        if (e.type === 'step') done[arm.key] = e.step;
        const step = Object.values(done).reduce((a, b) => a + b, 0);
        progress({ phase: 'train', arm: 1, arms: 1, step, maxIters: 2 * steps, event: e });
      },
      opts.signal,
    )));
    DEMO_ARMS.forEach((arm, i) => { arms[arm.key] = results[i]; });
  } else {
    for (const [i, arm] of DEMO_ARMS.entries()) {
      progress({ phase: arm.key, arm: i + 1, arms: DEMO_ARMS.length, step: 0, maxIters: steps, message: `training ${arm.label}` });
      arms[arm.key] = await runArm(arm, data, {
        ...runOptions(arm), signal: opts.signal,
        onEvent: (e) => {
          if (e.type === 'step') progress({ phase: arm.key, arm: i + 1, arms: DEMO_ARMS.length, step: e.step, maxIters: e.maxIters, event: e });
          else progress({ phase: arm.key, arm: i + 1, arms: DEMO_ARMS.length, event: e });
        },
      });
    }
  }
  progress({ phase: 'report' });
  const settings: DemoSettings = {
    seed, k, steps, quick: opts.quick ?? false, trainImages: sizes.train, valImages: sizes.val, batchSize: opts.batchSize ?? 4,
    lr: 0.02, weighting, weights: { ...WEIGHTINGS[weighting] }, associationScale: 0.5, model: 'minicity-gn',
    backend: engine.backend, threads: engine.threads, jobs, targetStyleOverride: opts.targetStyle !== undefined,
  };
  const { results, resultsPath, reportPath } = writeDemoOutputs(outDir, {
    sourceOnly: arms.source_only, plca: arms.plca, targetVal: data.targetVal, settings, mosaicRows,
    wallSeconds: (Date.now() - t0) / 1000, dataGenerationSeconds: data.generationSeconds,
  });
  log(formatComparison(results));
  for (const [key, r] of Object.entries(results.runs)) {
    if (r.collapse.collapsed) log(`WARNING: ${key} collapsed: ${r.collapse.reasons.join('; ')}`);
  }
  log(`PLCA − source only: ${results.gain >= 0 ? '+' : ''}${results.gain.toFixed(1)} mIoU (target val, last update, seed ${seed}); ${results.wallSeconds.toFixed(0)} s`);
  log(`results: ${outDir}`);
  return { outDir, results, resultsPath, reportPath };
}
