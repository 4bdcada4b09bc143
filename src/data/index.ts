/** Public API of src/data: datasets as published, label maps, transforms, the worker loader, checks. */
export {
  readImage, readLabel, writePng, writePalettePng, decodeRaw, toRgb, rawLabelOf,
  type RgbImage, type RawLabel,
} from './image_io.js';
export { decodePng, encodePng, pngSize, type RawPng, type PngInput } from './png.js';
export {
  CLASS_NAMES, NUM_CLASSES, IGNORE_ID, CITYSCAPES_PALETTE, cityscapesPalette256,
  CITYSCAPES_LABELS, GTAV_LABELS, SYNTHIA_LABELS, TRAIN_ID_LABELS,
  SYNTHIA16_TRAIN_IDS, SYNTHIA13_TRAIN_IDS, PLCA_CLASS_ORDER, PLCA_TO_TRAIN_ID, plcaToInternalOrder,
  buildLut, mapLabels, parseIdMapping,
  type ClassName, type LabelMapping, type MappedLabels,
} from './label_maps.js';
export {
  openDataset, dropLabels, cityscapesDataset, gtavDataset, synthiaDataset, folderDataset, loadSample, readSplitList,
  describeUnknownLabels, DATASET_NAMES, DATASET_ALIASES, UNKNOWN_LABEL_POLICIES,
  type DatasetName, type OpenDatasetOptions, type LoadOptions, type DatasetDescriptor, type SampleRef, type SegSample,
  type UnknownLabelPolicy, type UnknownLabelReport,
  type CityscapesOptions, type GtavOptions, type SynthiaOptions, type FolderOptions,
} from './datasets/index.js';
export {
  sampleAugment, applyAugment, normalizeImage, normalizeSpec, evalResize, resizeBilinear, resizeLabelNearest, shortSideSize,
  CAFFE_BGR_MEAN, IMAGENET_RGB_MEAN, IMAGENET_RGB_STD,
  type NormalizeMode, type NormalizeSpec, type TrainTransformOptions, type AugmentParams,
} from './transforms.js';
export { hashSeed, mulberry32, permutation, type Uniform } from '../util/rng.js';
export { prepareSample, type PipelineOptions, type PreparedSample } from './sample_pipeline.js';
export type { Batch, BatchStream } from './batch.js';
export { DataLoader, createLoader, toBatch, type LoaderOptions, type LoaderState } from './loader.js';
export { checkDataset, checkDatasetParallel, checkDescriptor, checkItem, type ItemCheck, type CheckOptions, type CheckReport, type CheckProblem, type Histogram } from './check.js';
