/**
 * `plca eval` in one call: a checkpoint (or a model, or the config's pretrained weights) on the
 * config's validation set, as the reference's tools/test.py (§4.11): the image at the eval input
 * size, labels at full size, logits upsampled bilinearly, one confusion matrix over the set,
 * per-class IoU, mIoU over the head's classes and the SYNTHIA 16/13 protocols, pixel accuracy.
 */
import type { ResolvedConfig } from '../config/index.js';
import { initEngine, type EngineOptions } from '../engine/index.js';
import { evaluate, type ConfusionMatrix, type Metrics } from '../eval/index.js';
import { createModel, type Segmentor } from '../models/index.js';
import { restoreModel } from '../train/index.js';
import { PlcaError } from '../util/errors.js';
import { engineOptions, loadModelForInference } from './inference.js';
import { valSamplesFromConfig, type ValOptions, type ValSet } from './val.js';
import { setValidator } from './validation.js';

export interface RunEvaluationOptions extends ValOptions {
  /** Checkpoint file, checkpoints directory or run directory; its config is used unless `cfg` is given. */
  checkpoint?: string;
  /**
   * The config whose data section (val set, eval size, normalisation) and runtime are used. With a
   * checkpoint, the network (name, classes) is still the checkpoint's.
   */
  cfg?: ResolvedConfig;
  /** An already built model to evaluate (the caller keeps and disposes it); needs `cfg`. */
  model?: Segmentor;
  /** Test-time aggregation (§4.5; tools/test.py runs with it). @default false */
  aggregate?: boolean;
  /** Network input size [H, W] instead of data.evalSize. */
  inputSize?: [number, number];
  /** Engine settings over the config's runtime (e.g. the CLI's --backend). */
  runtime?: EngineOptions;
  /** Called after each image. */
  onProgress?: (e: { done: number; total: number; id?: string }) => void;
}

export interface EvaluationReport {
  /** pixelAccuracy, perClassIoU (by classNames), mIoU, and mIoU16/mIoU13 where the head has those classes. */
  metrics: Metrics;
  confusion: ConfusionMatrix;
  images: number;
  /** The dataset evaluated. */
  dataset: ValSet['domain'];
  inputSize: [number, number];
  aggregate: boolean;
  /** The checkpoint file evaluated and its step; null when a model or pretrained weights were. */
  checkpoint: string | null;
  step: number | null;
}

interface Target { model: Segmentor; owned: boolean; cfg: ResolvedConfig; checkpoint: string | null; step: number | null }

/** With the network's size from `net` (a checkpoint's config), the data side from `data`. */
function withNetwork(data: ResolvedConfig, net: ResolvedConfig): ResolvedConfig {
  return { ...data, model: net.model };
}

async function loadTarget(o: RunEvaluationOptions): Promise<Target> {
  if (o.checkpoint !== undefined) {
    const m = await loadModelForInference(o.checkpoint, { runtime: o.cfg ? engineOptions(o.cfg.runtime, o.runtime) : o.runtime });
    return { model: m.model, owned: true, cfg: o.cfg ? withNetwork(o.cfg, m.cfg) : m.cfg, checkpoint: m.file, step: m.step };
  }
  const cfg = o.cfg;
  if (cfg === undefined) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', 'runEvaluation: give a checkpoint, or a config (with a model or model.pretrained)');
  }
  await initEngine(engineOptions(cfg.runtime, o.runtime));
  if (o.model !== undefined) {
    if (o.model.numClasses !== cfg.model.numClasses) {
      throw new PlcaError('PLCA_INVALID_ARGUMENT',
        `runEvaluation: model "${o.model.name}" has ${o.model.numClasses} classes but model.numClasses is ${cfg.model.numClasses}`);
    }
    return { model: o.model, owned: false, cfg, checkpoint: null, step: null };
  }
  if (cfg.model.pretrained === null) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', 'runEvaluation: no checkpoint given and model.pretrained is null, so there are no weights to evaluate', {
      hint: 'pass --checkpoint RUN_DIR (or a .ckpt file)',
    });
  }
  const model = createModel(cfg.model.name, { numClasses: cfg.model.numClasses, seed: cfg.train.seed });
  try {
    const r = restoreModel(model, cfg.model.pretrained);
    return { model, owned: true, cfg, checkpoint: r.file, step: r.step };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * Evaluates a trained model on a labelled set (data.val unless dataset/root/split override it).
 * @throws PLCA_INVALID_ARGUMENT without weights; PLCA_CONFIG_INVALID without a val set; the
 *   checkpoint's and dataset's own errors naming their files
 */
export async function runEvaluation(o: RunEvaluationOptions): Promise<EvaluationReport> {
  const valOpts: ValOptions = { dataset: o.dataset, root: o.root, split: o.split, evalSize: o.inputSize ?? o.evalSize, limit: o.limit };
  // Without a checkpoint the head size is the config's: open the set first, so a bad dataset
  // fails before any weights load.
  const early = o.checkpoint === undefined && o.cfg !== undefined ? valSamplesFromConfig(o.cfg, valOpts) : undefined;
  const t = await loadTarget(o);
  try {
    const val = early ?? valSamplesFromConfig(t.cfg, valOpts);
    const aggregate = o.aggregate ?? false;
    const r = await evaluate(t.model, val.samples(), {
      aggregate, classNames: val.classes.names,
      onImage: (e) => o.onProgress?.({ done: e.index + 1, total: val.count, id: e.id }),
    });
    return {
      metrics: r.metrics, confusion: r.confusion, images: r.images, dataset: val.domain, inputSize: val.evalSize, aggregate,
      checkpoint: t.checkpoint, step: t.step,
    };
  } finally {
    if (t.owned) t.model.dispose();
  }
}

/**
 * The in-training validator: evaluates the model on the config's val set without aggregation
 * (the reference's Solver.test does not aggregate either, §4.5) and flattens the metrics into
 * the numbers the trainer logs. MiniCity sets are generated once, not at every validation.
 */
export function configValidator(cfg: ResolvedConfig): (model: Segmentor, step: number) => Promise<Record<string, number>> {
  return setValidator(valSamplesFromConfig(cfg));
}
