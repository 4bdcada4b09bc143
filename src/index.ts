/**
 * plca: Pixel-Level Cycle Association (Kang et al., NeurIPS 2020) on TensorFlow.js.
 * The library's public API, module by module; `cli/` is the only layer above it.
 */
export * from './util/errors.js';
export * from './engine/index.js';
export * from './losses/index.js';
export * from './models/index.js';
export { readTorchFile, readTorchObject, pickStateDict, isTorchFile, torchFileFormat, torchFormat, STATE_DICT_KEYS } from './models/torch_pth.js';
export type { TorchDtype, TorchFileTensor, TorchStateDict, ReadTorchOptions } from './models/torch_pth.js';
export { loadPretrained, loadPretrainedDict, isTorchWeightsPath, describePretrained } from './models/pretrained.js';
export type { LoadPretrainedOptions, LoadPretrainedResult, KeyConvention } from './models/pretrained.js';
export * from './data/index.js';
export * from './minicity/index.js';
export * from './config/index.js';
export * from './method/index.js';
export * from './train/index.js';
export * from './eval/index.js';
export * from './export/index.js';
export * from './pipeline/index.js';
export * from './demo/index.js';

// Names that two modules export: the tensor op is the public one; the others are reachable
// under explicit names.
export { resizeBilinear } from './engine/index.js';
export { resizeBilinear as resizeImageBilinear } from './data/index.js';
export { applyOverride as applyMiniCityOverride } from './minicity/index.js';
export { DATASET_NAMES, applyOverride } from './config/index.js';
export type { DatasetName } from './config/index.js';
