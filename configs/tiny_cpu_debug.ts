// A smoke run that finishes in seconds on a laptop CPU: the small net on small MiniCity images,
// every term of the objective on from the first update (no warm-up, ramp or collapse guard: too
// few updates for them), a handful of updates, checkpoints and logs at every step.
import { defineConfig, mergeConfigs } from '../src/config/define_config.js';
import minicity from './minicity_plca.js';

export default defineConfig(mergeConfigs(minicity, {
  name: 'tiny_cpu_debug',
  method: { associationWarmup: 0, associationRamp: 0 },
  data: { minicity: { trainImages: 16, valImages: 8, size: [32, 64] }, crop: [32, 64], evalSize: [32, 64] },
  train: { batchSize: 2, gradAccum: 1, maxIters: 4, polyHorizon: 4, checkpointInterval: 2, valInterval: 2, logInterval: 1, collapseGuard: { enabled: false } },
}));
