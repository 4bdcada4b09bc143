/**
 * One training arm of the demo or benchmark: its config (arms.ts) trained by the library's
 * pipeline (`runTraining`, as `plca train`), then scored by `runEvaluation` (as `plca eval`) on
 * target val — and source val, as a sanity check — at the LAST update: no model selection on
 * target labels. Kept beside the scores: the loss and diagnostic curves, the target-val curve of
 * the in-training validations, and a label-free collapse check.
 */
import { join } from 'node:path';
import type { ResolvedConfig } from '../config/index.js';
import type { Segmentor } from '../models/index.js';
import { miniCitySet, predictImage, runEvaluation, runTraining } from '../pipeline/index.js';
import { setSample } from '../minicity/index.js';
import type { TrainEvent } from '../train/index.js';
import { armMetrics, curvePoint, type AdaptationNote, type ArmResult } from './arm_result.js';
import { armConfig, type ArmSpec } from './arms.js';
import { detectCollapse, type CurvePoint } from './collapse.js';

export type { CurvePoint } from './collapse.js';
export { armMetrics, type ArmMetrics, type ArmResult } from './arm_result.js';

export interface ArmRunOptions {
  /** run directory of this arm (config.json, train_log.jsonl, checkpoints/) */
  outDir: string;
  /** overrides after the arm's own (a run's settings, arms.ts `settingsOverrides`) */
  set?: readonly string[];
  /** images of source val scored (the first ones). @default all */
  sourceValImages?: number;
  /** also score source val (sanity: the net still segments its own domain). @default true */
  sourceVal?: boolean;
  /** first target-val images whose predictions are kept for the mosaic. @default 0 */
  keepPredictions?: number;
  onEvent?: (e: TrainEvent) => void;
  signal?: AbortSignal;
}

/** Generates (or finds generated) the four MiniCity sets of a config; the seconds it took. */
function warmData(cfg: ResolvedConfig): number {
  const t0 = Date.now();
  for (const split of ['source_train', 'target_train', 'target_val', 'source_val']) miniCitySet(cfg.data, split, 'data');
  return (Date.now() - t0) / 1000;
}

/** Train ids predicted for target-val images [0, count) (the mosaic's rows). */
function predictTargetVal(model: Segmentor, cfg: ResolvedConfig, count: number): Uint8Array {
  const set = miniCitySet(cfg.data, 'target_val', 'data.val');
  const n = Math.min(count, set.count);
  const out = new Uint8Array(n * set.width * set.height);
  for (let i = 0; i < n; i++) {
    const p = predictImage(model, cfg, { width: set.width, height: set.height, channels: 3, data: setSample(set, i).image });
    out.set(p.labels, i * set.width * set.height);
  }
  return out;
}

/** Trains and scores one arm; the model is disposed before returning. */
export async function runArm(arm: ArmSpec, o: ArmRunOptions): Promise<ArmResult> {
  const overrides = [...(o.set ?? [])];
  const cfg = await armConfig(arm, overrides);
  const dataSeconds = warmData(cfg);
  const curve: CurvePoint[] = [];
  const valCurve: ArmResult['valCurve'] = [];
  const adaptation: AdaptationNote[] = [];
  const t0 = Date.now();
  const r = await runTraining(cfg, {
    outDir: o.outDir, signal: o.signal,
    onEvent: (e) => {
      // After a rollback of the collapse guard the updates repeat: the curves keep the run's final path.
      if (e.type === 'step') {
        while (curve.length > 0 && curve[curve.length - 1].step >= e.step) curve.pop();
        while (valCurve.length > 0 && valCurve[valCurve.length - 1].step >= e.step) valCurve.pop();
        curve.push(curvePoint(e));
      }
      if (e.type === 'validation' && e.metrics.mIoU !== undefined) valCurve.push({ step: e.step, mIoU: e.metrics.mIoU });
      if (e.type === 'adaptation') adaptation.push({ step: e.step, action: e.action, message: e.message });
      o.onEvent?.(e);
    },
  });
  const trainSeconds = (Date.now() - t0) / 1000;
  try {
    // The same evaluation as `plca eval --checkpoint RUN`: equal to the validation at the last update.
    const target = armMetrics(await runEvaluation({ cfg, model: r.model }));
    const source = o.sourceVal === false ? undefined
      : armMetrics(await runEvaluation({ cfg, model: r.model, split: 'source_val', limit: o.sourceValImages }));
    const keep = o.keepPredictions ?? 0;
    return {
      key: arm.key, label: arm.label, mode: cfg.method.mode, model: cfg.model.name, seed: cfg.train.seed, steps: cfg.train.maxIters,
      config: arm.config, overrides: [...arm.set, ...overrides],
      target, source, curve, valCurve,
      collapse: detectCollapse(curve, target.predictedShares),
      predictedShares: target.predictedShares,
      predictions: keep > 0 ? predictTargetVal(r.model, cfg, keep) : undefined,
      dataSeconds, trainSeconds, stepsPerSecond: cfg.train.maxIters / trainSeconds,
      weights: { ...cfg.method.weights },
      adaptation,
    };
  } finally {
    r.model.dispose();
  }
}


/** The run directory of an arm under a parent folder. */
export function armDir(parent: string, arm: ArmSpec, seed: number): string {
  return join(parent, 'runs', `${arm.key}_s${seed}`);
}
