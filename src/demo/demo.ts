/**
 * `plca demo` / `npm start`: train the arms of COMPARISON_ARMS — source-only
 * (configs/minicity_source_only.ts), the controls (source-only + augmentation, source-only +
 * self-training) and PLCA (configs/minicity_plca.ts), with the run's settings as overrides —
 * through the library's pipeline, score each on target val at the last update, print the
 * per-class table, the gain over source-only and over the strongest control, and write
 * results.json and report.html. `plca train --config configs/minicity_plca.ts`
 * with the same seed trains the same PLCA net to the same score.
 */
import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { initEngine } from '../engine/index.js';
import { exportFromCheckpoint } from '../export/index.js';
import type { MiniCitySet } from '../minicity/index.js';
import { exportOptionsFor, miniCitySet } from '../pipeline/index.js';
import { DEFAULT_PORT } from '../serve/index.js';
import type { TrainEvent } from '../train/index.js';
import { writeFileAtomic } from '../util/atomic_write.js';
import { PlcaError } from '../util/errors.js';
import {
  armCommand, armConfig, branchOverrides, COMPARISON_ARMS, miniCitySettings, settingsOverrides, weightingName, type ArmSpec, type MiniCityRunOptions,
} from './arms.js';
import { runPool } from './arm_pool.js';
import { mosaicPng } from './mosaic.js';
import { renderReport } from './report.js';
import { DEMO_CLASS_NAMES, formatComparison, strongestControl, summarize, type DemoResults, type DemoSettings } from './results.js';
import { runArmInChild } from './arm_process.js';
import { styleArg } from './style_arg.js';
import { armDir, runArm, type ArmResult, type ArmRunOptions } from './run_arm.js';

export interface DemoProgress {
  /** 'data' | 'train' (side by side) | an arm key (one after the other) | 'report' */
  phase: string;
  /** 1-based arm index and count, during training */
  arm?: number;
  arms?: number;
  /**
   * Updates done, of `maxIters`. Side by side, those of the arm furthest behind, so that an ETA
   * drawn from it is the slowest arm's (the PLCA arm takes about 2.5× as long as source-only).
   */
  step?: number;
  maxIters?: number;
  message?: string;
  event?: TrainEvent;
}

export interface DemoOptions extends MiniCityRunOptions {
  /** output folder. @default runs/demo-<timestamp> */
  out?: string;
  /** training seed (weights, order, flips); the data seeds are fixed. @default 0 */
  seed?: number;
  /** rows of the mosaic. @default 6 */
  mosaicRows?: number;
  /**
   * Training runs at a time, each in its own process (1 = one after the other, in this
   * process); the arms queue, a fine-tuning arm after its parent. Why: a run gains little from a second wasm thread, two single-threaded runs
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
  /** the PLCA net as a GraphModel (model.json + shards), for `plca serve --model` and the web app */
  modelDir: string;
}

export interface DemoOutputsInput {
  /** every arm's result by key; source_only and plca are required */
  arms: Record<string, ArmResult>;
  /** the set the arms were scored on (mosaic images and ground truth, train ids) */
  targetVal: MiniCitySet;
  settings: DemoSettings;
  mosaicRows: number;
  wallSeconds: number;
  dataGenerationSeconds: number;
  /** where the PLCA net was exported (the report says how to segment with it in a browser) */
  modelDir?: string;
}

