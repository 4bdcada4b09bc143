// Parity of the engine ops (values and gradients) with the PyTorch engine fixtures (NCHW → NHWC).
// Shared by one test file per backend (backends are process-global).
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, conv2d } from '../../src/engine/index.js';
import { fixturesDir, listFixtures, loadFixture, type FixtureTensor } from '../helpers/fixtures.js';
import { nchwToNhwc, expectNoLeak } from '../helpers/expect_tensors.js';
import { engineCaseFor, engineTolerance, torchToTfFilter } from './engine_cases.js';

const dir = fixturesDir('engine');
const fx = (name: string) => loadFixture(join(dir, name));
const T = (v: unknown) => v as FixtureTensor;

/** Errors measured, by fixture and quantity, so the runner can print them. */
export const measured: Record<string, number> = {};

export function fixtureSuite(backend: 'cpu' | 'wasm'): void {
  describe(`engine fixtures on ${backend}`, () => {
    beforeAll(async () => { await initEngine({ backend }); });

    const files = listFixtures(dir);
    it('has fixtures, each of a known kind', () => {
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) expect(() => engineCaseFor(f)).not.toThrow();
    });
    it.each(files)('%s: values and gradients', (file) => {
      const before = tf.memory().numTensors;
      const errors = engineCaseFor(file)(fx(file));
      for (const [q, e] of Object.entries(errors)) {
        measured[`${file} ${q}`] = e;
        expect(e, `${file} ${q} relative error ${e}`).toBeLessThanOrEqual(engineTolerance(file, q, backend));
      }
      expect(tf.memory().numTensors, 'live tensors after the case').toBe(before);
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
