/**
 * A trained model for inference: the checkpoint's own resolved config rebuilds the network
 * (name, class count) and says how its input was normalised; `predictImage` runs one RGB image
 * as evaluation does (resize to the eval size, logits upsampled bilinearly to the image size)
 * and answers in Cityscapes train ids, whatever the head's class order.
 */
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig, type ResolvedConfig } from '../config/index.js';
import { evalResize, normalizeImage, type RgbImage } from '../data/index.js';
import { initEngine, type EngineInfo, type EngineOptions } from '../engine/index.js';
import { predict } from '../eval/index.js';
import { createModel, isModelName, type Segmentor } from '../models/index.js';
import { assignGroup, checkGroup, loadCheckpoint, resolveCheckpointPath } from '../train/index.js';
import { PlcaError } from '../util/errors.js';
import { headClasses, headToTrainIds, type HeadClasses } from './classes.js';

export interface InferenceModel {
  /** The network with the checkpoint's weights and BN statistics (the caller disposes it). */
  model: Segmentor;
  /** The run's resolved config, as embedded in the checkpoint. */
  cfg: ResolvedConfig;
  /** The checkpoint file read (a run or checkpoints directory resolves to its latest). */
  file: string;
  /** Updates the checkpoint was written after. */
  step: number;
  classes: HeadClasses;
}

/** Engine options of a config, with the caller's overrides (e.g. the CLI's --backend) first. */
export function engineOptions(runtime: ResolvedConfig['runtime'], override: EngineOptions = {}): EngineOptions {
  return { backend: override.backend ?? runtime.backend, threads: override.threads ?? runtime.threads ?? undefined };
}

/**
 * Loads a checkpoint (file, checkpoints directory or run directory) into a new model built from
 * the checkpoint's config. Initialises the engine from that config's runtime unless `runtime`
 * overrides it.
 * @throws PLCA_FILE_NOT_FOUND / PLCA_CHECKPOINT_INVALID naming the file
 */
export async function loadModelForInference(checkpointPath: string, opts: { runtime?: EngineOptions } = {}): Promise<InferenceModel & { engine: EngineInfo }> {
  const file = resolveCheckpointPath(checkpointPath);
  const ck = loadCheckpoint(file);
  let cfg: ResolvedConfig;
  try {
    cfg = resolveConfig(ck.config, [], { source: file });
  } catch (e) {
    throw new PlcaError('PLCA_CHECKPOINT_INVALID', `checkpoint ${file} holds a config this version cannot read: ${(e as Error).message}`, { cause: e });
  }
  if (!isModelName(ck.modelName) || ck.modelName !== cfg.model.name.replace(/-/g, '_') /* the registry's hyphen spelling */) {
    throw new PlcaError('PLCA_CHECKPOINT_INVALID',
      `checkpoint ${file} is of model "${ck.modelName}" (its config says "${cfg.model.name}"), which this version cannot build`);
  }
  const classes = headClasses(cfg.model.numClasses);
  const engine = await initEngine(engineOptions(cfg.runtime, opts.runtime));
  const model = createModel(ck.modelName, { numClasses: cfg.model.numClasses, seed: cfg.train.seed });
  try {
    checkGroup(model.params, ck.groups.params, 'parameter', file);
    checkGroup(model.state, ck.groups.state, 'state variable', file);
    assignGroup(model.params, ck.groups.params!);
    assignGroup(model.state, ck.groups.state ?? new Map());
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, cfg, file, step: ck.step, classes, engine };
}

export interface PredictImageOptions {
  /** The reference's two-stage test-time aggregation (§4.5). @default false */
  aggregate?: boolean;
  /**
   * Network input size [H, W]; null runs the image at its own size. @default cfg.data.evalSize,
   * as evaluation (the reference resizes every Cityscapes image to 730×1460)
   */
  inputSize?: [number, number] | null;
}

export interface ImagePrediction {
  width: number;
  height: number;
  /** Cityscapes train id per pixel, H·W row-major (what the palette PNG draws). */
  labels: Uint8Array;
  /** Head index per pixel (the model's own class order), H·W. */
  classIndices: Uint8Array;
  /** Class name of each head index. */
  classNames: readonly string[];
}

/**
 * Segments one 8-bit RGB image (HWC): resized to the input size, normalised as the config's
 * data.normalization, logits upsampled bilinearly to the image size, argmax.
 */
export function predictImage(model: Segmentor, cfg: ResolvedConfig, image: RgbImage, opts: PredictImageOptions = {}): ImagePrediction {
  const { width, height, data } = image;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0) || data.length !== width * height * 3) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT',
      `predictImage: image must be ${height}×${width}×3 RGB bytes (${width * height * 3}), got ${data.length}`);
  }
  const classes = headClasses(model.numClasses);
  const size = opts.inputSize === undefined ? [cfg.data.evalSize[0], cfg.data.evalSize[1]] as const : opts.inputSize;
  if (size !== null && !(size.length === 2 && size.every((v) => Number.isInteger(v) && v > 0))) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `predictImage: inputSize must be [height, width] positive integers or null, got [${size.join(', ')}]`);
  }
  const resized = evalResize(image, size);
  const x = tf.tensor4d(normalizeImage(resized, cfg.data.normalization), [1, resized.height, resized.width, 3]);
  let classIndices: Uint8Array;
  try {
    const pred = predict(model, x, { outputSize: [height, width], aggregate: opts.aggregate ?? false });
    classIndices = Uint8Array.from(pred.dataSync());
    pred.dispose();
  } finally {
    x.dispose();
  }
  return { width, height, labels: headToTrainIds(classIndices, classes), classIndices, classNames: classes.names };
}
