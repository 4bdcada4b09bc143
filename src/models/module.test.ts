import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/index.js';
import { applyNorm, BN_MOMENTUM, materialize, ModelPlan, type ForwardCtx } from './module.js';

beforeAll(async () => {
  await initEngine({ backend: 'cpu' });
});

function bnModel() {
  const plan = new ModelPlan();
  const spec = plan.norm('bn', 3, 'bn', 1);
  const vars = materialize(plan, 0);
  const ctx = (training: boolean, updateStats: boolean): ForwardCtx => ({ ...vars, training, updateStats });
  return { spec, vars, ctx };
}

/** Per-channel mean and unbiased variance of NHWC data, in plain JS. */
function channelStats(data: Float32Array, c: number): { mean: number[]; varU: number[] } {
  const n = data.length / c;
  const mean = Array.from({ length: c }, (_, k) => { let s = 0; for (let i = 0; i < n; i++) s += data[i * c + k]; return s / n; });
  const varU = mean.map((m, k) => { let s = 0; for (let i = 0; i < n; i++) s += (data[i * c + k] - m) ** 2; return s / (n - 1); });
  return { mean, varU };
}

describe('batch norm layer', () => {
  it('updates running stats with momentum 0.1 and the unbiased variance, as PyTorch', () => {
    const { spec, vars, ctx } = bnModel();
    const x = tf.randomNormal([2, 3, 4, 3], 2, 3, 'float32', 7) as tf.Tensor4D;
    const { mean, varU } = channelStats(x.dataSync() as Float32Array, 3);
    tf.tidy(() => applyNorm(ctx(true, true), spec, x));
    const rm = vars.state.get('bn.running_mean')!.dataSync();
    const rv = vars.state.get('bn.running_var')!.dataSync();
    for (let k = 0; k < 3; k++) {
      expect(rm[k]).toBeCloseTo(BN_MOMENTUM * mean[k], 5);
      expect(rv[k]).toBeCloseTo((1 - BN_MOMENTUM) * 1 + BN_MOMENTUM * varU[k], 4);
    }
  });

  it('normalises with the biased batch variance in training, leaves stats alone without updateStats', () => {
    const { spec, vars, ctx } = bnModel();
    const x = tf.randomNormal([2, 3, 4, 3], 1, 2, 'float32', 3) as tf.Tensor4D;
    const y = tf.tidy(() => applyNorm(ctx(true, false), spec, x));
    const { mean, varU } = channelStats(x.dataSync() as Float32Array, 3);
    const xs = x.dataSync();
    const ys = y.dataSync();
    const n = 24;
    for (let i = 0; i < xs.length; i++) {
      const k = i % 3;
      const varB = (varU[k] * (n - 1)) / n;
      expect(ys[i]).toBeCloseTo((xs[i] - mean[k]) / Math.sqrt(varB + 1e-5), 4);
    }
    expect(Array.from(vars.state.get('bn.running_mean')!.dataSync())).toEqual([0, 0, 0]);
    expect(Array.from(vars.state.get('bn.running_var')!.dataSync())).toEqual([1, 1, 1]);
  });

  it('uses the running statistics at inference', () => {
    const { spec, vars, ctx } = bnModel();
    vars.state.get('bn.running_mean')!.assign(tf.tensor1d([1, 2, 3]));
    vars.state.get('bn.running_var')!.assign(tf.tensor1d([4, 9, 16]));
    const x = tf.fill([1, 1, 1, 3], 5) as tf.Tensor4D;
    const y = applyNorm(ctx(false, true), spec, x).dataSync();
    [4 / 2, 3 / 3, 2 / 4].forEach((v, k) => expect(y[k]).toBeCloseTo(v, 3));
  });

  it('does not leak tensors', () => {
    const { spec, ctx } = bnModel();
    const x = tf.randomNormal([2, 3, 4, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) applyNorm(ctx(true, true), spec, x).dispose();
    for (let i = 0; i < 3; i++) applyNorm(ctx(false, false), spec, x).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('seeded initialisation', () => {
  const plan = () => {
    const p = new ModelPlan();
    p.conv('a', { k: 3, cin: 64, cout: 128, init: 'kaimingNormalFanOut' });
    p.conv('b', { k: 3, cin: 64, cout: 32, bias: true, init: 'torchDefault' });
    return p;
  };

  it('draws kaiming-normal (fan_out) and PyTorch-default uniform weights with the right scale', () => {
    const { params } = materialize(plan(), 1);
    const a = params.get('a.weight')!.dataSync() as Float32Array;
    const std = Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
    expect(std / Math.sqrt(2 / (128 * 9))).toBeGreaterThan(0.98); // 73,728 draws: ±1 % at 3σ
    expect(std / Math.sqrt(2 / (128 * 9))).toBeLessThan(1.02);
    const bound = 1 / Math.sqrt(64 * 9);
    for (const name of ['b.weight', 'b.bias']) {
      const v = params.get(name)!.dataSync();
      expect(Math.max(...v)).toBeLessThanOrEqual(bound);
      expect(Math.min(...v)).toBeGreaterThanOrEqual(-bound);
    }
    const b = params.get('b.weight')!.dataSync();
    expect(Math.max(...b)).toBeGreaterThan(0.99 * bound); // 18,432 draws reach the edge
  });

  it('is reproducible from the seed and differs across seeds', () => {
    const w = (seed: number) => Array.from(materialize(plan(), seed).params.get('b.weight')!.dataSync());
    expect(w(5)).toEqual(w(5));
    expect(w(5)).not.toEqual(w(6));
  });

  it('counts trainable parameters only', () => {
    const p = new ModelPlan();
    p.conv('c', { k: 3, cin: 2, cout: 4, bias: true, init: 'torchDefault' });
    p.norm('n', 4, 'bn', 1);
    p.norm('g', 4, 'gn', 2);
    expect(p.paramCount()).toBe(3 * 3 * 2 * 4 + 4 + 2 * 4 + 2 * 4);
  });
});
