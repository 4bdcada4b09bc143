/**
 * One MiniCity arm trained and scored without files: the arm's resolved config (the same
 * configs/ file and overrides as `plca train`), its MiniCity streams and validator, the trainer on
 * a RunStore (a MemoryRunStore in a browser), then target val and source val at the last update
 * and the label-free collapse check — runArm's recipe (run_arm.ts), which runs the same steps
 * through the pipeline and a run directory. The web app's Adapt page runs it in a worker; a run
 * stopped by `signal` continues with `resume: true` and the same store and history.
 */
import type { ResolvedConfig } from '../config/schema.js';
import { methodNeedsTarget } from '../config/modes.js';
import { evaluate } from '../eval/evaluator.js';
import type { Segmentor } from '../models/segmentor.js';
import { deriveSeed } from '../util/rng.js';
import { headClasses } from '../pipeline/classes.js';
import { generateMiniCitySet, MINICITY_SPLITS, miniCityStream, miniCityValSamples } from '../pipeline/minicity_data.js';
import { setValidator } from '../pipeline/validation.js';
import type { TrainEvent } from '../train/events.js';
import type { RunStore } from '../train/run_store.js';
import { train } from '../train/trainer.js';
import { PlcaError } from '../util/errors.js';
import { armMetrics, curvePoint, type ArmResult } from './arm_result.js';
import type { ArmSpec } from './arm_specs.js';
import { detectCollapse, type CurvePoint } from './collapse.js';

/** The curves of an arm; a resumed arm passes the object of its interrupted call, so they cover the whole run. */
export interface ArmHistory {
  curve: CurvePoint[];
  valCurve: Array<{ step: number; mIoU: number }>;
}

export interface MemoryArmOptions {
  /** the run's overrides on top of the arm's own (reported with the result, as runArm does) */
  overrides?: readonly string[];
  /** where the run is kept (checkpoints written on stop and at the end) */
  store: RunStore;
  /** continue from the store's checkpoint (an arm stopped by `signal`) */
  resume?: boolean;
  /** @default fresh arrays */
  history?: ArmHistory;
  /** images of source val scored (the first ones). @default all */
  sourceValImages?: number;
  /** also score source val. @default true */
  sourceVal?: boolean;
  onEvent?: (e: TrainEvent) => void;
  /** aborting writes a checkpoint into the store, then the run throws PLCA_INTERRUPTED */
  signal?: AbortSignal;
  /** called with the trained model after it is scored and before it is disposed (e.g. to export it) */
  onModel?: (model: Segmentor) => void | Promise<void>;
}

/** Scores of `model` on a MiniCity split of the config. */
async function score(model: Segmentor, cfg: ResolvedConfig, split: string, limit?: number) {
  const val = miniCityValSamples(cfg, split, [cfg.data.evalSize[0], cfg.data.evalSize[1]], limit);
  return armMetrics(await evaluate(model, val.samples(), { classNames: headClasses(cfg.model.numClasses).names }));
}

/** Trains and scores one arm of a MiniCity config; the model is disposed before returning. */
export async function runArmInStore(arm: ArmSpec, cfg: ResolvedConfig, o: MemoryArmOptions): Promise<ArmResult> {
  for (const [role, d] of [['source', cfg.data.source], ['target', cfg.data.target], ['val', cfg.data.val]] as const) {
    if (d !== null && d.dataset !== 'minicity') {
      throw new PlcaError('PLCA_CONFIG_INVALID', `runArmInStore: data.${role} is "${d.dataset}"; without files only MiniCity domains can be read`);
    }
  }
  const t0 = Date.now();
  for (const split of Object.keys(MINICITY_SPLITS)) generateMiniCitySet(cfg.data, split, 'data');
  const dataSeconds = (Date.now() - t0) / 1000;
  const history = o.history ?? { curve: [], valCurve: [] };
  const { curve, valCurve } = history;
  const seed = cfg.train.seed;
  // As streamsFromConfig: distinct derived seeds, a target stream only when the mode needs one.
  const source = miniCityStream(cfg, cfg.data.source.split, 'source', deriveSeed(seed, 1));
  const target = methodNeedsTarget(cfg.method) && cfg.data.target !== null
    ? miniCityStream(cfg, cfg.data.target.split, 'target', deriveSeed(seed, 2)) : undefined;
  const val = cfg.data.val === null ? undefined : miniCityValSamples(cfg, cfg.data.val.split, [cfg.data.evalSize[0], cfg.data.evalSize[1]]);
  const validate = val === undefined ? undefined : setValidator({ samples: val.samples, classes: headClasses(cfg.model.numClasses) });
  const t1 = Date.now();
  const r = await train(cfg, { source, target, store: o.store, validate }, {
    signal: o.signal, resume: o.resume,
    onEvent: (e) => {
      if (e.type === 'step') {
        // A resumed run repeats no update; drop any point recorded past its checkpoint.
        while (curve.length > 0 && curve[curve.length - 1].step >= e.step) curve.pop();
        curve.push(curvePoint(e));
      }
      if (e.type === 'validation' && e.metrics.mIoU !== undefined) valCurve.push({ step: e.step, mIoU: e.metrics.mIoU });
      o.onEvent?.(e);
    },
  });
  const trainSeconds = (Date.now() - t1) / 1000;
  try {
    const targetScores = await score(r.model, cfg, cfg.data.val?.split ?? 'target_val');
    const sourceScores = o.sourceVal === false ? undefined : await score(r.model, cfg, 'source_val', o.sourceValImages);
    await o.onModel?.(r.model);
    return {
      key: arm.key, label: arm.label, mode: cfg.method.mode, model: cfg.model.name, seed, steps: cfg.train.maxIters,
      config: arm.config, overrides: [...arm.set, ...(o.overrides ?? [])], target: targetScores, source: sourceScores, curve, valCurve,
      collapse: detectCollapse(curve, targetScores.predictedShares),
      predictedShares: targetScores.predictedShares,
      dataSeconds, trainSeconds, stepsPerSecond: r.losses.length / Math.max(trainSeconds, 1e-9),
      weights: { ...cfg.method.weights },
    };
  } finally {
    r.model.dispose();
  }
}
