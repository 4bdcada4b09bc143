import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/index.js';
import { resolveConfig } from '../../src/config/index.js';
import { train, SyntheticStream } from '../../src/train/index.js';
await initEngine({ backend: (process.argv[2] ?? 'wasm') as 'wasm' });
const cfg = resolveConfig({ model: { name: 'minicity_gn', numClasses: 4 }, method: { mode: 'plca' },
  optim: { lr: 0.003 }, train: { maxIters: 4, polyHorizon: 4, gradAccum: 1, batchSize: 2, checkpointInterval: 100, logInterval: 1, valInterval: null, collapseCoverRatio: 0.99 } });
const source = new SyntheticStream({ batchSize: 2, height: 16, width: 32, numClasses: 4, seed: 1 });
const target = new SyntheticStream({ batchSize: 2, height: 16, width: 32, numClasses: 4, seed: 2, shift: 0.3, labels: false });
await train(cfg, { source, target, outDir: '/tmp/plca_w/run3' }, { onEvent: (e) => { if (e.type === 'step') console.log(e.step, e.loss.toFixed(4), e.ms, tf.memory().numTensors); else console.log(JSON.stringify(e).slice(0, 200)); } });
