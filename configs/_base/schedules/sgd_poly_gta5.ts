// The paper's schedule (§4.2) as the reference runs it for GTAV→Cityscapes (reference §4.9):
// SGD lr 2.5e-4, momentum 0.9, wd 5e-4, poly 0.9; 4 images × ITER_SIZE 2 = 8 per update;
// 372 updates per epoch; stop at 28 epochs, poly horizon 30 epochs (the LR never reaches 0);
// checkpoint every 5 epochs, validate every epoch, log 10× per epoch.
import { defineConfig } from '../../../src/config/define_config.js';

export const UPDATES_PER_EPOCH = 372;

export default defineConfig({
  optim: { lr: 2.5e-4, momentum: 0.9, weightDecay: 5e-4, polyPower: 0.9, classifierLrMult: 1 },
  train: {
    batchSize: 4,
    gradAccum: 2,
    maxIters: 28 * UPDATES_PER_EPOCH,
    polyHorizon: 30 * UPDATES_PER_EPOCH,
    checkpointInterval: 5 * UPDATES_PER_EPOCH,
    valInterval: UPDATES_PER_EPOCH,
    logInterval: 37,
  },
});
