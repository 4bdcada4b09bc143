// The engine fixtures (fixtures/engine/*.json, PyTorch, NCHW) as cases that return relative errors
// per quantity, without vitest: fixture_suite.ts asserts them on cpu and wasm, and the browser
// checks page (test/web/checks) runs them on webgpu and webgl.
import * as tf from '@tensorflow/tfjs-core';
import { batchNorm, conv2d, resizeBilinear, resizeNearestLabels, softmaxCrossEntropy } from '../../src/engine/ops.js';
import type { Fixture, FixtureTensor } from '../helpers/fixture_format.js';
import { nchwToNhwc, nhwcToNchwData, relError } from '../helpers/tensors.js';

/** The fixtures' tolerance (fixtures/engine/README.md). */
export const TOL = 1e-4;

/** Relative error by quantity (`y`, `gradX`, …); for exact outputs, the number of differing entries. */
export type Errors = Record<string, number>;

const T = (v: unknown) => v as FixtureTensor;
const nhwc = (t: FixtureTensor) => nchwToNhwc(t.data, t.shape);

/** Weight [out, in, kh, kw] (PyTorch) ↔ [kh, kw, in, out] (TF.js). */
export const torchToTfFilter = (t: FixtureTensor) => tf.tidy(() => tf.transpose(tf.tensor4d(t.data, t.shape as [number, number, number, number]), [2, 3, 1, 0]));
function tfToTorchFilterData(w: tf.Tensor): Float32Array {
  const t = tf.transpose(w, [3, 2, 0, 1]);
  const d = t.dataSync() as Float32Array;
  t.dispose();
  return d;
}

function convCase(f: Fixture): Errors {
  const p = f.params as { stride: number; dilation: number; padding: number };
  const x = nhwc(T(f.inputs.x));
  const w = torchToTfFilter(T(f.inputs.weight));
  const up = nhwc(T(f.inputs.upstream));
  const opts = { stride: p.stride, dilation: p.dilation, pad: p.padding };
  const { value, grads } = tf.valueAndGrads((xx: tf.Tensor, ww: tf.Tensor) =>
    tf.sum(tf.mul(conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, opts), up)))([x, w]);
  const y = conv2d(x, w, opts);
  const out = {
    y: relError(nhwcToNchwData(y), T(f.outputs.y).data),
    gradX: relError(nhwcToNchwData(grads[0]), T(f.outputs.gradX).data),
    gradWeight: relError(tfToTorchFilterData(grads[1]), T(f.outputs.gradWeight).data),
  };
  tf.dispose([x, w, up, value, y, ...grads]);
  return out;
}

function resizeCase(f: Fixture): Errors {
  const size = (f.params as { size: [number, number] }).size;
  const x = nhwc(T(f.inputs.x));
  const up = nhwc(T(f.inputs.upstream));
  const y = resizeBilinear(x, size);
  const g = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(resizeBilinear(xx as tf.Tensor4D, size), up)))(x);
  const out = { y: relError(nhwcToNchwData(y), T(f.outputs.y).data), gradX: relError(nhwcToNchwData(g), T(f.outputs.gradX).data) };
  tf.dispose([x, up, y, g]);
  return out;
}

function nearestLabelCase(f: Fixture): Errors {
  const l = T(f.inputs.label);
  const labels = tf.tensor3d(l.data, l.shape as [number, number, number], 'int32');
  const out = resizeNearestLabels(labels, (f.params as { size: [number, number] }).size);
  const got = out.dataSync();
  const want = T(f.outputs.label).data;
  const differing = got.length !== want.length ? Infinity : want.reduce((n, v, i) => n + (got[i] === v ? 0 : 1), 0);
  tf.dispose([labels, out]);
  return { label: differing };
}

