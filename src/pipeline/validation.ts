// The trainer's validator over an evaluation set (any platform: the web app's runs use it too).
import { evaluate } from '../eval/evaluator.js';
import type { EvalSample } from '../eval/evaluator.js';
import type { Segmentor } from '../models/segmentor.js';

/**
 * Evaluates the model on `val` without aggregation and flattens the metrics into the numbers the
 * trainer logs: mIoU (and the 16/13-class protocols), pixel and mean accuracy, `iou.<class>`.
 */
export function setValidator(val: { samples(): AsyncGenerator<EvalSample>; classes: { names: readonly string[] } }):
  (model: Segmentor, step: number) => Promise<Record<string, number>> {
  return async (model) => {
    const { metrics: m } = await evaluate(model, val.samples(), { classNames: val.classes.names });
    const out: Record<string, number> = {};
    for (const key of ['mIoU', 'mIoU16', 'mIoU13', 'pixelAccuracy', 'meanAccuracy'] as const) {
      const v = m[key];
      if (typeof v === 'number') out[key] = v;
    }
    m.classNames.forEach((name, i) => {
      const v = m.perClassIoU[i];
      if (v !== null) out[`iou.${name}`] = v;
    });
    return out;
  };
}
