// The engine benchmark's step net (src/engine/README.md), for the benchmark, profiling and the
// engine's training test: conv3×3 s2 3→32 +BN+ReLU, conv3×3 s2 32→64 +BN+ReLU, two dilated
// (d=2) conv3×3 64→64 +bias+ReLU, 1×1 conv → K (+bias), bilinear upsample to the input size,
// softmax cross-entropy, plain SGD. NHWC. PyTorch twin: scripts/bench_engine_torch.py. Internal:
// not part of the public API (import it from this file).
import * as tf from '@tensorflow/tfjs-core';
import { conv2d, resizeBilinear, batchNorm, softmaxCrossEntropy } from './ops.js';
import { mulberry32 } from '../util/rng.js';

export interface StepNet {
  params: Map<string, tf.Variable>;
  /** BN running statistics, updated with momentum 0.1 in training steps */
  state: Map<string, tf.Variable>;
  /** Logits at the input size, [N, H, W, K]. */
  forward(x: tf.Tensor4D, training: boolean): tf.Tensor4D;
  /** One SGD step; returns the loss before the update. */
  trainStep(x: tf.Tensor4D, labels: tf.Tensor3D, lr: number): number;
  dispose(): void;
}

/** Kaiming-uniform-like init from plca's seeded generator (src/util/rng.ts), so runs are repeatable. */
function initWeight(shape: number[], seed: number): tf.Variable {
  const n = shape.reduce((a, b) => a * b, 1);
  const fanIn = shape.slice(0, 3).reduce((a, b) => a * b, 1);
  const bound = Math.sqrt(6 / fanIn);
  const data = new Float32Array(n);
  const uniform = mulberry32(seed);
  for (let i = 0; i < n; i++) data[i] = (uniform() * 2 - 1) * bound;
  return tf.variable(tf.tensor(data, shape), true);
}

/**
 * Builds the step net with `numClasses` outputs and `inChannels` inputs.
 * @param width channel width of the first conv (the second and dilated ones use 2×). @default 32
 */
export function createStepNet(numClasses = 19, inChannels = 3, width = 32, seed = 1): StepNet {
  const w2 = 2 * width;
  const params = new Map<string, tf.Variable>([
    ['conv1.w', initWeight([3, 3, inChannels, width], seed)],
    ['bn1.gamma', tf.variable(tf.ones([width]))], ['bn1.beta', tf.variable(tf.zeros([width]))],
    ['conv2.w', initWeight([3, 3, width, w2], seed + 1)],
    ['bn2.gamma', tf.variable(tf.ones([w2]))], ['bn2.beta', tf.variable(tf.zeros([w2]))],
    ['conv3.w', initWeight([3, 3, w2, w2], seed + 2)], ['conv3.b', tf.variable(tf.zeros([w2]))],
    ['conv4.w', initWeight([3, 3, w2, w2], seed + 3)], ['conv4.b', tf.variable(tf.zeros([w2]))],
    ['cls.w', initWeight([1, 1, w2, numClasses], seed + 4)], ['cls.b', tf.variable(tf.zeros([numClasses]))],
  ]);
  const state = new Map<string, tf.Variable>([
    ['bn1.mean', tf.variable(tf.zeros([width]), false)], ['bn1.var', tf.variable(tf.ones([width]), false)],
    ['bn2.mean', tf.variable(tf.zeros([w2]), false)], ['bn2.var', tf.variable(tf.ones([w2]), false)],
  ]);
  const P = (k: string) => params.get(k)!;
  const S = (k: string) => state.get(k)!;

  const bnRelu = (x: tf.Tensor4D, name: string, training: boolean): tf.Tensor4D => {
    const r = batchNorm(x, { gamma: P(`${name}.gamma`) as tf.Tensor1D, beta: P(`${name}.beta`) as tf.Tensor1D,
      mean: S(`${name}.mean`) as tf.Tensor1D, variance: S(`${name}.var`) as tf.Tensor1D, training });
    if (r.batchMean && r.batchVarUnbiased) {
      // Running averages, momentum 0.1 (PyTorch), unbiased variance.
      S(`${name}.mean`).assign(tf.tidy(() => tf.add(tf.mul(S(`${name}.mean`), 0.9), tf.mul(r.batchMean!, 0.1))));
      S(`${name}.var`).assign(tf.tidy(() => tf.add(tf.mul(S(`${name}.var`), 0.9), tf.mul(r.batchVarUnbiased!, 0.1))));
    }
    return tf.relu(r.y);
  };

  const forward = (x: tf.Tensor4D, training: boolean): tf.Tensor4D => tf.tidy(() => {
    let h = bnRelu(conv2d(x, P('conv1.w') as tf.Tensor4D, { stride: 2, pad: 1 }), 'bn1', training); // [N, H/2, W/2, w]
    h = bnRelu(conv2d(h, P('conv2.w') as tf.Tensor4D, { stride: 2, pad: 1 }), 'bn2', training); // [N, H/4, W/4, 2w]
    h = tf.relu(tf.add(conv2d(h, P('conv3.w') as tf.Tensor4D, { dilation: 2, pad: 2 }), P('conv3.b'))) as tf.Tensor4D;
    h = tf.relu(tf.add(conv2d(h, P('conv4.w') as tf.Tensor4D, { dilation: 2, pad: 2 }), P('conv4.b'))) as tf.Tensor4D;
    const logits = tf.add(conv2d(h, P('cls.w') as tf.Tensor4D), P('cls.b')) as tf.Tensor4D; // [N, H/4, W/4, K]
    return resizeBilinear(logits, [x.shape[1], x.shape[2]]);
  });

  const trainStep = (x: tf.Tensor4D, labels: tf.Tensor3D, lr: number): number => {
    const { value, grads } = tf.variableGrads(() => softmaxCrossEntropy(forward(x, true), labels),
      Array.from(params.values()));
    tf.tidy(() => {
      for (const [, v] of params) v.assign(tf.sub(v, tf.mul(grads[v.name], lr)));
    });
    const loss = value.dataSync()[0];
    tf.dispose([value, ...Object.values(grads)]);
    return loss;
  };

  const dispose = (): void => {
    for (const v of [...params.values(), ...state.values()]) v.dispose();
  };
  return { params, state, forward, trainStep, dispose };
}
