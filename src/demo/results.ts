/**
 * The demo's `results.json`: every arm's target-val scores (source-only, the controls, PLCA) at the last step, the gain, the
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
  /** the target style: a shift preset's name, a style file, or null (the camera style at k) */
  targetStyle?: string | null;
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
  /** every arm by key: source_only, the controls (source_only_aug, self_training), plca */
  runs: { source_only: RunSummary; plca: RunSummary } & Record<string, RunSummary>;
  /** PLCA − source-only target mIoU, in points */
  gain: number;
  /** the control (any arm but PLCA, source-only included) with the highest target mIoU */
  strongestControl: { key: string; label: string; mIoU: number };
  /** PLCA − the strongest control, in points: the gain that adaptation adds over what the controls give */
  gainVsStrongest: number;
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

/** The control with the highest target mIoU among `runs` (every key but 'plca'). */
export function strongestControl(runs: Record<string, RunSummary>): { key: string; label: string; mIoU: number } {
  const controls = Object.entries(runs).filter(([k]) => k !== 'plca');
  const [key, r] = controls.reduce((best, x) => (x[1].mIoU > best[1].mIoU ? x : best));
  return { key, label: r.label, mIoU: r.mIoU };
}

/** Short column names of the arms in text tables. */
export const SHORT_LABELS: Record<string, string> = {
  source_only: 'src only', source_only_aug: '+ augment', self_training: '+ self-tr.', plca: 'PLCA',
};

const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}`;

/** The per-class table of every arm, with PLCA − source-only, as text (printed by the demo). */
export function formatComparison(res: DemoResults): string {
  const keys = Object.keys(res.runs);
  const a = res.runs.source_only;
  const b = res.runs.plca;
  const f = (v: number | null) => (v === null ? '-' : v.toFixed(1));
  const w = 16;
  const c = 11;
  const rows = [`${'class'.padEnd(w)}${keys.map((k) => (SHORT_LABELS[k] ?? k).padStart(c)).join('')}${'PLCA−src'.padStart(c)}`];
  for (const cls of Object.keys(a.perClass)) {
    const d = a.perClass[cls] !== null && b.perClass[cls] !== null ? b.perClass[cls]! - a.perClass[cls]! : null;
    rows.push(`${cls.padEnd(w)}${keys.map((k) => f(res.runs[k].perClass[cls]).padStart(c)).join('')}${(d === null ? '-' : signed(d)).padStart(c)}`);
  }
  rows.push('-'.repeat(w + c * (keys.length + 1)));
  rows.push(`${'mIoU'.padEnd(w)}${keys.map((k) => f(res.runs[k].mIoU).padStart(c)).join('')}${signed(res.gain).padStart(c)}`);
  rows.push(`${'source-val mIoU'.padEnd(w)}${keys.map((k) => f(res.runs[k].sourceMIoU).padStart(c)).join('')}`);
  return rows.join('\n');
}
