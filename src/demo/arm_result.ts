// What an arm's run reports (run_arm.ts in Node, memory_arm.ts anywhere): scores in percent, the
// curves, the collapse check.
import type { Metrics } from '../eval/metrics.js';
import type { StepEvent } from '../train/events.js';
import type { CollapseReport, CurvePoint } from './collapse.js';

export interface ArmMetrics {
  /** mean IoU over the head's classes, % */
  mIoU: number;
  /** IoU in % by class name (null when the class is absent from labels and predictions) */
  perClass: Record<string, number | null>;
  /** % */
  pixelAccuracy: number;
  images: number;
  /** share of predicted pixels per class index (label-free: a collapse signal) */
  predictedShares: number[];
}

export interface ArmResult {
  key: string;
  label: string;
  mode: string;
  model: string;
  seed: number;
  steps: number;
  /** the config file and every override: `plca train --config config --set …` trains this arm */
  config: string;
  overrides: string[];
  target: ArmMetrics;
  source?: ArmMetrics;
  /** per-update loss, terms and diagnostics */
  curve: CurvePoint[];
  /** target-val mIoU (%) of the in-training validations, every train.valInterval updates (report only) */
  valCurve: Array<{ step: number; mIoU: number }>;
  collapse: CollapseReport;
  /** share of target-val pixels predicted as each class, by class index */
  predictedShares: number[];
  /** Cityscapes train ids predicted for the first `keepPredictions` target-val images */
  predictions?: Uint8Array;
  /** seconds spent generating the MiniCity sets (0 when they were generated before) */
  dataSeconds: number;
  trainSeconds: number;
  stepsPerSecond: number;
  weights: Record<string, number>;
  /** What the association schedule and the collapse guard did, in order (the trainer's `adaptation` events). */
  adaptation?: AdaptationNote[];
}

/** One `adaptation` event as the demo keeps it. */
export interface AdaptationNote {
  step: number;
  action: string;
  message: string;
}

/** Metrics of the pipeline's evaluation in the demo's form (percent, classes by name, predicted shares). */
export function armMetrics(report: { metrics: Metrics; confusion: { get(g: number, p: number): number }; images: number }): ArmMetrics {
  const m = report.metrics;
  const k = m.numClasses;
  const cols = Array.from({ length: k }, (_, p) => {
    let c = 0;
    for (let g = 0; g < k; g++) c += report.confusion.get(g, p);
    return c;
  });
  return {
    mIoU: m.mIoU ?? 0,
    perClass: Object.fromEntries(m.classNames.map((c, i) => [c, m.perClassIoU[i]])),
    pixelAccuracy: m.pixelAccuracy ?? 0,
    images: report.images,
    predictedShares: cols.map((c) => c / Math.max(1, m.pixels)),
  };
}

/** A step record as a curve point (copies, so later records do not share objects). */
export function curvePoint(e: StepEvent): CurvePoint {
  return { step: e.step, loss: e.loss, terms: { ...e.terms }, diagnostics: { ...e.diagnostics } };
}
