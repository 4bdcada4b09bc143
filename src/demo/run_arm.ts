/**
 * One training arm of the demo or benchmark: a fresh net trained with `train()` on the MiniCity
 * streams, evaluated on target val (and source val) at the LAST step — no model selection on
 * target labels — with its loss and diagnostic curves and a label-free collapse check.
 */
import { join } from 'node:path';
import { deriveSeed, createMiniCityStream } from '../minicity/index.js';
import { train, type StepEvent, type TrainEvent } from '../train/index.js';
import type { Segmentor } from '../models/index.js';
import { armConfig, type ArmSettings, type ArmSpec } from './arms.js';
import { DEMO_NORM, type DemoData } from './data.js';
import { evaluateSet, predictSet, type ArmMetrics } from './evaluate.js';
import { detectCollapse, type CollapseReport } from './collapse.js';

export interface CurvePoint {
  step: number;
  loss: number;
  terms: Record<string, number>;
  diagnostics: Record<string, number>;
}

export interface ArmRunOptions extends ArmSettings {
  /** run directory of this arm (config, log, final checkpoint) */
  outDir: string;
  /** target-val images scored every `curveEvery` steps for the report's curve (never for selection). @default 0 = off */
  curveEvery?: number;
  /** images of that curve. @default 60 */
  curveImages?: number;
  /** images of target val used for the final score. @default all */
  evalImages?: number;
  /** images of source val scored. @default evalImages */
  sourceValImages?: number;
  /** also score source val (sanity: the net still segments its own domain). @default true */
  sourceVal?: boolean;
  /** first target-val images whose predictions are kept for the mosaic. @default 0 */
  keepPredictions?: number;
  onEvent?: (e: TrainEvent) => void;
  signal?: AbortSignal;
}

export interface ArmResult {
  key: string;
  label: string;
  mode: string;
  model: string;
  seed: number;
  steps: number;
  target: ArmMetrics;
  source?: ArmMetrics;
  /** per-step loss, terms and diagnostics */
  curve: CurvePoint[];
  /** target-val mIoU on `curveImages` images during training (report only) */
  valCurve: Array<{ step: number; mIoU: number }>;
  collapse: CollapseReport;
  /** share of target-val pixels predicted as each class, by class index */
  predictedShares: number[];
  /** compact class predictions of the first `keepPredictions` target-val images */
  predictions?: Int32Array;
  trainSeconds: number;
  stepsPerSecond: number;
  weights: Record<string, number>;
}

/** Trains and evaluates one arm; the model is disposed before returning. */
export async function runArm(arm: ArmSpec, data: DemoData, o: ArmRunOptions): Promise<ArmResult> {
  const cfg = armConfig(arm, o);
  const stream = (set: DemoData['sourceTrain'], which: number, withLabels: boolean) => createMiniCityStream(set, {
    batchSize: cfg.train.batchSize, seed: deriveSeed(o.seed, which), flip: true, normalize: DEMO_NORM, withLabels,
  });
  // Target batches never carry labels into training.
  const source = stream(data.sourceTrain, 1, true);
  const target = stream(data.targetTrain, 2, false);
  const curve: CurvePoint[] = [];
  const valCurve: ArmResult['valCurve'] = [];
  const curveEvery = o.curveEvery ?? 0;
  const validate = (model: Segmentor, step: number): Record<string, number> => {
    if (curveEvery > 0 && (step % curveEvery === 0 || step === cfg.train.maxIters)) {
      const mIoU = evaluateSet(model, data.targetVal, o.curveImages ?? 60).mIoU;
      valCurve.push({ step, mIoU });
      return { curveTargetMIoU: mIoU };
    }
    return {};
  };
  const cfgRun = curveEvery > 0 ? { ...cfg, train: { ...cfg.train, valInterval: curveEvery } } : cfg;
  const t0 = Date.now();
  const r = await train(cfgRun, { source, target, outDir: o.outDir, validate }, {
    signal: o.signal,
    onEvent: (e) => {
      if (e.type === 'step') curve.push(point(e));
      o.onEvent?.(e);
    },
  });
  const trainSeconds = (Date.now() - t0) / 1000;
  try {
    const targetMetrics = evaluateSet(r.model, data.targetVal, o.evalImages);
    const sourceMetrics = o.sourceVal === false ? undefined : evaluateSet(r.model, data.sourceVal, o.sourceValImages ?? o.evalImages);
    // Predicted-class shares on target images need no target labels (the ignored label is never produced).
    const shares = targetMetrics.predictedShares;
    const keep = o.keepPredictions ?? 0;
    return {
      key: arm.key, label: arm.label, mode: arm.mode, model: arm.model, seed: o.seed, steps: cfg.train.maxIters,
      target: targetMetrics, source: sourceMetrics, curve, valCurve,
      collapse: detectCollapse(curve, shares),
      predictedShares: shares,
      predictions: keep > 0 ? predictSet(r.model, data.targetVal, 0, keep) : undefined,
      trainSeconds, stepsPerSecond: cfg.train.maxIters / trainSeconds,
      weights: { ...cfg.method.weights },
    };
  } finally {
    r.model.dispose();
  }
}

function point(e: StepEvent): CurvePoint {
  return { step: e.step, loss: e.loss, terms: { ...e.terms }, diagnostics: { ...e.diagnostics } };
}

/** The run directory of an arm under a parent folder. */
export function armDir(parent: string, arm: ArmSpec, seed: number): string {
  return join(parent, 'runs', `${arm.key}_s${seed}`);
}