function batchNormCase(f: Fixture): Errors {
  const x = nhwc(T(f.inputs.x));
  const up = nhwc(T(f.inputs.upstream));
  const gamma = tf.tensor1d(T(f.inputs.gamma).data);
  const beta = tf.tensor1d(T(f.inputs.beta).data);
  const c = gamma.size;
  const mean = tf.zeros([c]) as tf.Tensor1D;
  const variance = tf.ones([c]) as tf.Tensor1D;
  const run = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => batchNorm(xx as tf.Tensor4D,
    { gamma: gg as tf.Tensor1D, beta: bb as tf.Tensor1D, mean, variance, training: true });
  const r = run(x, gamma, beta);
  // running = 0.9·running + 0.1·batch (PyTorch momentum 0.1), unbiased variance
  const rm = tf.tidy(() => tf.add(tf.mul(mean, 0.9), tf.mul(r.batchMean!, 0.1)));
  const rv = tf.tidy(() => tf.add(tf.mul(variance, 0.9), tf.mul(r.batchVarUnbiased!, 0.1)));
  const grads = tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(run(xx, gg, bb).y, up)))([x, gamma, beta]);
  const out = {
    y: relError(nhwcToNchwData(r.y), T(f.outputs.y).data),
    runningMean: relError(rm.dataSync(), T(f.outputs.runningMean).data),
    runningVar: relError(rv.dataSync(), T(f.outputs.runningVar).data),
    gradX: relError(nhwcToNchwData(grads[0]), T(f.outputs.gradX).data),
    gradGamma: relError(grads[1].dataSync(), T(f.outputs.gradGamma).data),
    gradBeta: relError(grads[2].dataSync(), T(f.outputs.gradBeta).data),
  };
  tf.dispose([x, up, gamma, beta, mean, variance, r.y, r.batchMean!, r.batchVarUnbiased!, rm, rv, ...grads]);
  return out;
}

function crossEntropyCase(f: Fixture): Errors {
  const logits = nhwc(T(f.inputs.logits));
  const l = T(f.inputs.label);
  const labels = tf.tensor3d(l.data, l.shape as [number, number, number], 'int32');
  const { value, grad } = tf.valueAndGrad((z: tf.Tensor) => softmaxCrossEntropy(z as tf.Tensor4D, labels))(logits);
  const out = { loss: relError(value.dataSync(), [f.outputs.loss as number]), gradLogits: relError(nhwcToNchwData(grad), T(f.outputs.gradLogits).data) };
  tf.dispose([logits, labels, value, grad]);
  return out;
}

/** File-name prefix → case. */
const CASES: Array<[string, (f: Fixture) => Errors]> = [
  ['conv_', convCase], ['resize_', resizeCase], ['nearest_label', nearestLabelCase], ['batchnorm_', batchNormCase], ['cross_entropy', crossEntropyCase],
];

/** The case of an engine fixture file, or an error naming the known prefixes. */
export function engineCaseFor(file: string): (f: Fixture) => Errors {
  const hit = CASES.find(([prefix]) => file.startsWith(prefix));
  if (!hit) throw new Error(`unknown engine fixture prefix: ${file} (known: ${CASES.map((c) => c[0]).join(', ')})`);
  return hit[1];
}

/**
 * The tolerance of one quantity: TOL, exact (0) for label indices, and 1e-3 for the forward
 * resize on every backend but cpu. TF.js's stock ResizeBilinear computes the half-pixel source
 * coordinates in float32 (wasm's C++, WebGL's and WebGPU's shaders alike), which lands at ~3e-4
 * near zero crossings (wasm 3.2e-4; webgl and webgpu 1.7e-4 and 3.7e-4 on the two downsampling
 * and odd upsampling fixtures); the fixtures' README allows up to 1e-3 for such differences. plca's
 * own resize gradient stays under 1e-4 everywhere.
 */
export function engineTolerance(file: string, quantity: string, backend: string): number {
  if (quantity === 'label') return 0;
  if (file.startsWith('resize_') && quantity === 'y' && backend !== 'cpu') return 1e-3;
  return TOL;
}
