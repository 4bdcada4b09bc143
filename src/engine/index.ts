// The engine's Node entry: registers Node's backends (src/browser.ts registers the browser's).
import { setEnginePlatform } from './platform.js';
import { nodePlatform } from './node_platform.js';

setEnginePlatform(nodePlatform);

export { initEngine, engineInfo, exitEngine } from './init.js';
export type { EngineInfo, EngineOptions, BackendName } from './init.js';
export {
  conv2d, resizeBilinear, resizeNearestLabels, batchNorm, groupNorm, softmaxCrossEntropy, matmul, sgdUpdate, addRelu,
} from './ops.js';
export type { Conv2dOptions, BatchNormOptions, BatchNormResult } from './ops.js';
