export { initEngine, engineInfo } from './init.js';
export type { EngineInfo, EngineOptions, BackendName } from './init.js';
export {
  conv2d, resizeBilinear, resizeNearestLabels, batchNorm, groupNorm, softmaxCrossEntropy, matmul,
} from './ops.js';
export type { Conv2dOptions, BatchNormOptions, BatchNormResult } from './ops.js';
