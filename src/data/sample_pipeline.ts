/**
 * One sample from file to network input: decode, map labels, augment (or resize for evaluation),
 * normalise. Runs in loader workers and, with `workers: 0`, in the main thread; both give
 * identical bytes because every random draw comes from the job's own seed.
 */
import { loadSample, type DatasetDescriptor, type LoadOptions, type UnknownLabelReport } from './datasets/common.js';
import { mulberry32 } from '../util/rng.js';
import { photometric, photometricActive } from './photometric.js';
import {
  applyAugment, evalResize, normalizeImage, sampleAugment, type NormalizeMode, type TrainTransformOptions,
} from './transforms.js';

/** How samples are turned into network input; plain JSON so it can be posted to workers. */
export interface PipelineOptions {
  /** 'train': random resize, flip, crop; 'eval': fixed resize of the image, label at full size. */
  mode: 'train' | 'eval';
  augment?: TrainTransformOptions;
  /** Evaluation input size [height, width]; null keeps the image size. @default [730, 1460] */
  evalSize?: [number, number] | null;
  /** @default 'bgr-caffe' */
  normalize?: NormalizeMode;
  /** A label of another size than its image: 'error' (default) or 'resize' (nearest). */
  sizeMismatch?: LoadOptions['sizeMismatch'];
  /** Raw label ids outside the mapping: 'error', 'warn' or 'ignore' (see LoadOptions). @default 'error' */
  unknownLabels?: LoadOptions['unknownLabels'];
}

/** One unit of work: which item, and the seed of its augmentation. */
export interface SampleJob {
  item: number;
  seed: number;
}

/** A prepared sample: normalised HWC float image and (optionally) HW train ids. */
export interface PreparedSample {
  item: number;
  id: string;
  height: number;
  width: number;
  image: Float32Array;
  label?: Uint8Array;
  labelHeight?: number;
  labelWidth?: number;
  /** Under unknownLabels 'warn': the label file's ids outside the mapping (read as ignore). */
  unknownLabels?: UnknownLabelReport;
}

export function prepareSample(ds: DatasetDescriptor, job: SampleJob, opts: PipelineOptions): PreparedSample {
  const s = loadSample(ds, job.item, { sizeMismatch: opts.sizeMismatch, unknownLabels: opts.unknownLabels ?? 'error' });
  const report = s.unknownLabels ? { unknownLabels: s.unknownLabels } : {};
  const norm = opts.normalize ?? 'bgr-caffe';
  if (opts.mode === 'eval') {
    const img = evalResize(s.image, opts.evalSize === undefined ? [730, 1460] : opts.evalSize);
    return {
      item: job.item, id: s.id, height: img.height, width: img.width, image: normalizeImage(img, norm),
      label: s.label, labelHeight: s.label ? s.image.height : undefined, labelWidth: s.label ? s.image.width : undefined, ...report,
    };
  }
  const rng = mulberry32(job.seed);
  const p = sampleAugment(rng, s.image.width, s.image.height, opts.augment);
  const out = applyAugment(s.image, s.label, p, opts.augment?.ignoreIndex ?? 255);
  const ph = opts.augment?.photometric;
  if (photometricActive(ph)) out.image = { ...out.image, data: photometric(out.image.data, out.image.width, out.image.height, ph, rng) };
  return {
    item: job.item, id: s.id, height: p.cropHeight, width: p.cropWidth, image: normalizeImage(out.image, norm),
    label: out.label, labelHeight: out.label ? p.cropHeight : undefined, labelWidth: out.label ? p.cropWidth : undefined, ...report,
  };
}