/** results.json and report.html from the finished arms. */
export function writeDemoOutputs(outDir: string, x: DemoOutputsInput): { results: DemoResults; resultsPath: string; reportPath: string } {
  const so = x.arms.source_only;
  const pl = x.arms.plca;
  if (!so || !pl) throw new PlcaError('PLCA_INVALID_ARGUMENT', 'writeDemoOutputs: the source_only and plca arms are required');
  if (!so.predictions || !pl.predictions) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', 'writeDemoOutputs: both arms must keep their target-val predictions (keepPredictions) for the mosaic');
  }
  const runs = Object.fromEntries(Object.entries(x.arms).map(([k, r]) => [k, summarize(r, DEMO_CLASS_NAMES)])) as DemoResults['runs'];
  const strongest = strongestControl(runs);
  const results: DemoResults = {
    benchmark: 'minicity', seed: x.settings.seed,
    runs,
    gain: pl.target.mIoU - so.target.mIoU,
    strongestControl: strongest,
    gainVsStrongest: pl.target.mIoU - strongest.mIoU,
    wallSeconds: x.wallSeconds,
    settings: x.settings,
    diagnostics: { collapseDetected: Object.values(x.arms).some((a) => a.collapse.collapsed), dataGenerationSeconds: x.dataGenerationSeconds },
    createdAt: new Date().toISOString(),
  };
  const mosaic = mosaicPng(x.targetVal, [so.predictions, pl.predictions], x.mosaicRows);
  mkdirSync(outDir, { recursive: true });
  const resultsPath = join(outDir, 'results.json');
  const reportPath = join(outDir, 'report.html');
  writeFileAtomic(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
  writeFileAtomic(reportPath, renderReport({ results, arms: x.arms, mosaic, mosaicRows: x.mosaicRows, modelDir: x.modelDir }));
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
  const seed = opts.seed ?? 0;
  const ARMS = COMPARISON_ARMS;
  const jobs = Math.max(1, Math.min(opts.jobs ?? Math.min(2, cpus().length), ARMS.length));
  const threads = opts.threads ?? (jobs > 1 ? Math.max(1, Math.floor(cpus().length / jobs)) : undefined);
  const overrides = settingsOverrides(miniCitySettings({ ...opts, threads, targetStyle: opts.targetStyle && styleArg(opts.targetStyle) }, seed));
  // Every arm's config resolves before any work: a bad override or style file fails here.
  const cfgs = await Promise.all(ARMS.map((arm) => armConfig(arm, overrides)));
  const cfg = cfgs[ARMS.findIndex((a) => a.key === 'plca')];
  const log = opts.log ?? ((l: string) => console.log(l));
  const progress = opts.onProgress ?? plainProgress(log);
  const outDir = resolve(opts.out ?? join('runs', `demo-${timestamp()}`));
  mkdirSync(outDir, { recursive: true });
  const engine = await initEngine({ backend: cfg.runtime.backend, threads: cfg.runtime.threads ?? undefined });

  const m = cfg.data.minicity;
  progress({ phase: 'data', message: `generating MiniCity (${m.trainImages} + ${m.trainImages} train, ${m.valImages} + ${m.valImages} val, k = ${m.targetGap}${m.targetStyle === null ? '' : `, target style ${m.targetStyle}`})` });
  const tData = Date.now();
  const targetVal = miniCitySet(cfg.data, 'target_val', 'data.val');
  const parentDataSeconds = (Date.now() - tData) / 1000;
  const mosaicRows = Math.min(opts.mosaicRows ?? 6, m.valImages);
  const steps = cfg.train.maxIters;
  const dirOf = (key: string) => armDir(outDir, ARMS.find((a) => a.key === key)!, seed);
  // A fine-tuning arm (self-training) starts from its parent's last checkpoint, for a share of the updates.
  const setOf = (arm: ArmSpec) => [...overrides, ...(arm.from ? branchOverrides(arm, steps, dirOf(arm.from.arm)) : [])];
  const stepsOf = (arm: ArmSpec) => (arm.from ? Math.max(1, Math.round(steps * arm.from.share)) : steps);
  const runOptions = (arm: ArmSpec): Omit<ArmRunOptions, 'onEvent' | 'signal'> => ({
    set: setOf(arm), outDir: dirOf(arm.key), keepPredictions: arm.key === 'source_only' || arm.key === 'plca' ? mosaicRows : 0,
  });
  let arms: Record<string, ArmResult>;
  if (jobs > 1) {
    // One bar over all the runs' updates (the arms differ in length and in cost per update).
    const total = ARMS.reduce((a, arm) => a + stepsOf(arm), 0);
    const done: Record<string, number> = Object.fromEntries(ARMS.map((a) => [a.key, 0]));
    const sum = () => Object.values(done).reduce((a, b) => a + b, 0);
    progress({ phase: 'train', arm: 1, arms: 1, step: 0, maxIters: total, message: `training ${ARMS.map((a) => a.label).join(', ')}: ${jobs} at a time, each a process with ${engine.threads} thread(s)` });
    // PLCA first: the longest run (about 2.5× a source-only one) starts at once, the others queue beside it.
    const order = [...ARMS.filter((a) => a.key === 'plca'), ...ARMS.filter((a) => a.key !== 'plca')];
    const results = await runPool(order.map((arm) => ({
      key: arm.key, after: arm.from?.arm,
      run: () => runArmInChild({ arm, options: runOptions(arm) }, (e) => {
        if (e.type === 'step') done[arm.key] = e.step;
        progress({ phase: 'train', arm: 1, arms: 1, step: sum(), maxIters: total, event: e });
      }, opts.signal),
    })), jobs);
    arms = Object.fromEntries(ARMS.map((arm) => [arm.key, results.get(arm.key)!]));
  } else {
    arms = {};
    for (const [i, arm] of ARMS.entries()) {
      progress({ phase: arm.key, arm: i + 1, arms: ARMS.length, step: 0, maxIters: stepsOf(arm), message: `training ${arm.label}` });
      arms[arm.key] = await runArm(arm, {
        ...runOptions(arm), signal: opts.signal,
        onEvent: (e) => {
          if (e.type === 'step') progress({ phase: arm.key, arm: i + 1, arms: ARMS.length, step: e.step, maxIters: e.maxIters, event: e });
          else progress({ phase: arm.key, arm: i + 1, arms: ARMS.length, event: e });
        },
      });
    }
  }
  progress({ phase: 'report' });
  // The adapted net for the browser: its last checkpoint as a GraphModel (the web app's Segment page).
  const modelDir = join(outDir, 'model');
  exportFromCheckpoint(dirOf('plca'), modelDir, { ...exportOptionsFor(cfg), overwrite: true });
  const settings: DemoSettings = {
    seed, k: m.targetGap, steps, quick: opts.quick ?? false, trainImages: m.trainImages, valImages: m.valImages,
    batchSize: cfg.train.batchSize, lr: cfg.optim.lr, weighting: weightingName(cfg.method.weights), weights: { ...cfg.method.weights },
    associationScale: cfg.method.associationScale, model: cfg.model.name,
    backend: engine.backend, threads: engine.threads, jobs, targetStyleOverride: m.targetStyle !== null, targetStyle: m.targetStyle,
    commands: Object.fromEntries(ARMS.map((arm) => [arm.key, armCommand(arm, setOf(arm))])),
  };
  const { results, resultsPath, reportPath } = writeDemoOutputs(outDir, {
    arms, targetVal, settings, mosaicRows,
    wallSeconds: (Date.now() - t0) / 1000,
    dataGenerationSeconds: Math.max(parentDataSeconds, ...Object.values(arms).map((a) => a.dataSeconds)),
    modelDir,
  });
  log(formatComparison(results));
  for (const [key, r] of Object.entries(results.runs)) {
    if (r.collapse.collapsed) log(`WARNING: ${key} collapsed: ${r.collapse.reasons.join('; ')}`);
    for (const a of r.adaptation ?? []) if (a.action === 'rollback' || a.action === 'source_only') log(`${key}: collapse guard at update ${a.step}: ${a.message}`);
  }
  const sg = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}`;
  log(`PLCA − source only: ${sg(results.gain)} mIoU; PLCA − strongest control (${results.strongestControl.label}, ${results.strongestControl.mIoU.toFixed(1)}): ${sg(results.gainVsStrongest)} mIoU (target val, last update, seed ${seed}); ${results.wallSeconds.toFixed(0)} s`);
  log(`in a browser: npx plca serve --model ${modelDir}, then open http://127.0.0.1:${DEFAULT_PORT}/ (segment with the PLCA net; watch it adapt)`);
  log(`results: ${outDir}`);
  return { outDir, results, resultsPath, reportPath, modelDir };
}
