/**
 * SGD with momentum and weight decay, with PyTorch's semantics (torch.optim.SGD, dampening 0,
 * no Nesterov), which the reference trains with:
 *   g ← ∇p + wd·p;  v ← g on the first update, else μ·v + g;  p ← p − lr·v.
 * Parameters without a gradient are skipped entirely (no decay, no momentum), as PyTorch skips
 * `p.grad is None`. The momentum buffers are the optimiser state saved in checkpoints.
 */
import * as tf from '@tensorflow/tfjs-core';
import { sgdUpdate } from '../engine/ops.js';
import { PlcaError } from '../util/errors.js';

export interface SgdOptions {
  /** @default 0.9 */
  momentum?: number;
  /** @default 5e-4 */
  weightDecay?: number;
}

export class Sgd {
  readonly momentum: number;
  readonly weightDecay: number;
  private readonly buffers = new Map<string, tf.Tensor>();

  constructor(opts: SgdOptions = {}) {
    this.momentum = opts.momentum ?? 0.9;
    this.weightDecay = opts.weightDecay ?? 5e-4;
  }

  /**
   * One update of every parameter that has a gradient.
   * @param params the trainable variables by stable name
   * @param grads gradients by the same names (not disposed here)
   * @param lrOf the learning rate of a parameter (poly schedule × group multiplier)
   */
  step(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, lrOf: (name: string) => number): void {
    for (const [name, g] of grads) {
      const p = params.get(name);
      if (p === undefined) throw new PlcaError('PLCA_INTERNAL', `Sgd.step: gradient for unknown parameter "${name}"`);
      const lr = lrOf(name);
      const old = this.buffers.get(name);
      // One pass on wasm with plca's kernels (six full-size kernels otherwise).
      const fused = sgdUpdate(p, g, this.momentum === 0 ? undefined : old, lr, this.momentum, this.weightDecay);
      if (fused) {
        p.assign(fused.p);
        fused.p.dispose();
        old?.dispose();
        if (this.momentum === 0) fused.v.dispose();
        else this.buffers.set(name, fused.v);
        continue;
      }
      const buf = tf.tidy(() => {
        const d = this.weightDecay !== 0 ? tf.add(g, tf.mul(p, this.weightDecay)) : tf.clone(g);
        return old === undefined || this.momentum === 0 ? d : tf.add(tf.mul(old, this.momentum), d);
      });
      tf.tidy(() => { p.assign(tf.sub(p, tf.mul(buf, lr))); });
      old?.dispose();
      if (this.momentum === 0) buf.dispose();
      else this.buffers.set(name, buf);
    }
  }

  /** The momentum buffers by parameter name (owned by the optimiser; do not dispose). */
  state(): ReadonlyMap<string, tf.Tensor> {
    return this.buffers;
  }

  /** Replaces the buffers with copies of `buffers` (e.g. from a checkpoint). */
  load(buffers: Map<string, { shape: number[]; data: Float32Array }>): void {
    this.reset();
    for (const [name, b] of buffers) this.buffers.set(name, tf.tensor(b.data, b.shape, 'float32'));
  }

  reset(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
  }

  dispose(): void {
    this.reset();
  }
}
