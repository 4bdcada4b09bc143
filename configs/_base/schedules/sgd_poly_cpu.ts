// A CPU-sized schedule (docs/minicity.md): lr 0.02 for a small net trained from scratch, poly 0.9
// to 0 over the run, 4 source + 4 target images per update, 600 updates; target-val scores every
// 100 updates (the demo report's curve; never used to select a model).
import { defineConfig } from '../../../src/config/define_config.js';

export default defineConfig({
  optim: { lr: 0.02, momentum: 0.9, weightDecay: 5e-4, polyPower: 0.9, classifierLrMult: 1 },
  train: {
    batchSize: 4,
    gradAccum: 1,
    maxIters: 600,
    polyHorizon: 600,
    checkpointInterval: 200,
    valInterval: 100,
    logInterval: 10,
  },
});
