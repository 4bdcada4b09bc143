// Parity of the engine ops (values and gradients) with the PyTorch engine fixtures (NCHW → NHWC).
// Shared by one test file per backend (backends are process-global).
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, conv2d, resizeBilinear, resizeNearestLabels, batchNorm, softmaxCrossEntropy } from '../../src/engine/index.js';
import { fixturesDir, listFixtures, loadFixture, type FixtureTensor } from '../helpers/fixtures.js';
import { expectClose, nchwToNhwc, nhwcToNchwData, expectNoLeak } from '../helpers/expect_tensors.js';

const TOL = 1e-4;
const dir = fixturesDir('engine');
const fx = (name: string) => loadFixture(join(dir, name));
const T = (v: unknown) => v as FixtureTensor;

/** Weight [out, in, kh, kw] (PyTorch) ↔ [kh, kw, in, out] (TF.js). */
const torchToTfFilter = (t: FixtureTensor) => tf.tidy(() => tf.transpose(tf.tensor4d(t.data, t.shape as [number, number, number, number]), [2, 3, 1, 0]));
const tfToTorchFilterData = (w: tf.Tensor) => tf.tidy(() => tf.transpose(w, [3, 2, 0, 1])).dataSync();

/** Errors measured, by fixture and quantity, so the runner can print them. */
export const measured: Record<string, number> = {};

function record(key: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol = TOL): void {
  measured[key] = expectClose(actual, expected, tol, key);
}

export function fixtureSuite(backend: 'cpu' | 'wasm'): void {
  describe(`engine fixtures on ${backend}`, () => {
    beforeAll(async () => { await initEngine({ backend }); });

    const convFiles = listFixtures(dir).filter((f) => f.startsWith('conv_'));
    const resizeFiles = listFixtures(dir).filter((f) => f.startsWith('resize_'));
    // An empty family would make it.each define no test at all: a set without fixtures must fail, not pass.
    it(`finds the conv and resize fixtures in ${dir}`, () => {
      expect(convFiles.length, `conv_*.json in ${dir}`).toBeGreaterThan(0);
      expect(resizeFiles.length, `resize_*.json in ${dir}`).toBeGreaterThan(0);
    });

    it.each(convFiles)('%s: value, gradX, gradWeight', (file) => {
      const f = fx(file);
      const p = f.params as { stride: number; dilation: number; padding: number };
      const x = nchwToNhwc(T(f.inputs.x).data, T(f.inputs.x).shape);
      const w = torchToTfFilter(T(f.inputs.weight));
      const up = nchwToNhwc(T(f.inputs.upstream).data, T(f.inputs.upstream).shape);
      const opts = { stride: p.stride, dilation: p.dilation, pad: p.padding };
      const { value, grads } = tf.valueAndGrads((xx: tf.Tensor, ww: tf.Tensor) =>
        tf.sum(tf.mul(conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, opts), up)))([x, w]);
      const y = conv2d(x, w, opts);
      record(`${file} y`, nhwcToNchwData(y), T(f.outputs.y).data);
      record(`${file} gradX`, nhwcToNchwData(grads[0]), T(f.outputs.gradX).data);
      record(`${file} gradWeight`, tfToTorchFilterData(grads[1]), T(f.outputs.gradWeight).data);
      tf.dispose([x, w, up, value, y, ...grads]);
    });

    it.each(resizeFiles)('%s: value and gradX', (file) => {
      const f = fx(file);
      const size = (f.params as { size: [number, number] }).size;
      const x = nchwToNhwc(T(f.inputs.x).data, T(f.inputs.x).shape);
      const up = nchwToNhwc(T(f.inputs.upstream).data, T(f.inputs.upstream).shape);
      const y = resizeBilinear(x, size);
      const g = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(resizeBilinear(xx as tf.Tensor4D, size), up)))(x);
      // wasm's stock ResizeBilinear forward lands at ~3e-4 (float32 rounding near zero crossings;
      // the README allows 1e-3 for summation-order differences). Our gradient stays under 1e-4.
      record(`${file} y`, nhwcToNchwData(y), T(f.outputs.y).data, backend === 'wasm' ? 1e-3 : TOL);
      record(`${file} gradX`, nhwcToNchwData(g), T(f.outputs.gradX).data);
      tf.dispose([x, up, y, g]);
    });

    it('nearest_label_13_to_5: exact', () => {
      const f = fx('nearest_label_13_to_5.json');
      const l = T(f.inputs.label);
      const labels = tf.tensor3d(l.data, l.shape as [number, number, number], 'int32');
      const out = resizeNearestLabels(labels, (f.params as { size: [number, number] }).size);
      expect(Array.from(out.dataSync())).toEqual(T(f.outputs.label).data);
      tf.dispose([labels, out]);
    });

    it('batchnorm_train: value, running stats, gradients', () => {
      const f = fx('batchnorm_train.json');
      const x = nchwToNhwc(T(f.inputs.x).data, T(f.inputs.x).shape);
      const up = nchwToNhwc(T(f.inputs.upstream).data, T(f.inputs.upstream).shape);
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
      record('batchnorm_train y', nhwcToNchwData(r.y), T(f.outputs.y).data);
      record('batchnorm_train runningMean', rm.dataSync(), T(f.outputs.runningMean).data);
      record('batchnorm_train runningVar', rv.dataSync(), T(f.outputs.runningVar).data);
      record('batchnorm_train gradX', nhwcToNchwData(grads[0]), T(f.outputs.gradX).data);
      record('batchnorm_train gradGamma', grads[1].dataSync(), T(f.outputs.gradGamma).data);
      record('batchnorm_train gradBeta', grads[2].dataSync(), T(f.outputs.gradBeta).data);
      tf.dispose([x, up, gamma, beta, mean, variance, r.y, r.batchMean!, r.batchVarUnbiased!, rm, rv, ...grads]);
    });

    it('cross_entropy_ignore: loss and gradient', () => {
      const f = fx('cross_entropy_ignore.json');
      const logits = nchwToNhwc(T(f.inputs.logits).data, T(f.inputs.logits).shape);
      const l = T(f.inputs.label);
      const labels = tf.tensor3d(l.data, l.shape as [number, number, number], 'int32');
      const { value, grad } = tf.valueAndGrad((z: tf.Tensor) => softmaxCrossEntropy(z as tf.Tensor4D, labels))(logits);
      record('cross_entropy_ignore loss', value.dataSync(), [f.outputs.loss as number]);
      record('cross_entropy_ignore gradLogits', nhwcToNchwData(grad), T(f.outputs.gradLogits).data);
      tf.dispose([logits, labels, value, grad]);
    });

    it('fixture ops do not leak tensors', async () => {
      const f = fx('conv_s1_d2.json');
      const x = nchwToNhwc(T(f.inputs.x).data, T(f.inputs.x).shape);
      const w = torchToTfFilter(T(f.inputs.weight));
      await expectNoLeak(() => {
        const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, { dilation: 2, pad: 2 })))([x, w]);
        tf.dispose(g);
      });
      tf.dispose([x, w]);
    });
  });
}
