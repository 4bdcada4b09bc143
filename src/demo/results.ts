/**
 * The demo's `results.json`: the two arms' target-val scores at the last step, the gain, the
 * settings and the label-free diagnostics (collapse checks, cover ratios). Scores are percent.
 */
import { headClasses } from '../pipeline/classes.js';
import type { ArmResult } from './run_arm.js';

/** MiniCity's 9 classes in the head's order (Cityscapes names). */
export const DEMO_CLASS_NAMES: readonly string[] = headClasses(9).names;

export interface DemoSettings {
  seed: number;
  k: number;
  steps: number;
  quick: boolean;
  trainImages: number;
  valImages: number;
  batchSize: number;
  lr: number;
  weighting: string;
  weights: Record<string, number>;
  associationScale: number;
  model: string;
  backend: string;
  /** wasm threads of each training run */
  threads: number;
  /** training runs side by side (separate processes). @default 1 */
  jobs?: number;
  targetStyleOverride: boolean;
  /** per arm, the `plca train` command that trains the same net */
  commands?: Record<string, string>;
}

export interface RunSummary {
  label: string;
  mode: string;
  /** target-val mIoU in %, last step */
  mIoU: number;
  /** target-val IoU in % by class name */
  perClass: Record<string, number | null>;
  pixelAccuracy: number;
  /** source-val mIoU in % (sanity check) */
  sourceMIoU: number | null;
  trainSeconds: number;
  stepsPerSecond: number;
  finalLoss: number | null;
  collapse: ArmResult['collapse'];
  /** share of target-val pixels predicted as each class, by name */
  predictedShares: Record<string, number>;
  valCurve: ArmResult['valCurve'];
  /** what the association schedule and the collapse guard did (warm-up end, ramp end, rollbacks) */
  adaptation: NonNullable<ArmResult['adaptation']>;
}

export interface DemoResults {
  benchmark: 'minicity';
  seed: number;
  runs: { source_only: RunSummary; plca: RunSummary };
  /** PLCA − source-only target mIoU, in points */
  gain: number;
  wallSeconds: number;
  settings: DemoSettings;
  diagnostics: {
    /** either arm flagged by the label-free collapse check */
    collapseDetected: boolean;
    dataGenerationSeconds: number;
  };
  createdAt: string;
}

export function summarize(r: ArmResult, classNames: readonly string[]): RunSummary {
  const last = r.curve.length > 0 ? r.curve[r.curve.length - 1].loss : null;
  return {
    label: r.label, mode: r.mode, mIoU: r.target.mIoU, perClass: r.target.perClass, pixelAccuracy: r.target.pixelAccuracy,
    sourceMIoU: r.source?.mIoU ?? null, trainSeconds: r.trainSeconds, stepsPerSecond: r.stepsPerSecond, finalLoss: last,
    collapse: r.collapse,
    predictedShares: Object.fromEntries(classNames.map((c, i) => [c, r.predictedShares[i] ?? 0])),
    valCurve: r.valCurve,
    adaptation: r.adaptation ?? [],
  };
}

/** The per-class table both runs share, as text (printed by the demo). */
export function formatComparison(res: DemoResults): string {
  const a = res.runs.source_only;
  const b = res.runs.plca;
  const f = (v: number | null) => (v === null ? '-' : v.toFixed(1));
  const w = 16;
  const rows = [`${'class'.padEnd(w)}${'source only'.padStart(13)}${'PLCA'.padStart(9)}${'gain'.padStart(9)}`];
  for (const c of Object.keys(a.perClass)) {
    const d = a.perClass[c] !== null && b.perClass[c] !== null ? b.perClass[c]! - a.perClass[c]! : null;
    rows.push(`${c.padEnd(w)}${f(a.perClass[c]).padStart(13)}${f(b.perClass[c]).padStart(9)}${(d === null ? '-' : (d >= 0 ? '+' : '') + d.toFixed(1)).padStart(9)}`);
  }
  rows.push('-'.repeat(w + 31));
  rows.push(`${'mIoU'.padEnd(w)}${f(a.mIoU).padStart(13)}${f(b.mIoU).padStart(9)}${((res.gain >= 0 ? '+' : '') + res.gain.toFixed(1)).padStart(9)}`);
  rows.push(`${'source-val mIoU'.padEnd(w)}${f(a.sourceMIoU).padStart(13)}${f(b.sourceMIoU).padStart(9)}`);
  return rows.join('\n');
}
