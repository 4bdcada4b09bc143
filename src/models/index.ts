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
export { readTorchFile, readTorchObject, pickStateDict, isTorchFile, torchFileFormat, torchFormat, STATE_DICT_KEYS } from './torch_pth.js';
export type { TorchDtype, TorchFileTensor, TorchStateDict, ReadTorchOptions } from './torch_pth.js';
export { loadPretrained, loadPretrainedDict, isTorchWeightsPath, describePretrained } from './pretrained.js';
export type { LoadPretrainedOptions, LoadPretrainedResult, KeyConvention } from './pretrained.js';
export { convGflop, convFlop } from './conv_work.js';
export type { ConvWork, ConvGflop } from './conv_work.js';
