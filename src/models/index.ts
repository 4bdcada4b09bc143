// Segmentation networks (NHWC): the Segmentor contract, the registry and weight import.
export type { Segmentor, SegmentorOutput, ApplyOptions } from './segmentor.js';
export { resolveRecompute, RECOMPUTE_SETTINGS } from './recompute.js';
export type { RecomputeMode, RecomputeSetting } from './recompute.js';
export {
  createModel, modelInfo, modelConvs, isModelName, canonicalModelName, MODELS, MODEL_NAMES, RESNET_TINY, RESNET_TINY_RATES,
} from './registry.js';
export type { ModelName, CreateModelOptions, ModelInfo } from './registry.js';
export type { NormKind } from './module.js';
export { BN_MOMENTUM } from './module.js';
export { loadTorchStateDict, oihwToHwio, permuteLastAxis } from './torch_weights.js';
export type { TorchTensor, LoadTorchOptions, LoadTorchResult } from './torch_weights.js';
export { ceilPoolOut, maxPoolCeil } from './backbones/resnet.js';
export { DEEPLABV2_RATES } from './heads/deeplabv2_aspp.js';
// PyTorch files (torch_pth.ts, pretrained.ts) read the file system: they are exported by the Node entry
// (src/index.ts), not here, because the browser build (src/browser.ts) reaches this barrel.
export { convGflop, convFlop } from './conv_work.js';
export type { ConvWork, ConvGflop } from './conv_work.js';
