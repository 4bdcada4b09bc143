// Recomputation (gradient checkpointing, src/models/recompute.ts): the gradients of every
// parameter and the BN running statistics must not depend on the mode, and nothing may leak.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../src/engine/index.js';
import { defineResNetAspp, RESNET_TINY } from '../../src/models/registry.js';
import { PlannedSegmentor } from '../../src/models/segmentor.js';
import { resnetGrid } from '../../src/models/backbones/resnet.js';
import { resolveRecompute, type RecomputeMode } from '../../src/models/recompute.js';
import { softmaxCrossEntropy } from '../../src/engine/index.js';

// Several blocks per layer (layer3 has 5: segments of 3 and 2), so that segments differ from blocks.
const ARCH = { ...RESNET_TINY, blocks: [2, 2, 5, 2] as [number, number, number, number], norm: 'bn' as const, groups: 8 };

let model: PlannedSegmentor;
const x = () => tf.randomNormal([2, 40, 48, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
const DEF = defineResNetAspp('resnet_ckpt_test', ARCH, [1, 2], 5);
const GRID = [resnetGrid(40, DEF), resnetGrid(48, DEF)];
const labels = () => tf.tidy(() => tf.cast(tf.mul(tf.randomUniform([2, GRID[0], GRID[1]], 0, 1, 'float32', 8), 5), 'int32')) as tf.Tensor3D;

/** One training step's loss, gradients and BN running statistics after it, from the same starting weights. */
function step(mode: RecomputeMode): { loss: number; grads: Map<string, Float32Array>; stats: Map<string, Float32Array> } {
  const saved = new Map([...model.state].map(([n, v]) => [n, v.clone()]));
  const names = new Map([...model.params].map(([n, v]) => [v.name, n]));
  const xi = x();
  const li = labels();
  const { value, grads } = tf.variableGrads(() => {
    const { logits } = model.apply(xi, { training: true, recompute: mode });
    return softmaxCrossEntropy(logits, li);
  }, [...model.params.values()]);
  const out = {
    loss: value.dataSync()[0],
    grads: new Map(Object.entries(grads).map(([vn, g]) => [names.get(vn)!, g.dataSync() as Float32Array])),
    stats: new Map([...model.state].map(([n, v]) => [n, v.dataSync() as Float32Array])),
  };
  tf.dispose([value, xi, li, ...Object.values(grads)]);
  for (const [n, v] of saved) { model.state.get(n)!.assign(v); v.dispose(); }
  return out;
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(a[i]));
  }
  return num / Math.max(den, 1e-12);
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`recompute (${backend})`, () => {
    beforeAll(async () => {
      await initEngine({ backend, threads: 1 });
      model = new PlannedSegmentor(DEF, 3);
    });
    afterAll(() => model.dispose());

    it('gives the same loss, gradients and BN statistics with blocks and segments as without', () => {
      const off = step('off');
      for (const mode of ['blocks', 'segments'] as const) {
        const r = step(mode);
        expect(r.loss).toBe(off.loss);
        expect([...r.grads.keys()].sort()).toEqual([...off.grads.keys()].sort());
        for (const [n, g] of off.grads) expect(maxRelDiff(g, r.grads.get(n)!), `${mode} ${n}`).toBeLessThan(1e-6);
        // the running statistics moved once (a replay that updated them would move them again)
        for (const [n, s] of off.stats) expect(Array.from(r.stats.get(n)!), `${mode} ${n}`).toEqual(Array.from(s));
      }
      // and they did move (the test would not see a missing update otherwise)
      const init = model.state.get('backbone.layer3.4.bn2.running_var')!.dataSync();
      expect(Array.from(off.stats.get('backbone.layer3.4.bn2.running_var')!)).not.toEqual(Array.from(init));
    });

    it.skipIf(backend === 'cpu')('leaves no tensor behind across steps', () => {
      for (const mode of ['off', 'blocks', 'segments'] as const) {
        step(mode);
        const before = tf.memory().numTensors;
        step(mode);
        expect(tf.memory().numTensors, mode).toBe(before);
      }
    });

    it('is a plain forward outside a gradient', () => {
      const xi = x();
      const a = model.apply(xi, { training: false, recompute: 'off' });
      const b = model.apply(xi, { training: false, recompute: 'segments' });
      expect(Array.from(b.logits.dataSync())).toEqual(Array.from(a.logits.dataSync()));
      tf.dispose([xi, a.features, a.logits, b.features, b.logits]);
    });
  });
}

describe('resolveRecompute', () => {
  it('auto follows the pixels of the taped forwards; explicit modes are kept', () => {
    expect(resolveRecompute('auto', 1 * 193 * 193)).toBe('off');
    expect(resolveRecompute('auto', 2 * 321 * 321)).toBe('off'); // a PLCA micro-batch at 321²
    expect(resolveRecompute('auto', 1 * 513 * 513)).toBe('off'); // source-only at 513²
    expect(resolveRecompute('auto', 2 * 513 * 513)).toBe('blocks');
    expect(resolveRecompute('auto', 1 * 730 * 730)).toBe('blocks');
    expect(resolveRecompute('auto', 2 * 730 * 730)).toBe('segments'); // a PLCA micro-batch at the paper's crop
    expect(resolveRecompute('off', 730 * 730)).toBe('off');
    expect(resolveRecompute(undefined, 193 * 193)).toBe('off');
  });
});
