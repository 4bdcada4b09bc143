// Segmentation metrics from a confusion matrix: pixel accuracy, per-class accuracy and IoU,
// mIoU over all classes and over the SYNTHIA→Cityscapes 16- and 13-class protocols. Every value
// is a percentage (0–100), as the paper reports them; plca reports them so everywhere (logs,
// JSON, tables, the demo and the benchmark).
// Ported from: kgl-prml/Pixel-Level-Cycle-Association utils/utils.py (ConfusionMatrix.compute)
// Changes: a class absent from both labels and predictions has IoU null and is left out of the
// means (the reference would print nan; Cityscapes val holds all 19 classes, so numbers agree).
import { CLASS_NAMES, SYNTHIA13_TRAIN_IDS, SYNTHIA16_TRAIN_IDS } from '../data/label_maps.js';
import { PlcaError } from '../util/errors.js';
import type { ConfusionMatrix } from './confusion_matrix.js';

/** SYNTHIA→Cityscapes protocols, by class name: 16 = the 19 without terrain, truck, train; 13 =
 *  those without wall, fence, pole (the paper's Table 3 "mIoU*"). */
export const PROTOCOL_CLASSES: Readonly<Record<'16' | '13', readonly string[]>> = {
  16: SYNTHIA16_TRAIN_IDS.map((i) => CLASS_NAMES[i]),
  13: SYNTHIA13_TRAIN_IDS.map((i) => CLASS_NAMES[i]),
};

/** The reference calls person "pedestrian" (its LABEL_TASK). */
const ALIASES: Record<string, string> = { pedestrian: 'person' };
const canonical = (name: string) => {
  const n = name.trim().toLowerCase();
  return ALIASES[n] ?? n;
};

/** Class names of a K-class head in plca's internal order (data/label_maps.ts): train-id order
 *  for 19, SYNTHIA16_TRAIN_IDS order for 16, `class i` otherwise. */
export function defaultClassNames(numClasses: number): string[] {
  if (numClasses === CLASS_NAMES.length) return [...CLASS_NAMES];
  if (numClasses === PROTOCOL_CLASSES[16].length) return [...PROTOCOL_CLASSES[16]];
  return Array.from({ length: numClasses }, (_, i) => `class ${i}`);
}

/** Metrics of a confusion matrix; accuracies and IoUs in percent (0–100). */
export interface Metrics {
  numClasses: number;
  classNames: string[];
  /** non-ignored pixels counted */ pixels: number;
  /** Σ diag / Σ all (the reference's "global correct") */ pixelAccuracy: number | null;
  /** per class: diag / row sum; null when the class is absent from the labels */ perClassAccuracy: Array<number | null>;
  /** per class: diag / (row + column − diag); null when absent from labels and predictions */ perClassIoU: Array<number | null>;
  /** mean of the non-null per-class accuracies */ meanAccuracy: number | null;
  /** mean IoU over all K classes (non-null ones) */ mIoU: number | null;
  /** mean IoU over the 16 SYNTHIA classes, when the names include all of them */ mIoU16?: number | null;
  /** mean IoU over the 13 SYNTHIA classes ("mIoU*"), when the names include all of them */ mIoU13?: number | null;
}

const mean = (xs: Array<number | null>): number | null => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
};

/** mIoU over the named classes, or undefined when one of them is not a class of this head. */
function protocolMIoU(names: string[], iou: Array<number | null>, protocol: readonly string[]): number | null | undefined {
  const idx = protocol.map((p) => names.indexOf(p));
  if (idx.some((i) => i < 0)) return undefined;
  return mean(idx.map((i) => iou[i]));
}

/**
 * All metrics of a confusion matrix.
 * @param classNames one per class, in the head's order. @default defaultClassNames(K)
 */
export function computeMetrics(cm: ConfusionMatrix, classNames?: readonly string[]): Metrics {
  const k = cm.numClasses;
  const names = classNames ? [...classNames] : defaultClassNames(k);
  if (names.length !== k) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `computeMetrics: ${names.length} class names for a ${k}-class confusion matrix`);
  }
  const row = new Float64Array(k);
  const col = new Float64Array(k);
  let diag = 0;
  for (let g = 0; g < k; g++) {
    for (let p = 0; p < k; p++) {
      const v = cm.get(g, p);
      row[g] += v;
      col[p] += v;
    }
    diag += cm.get(g, g);
  }
  const total = cm.total();
  const perClassAccuracy = Array.from({ length: k }, (_, c) => (row[c] > 0 ? 100 * (cm.get(c, c) / row[c]) : null));
  const perClassIoU = Array.from({ length: k }, (_, c) => {
    const union = row[c] + col[c] - cm.get(c, c);
    return union > 0 ? 100 * (cm.get(c, c) / union) : null;
  });
  const canon = names.map(canonical);
  const m: Metrics = {
    numClasses: k, classNames: names, pixels: total,
    pixelAccuracy: total > 0 ? 100 * (diag / total) : null,
    perClassAccuracy, perClassIoU,
    meanAccuracy: mean(perClassAccuracy),
    mIoU: mean(perClassIoU),
  };
  const m16 = protocolMIoU(canon, perClassIoU, PROTOCOL_CLASSES[16]);
  const m13 = protocolMIoU(canon, perClassIoU, PROTOCOL_CLASSES[13]);
  if (m16 !== undefined) m.mIoU16 = m16;
  if (m13 !== undefined) m.mIoU13 = m13;
  return m;
}

const pct = (v: number | null | undefined, digits: number) => (v === null || v === undefined ? '-' : v.toFixed(digits));

/** A plain-text table: one row per class (IoU and accuracy, %), then the summary lines. */
export function formatMetricsTable(m: Metrics, opts: { digits?: number } = {}): string {
  const d = opts.digits ?? 1;
  const w = Math.max(16, ...m.classNames.map((n) => n.length + 2));
  const line = (label: string, ...cols: string[]) => label.padEnd(w) + cols.map((c) => c.padStart(7)).join('');
  const out = [line('class', 'IoU', 'acc')];
  m.classNames.forEach((n, i) => out.push(line(n, pct(m.perClassIoU[i], d), pct(m.perClassAccuracy[i], d))));
  out.push('-'.repeat(w + 14));
  out.push(line(`mIoU (${m.numClasses})`, pct(m.mIoU, d)));
  if (m.mIoU16 !== undefined && m.numClasses !== 16) out.push(line('mIoU (16)', pct(m.mIoU16, d)));
  if (m.mIoU13 !== undefined) out.push(line('mIoU* (13)', pct(m.mIoU13, d)));
  out.push(line('pixel accuracy', pct(m.pixelAccuracy, d)));
  out.push(line('mean accuracy', pct(m.meanAccuracy, d)));
  out.push(line('pixels', String(m.pixels)));
  return out.join('\n');
}

/** JSON-ready record: the summary, per-class entries by name, and the matrix when given. */
export function metricsToJSON(m: Metrics, cm?: ConfusionMatrix): Record<string, unknown> {
  return {
    numClasses: m.numClasses,
    pixels: m.pixels,
    pixelAccuracy: m.pixelAccuracy,
    meanAccuracy: m.meanAccuracy,
    mIoU: m.mIoU,
    ...(m.mIoU16 !== undefined ? { mIoU16: m.mIoU16 } : {}),
    ...(m.mIoU13 !== undefined ? { mIoU13: m.mIoU13 } : {}),
    perClass: m.classNames.map((name, i) => ({ name, iou: m.perClassIoU[i], accuracy: m.perClassAccuracy[i] })),
    ...(cm ? { confusionMatrix: cm.toRows() } : {}),
  };
}
