/**
 * One optimiser update's gradient: `gradAccum` micro-batches, each a target and/or source batch
 * pulled from the streams, gradients averaged (the reference divides the total by ITER_SIZE and
 * sums the micro-batch gradients), then checked for NaN/Inf before anything is applied.
 */
import * as tf from '@tensorflow/tfjs-core';
import { sumSquares } from '../engine/ops.js';
import type { PlcaMethod } from '../method/index.js';
import { PlcaError } from '../util/errors.js';
import type { Batch, BatchStream } from '../data/batch.js';

export interface UpdateGradients {
  grads: Map<string, tf.Tensor>;
  loss: number;
  terms: Record<string, number>;
  diagnostics: Record<string, number>;
  gradNorm: number;
}

function disposeBatch(b: Batch | undefined): void {
  b?.images.dispose();
  b?.labels?.dispose();
}

function addMean(sum: Record<string, number>, x: Record<string, number>, k: number): void {
  for (const [n, v] of Object.entries(x)) sum[n] = (sum[n] ?? 0) + v / k;
}

/** Averaged gradients of `accum` micro-batches; the caller disposes `grads`. */
export async function accumulateGradients(
  method: PlcaMethod, streams: { source: BatchStream; target?: BatchStream }, accum: number, injectNanTerm?: string,
  injectFailure?: () => void,
): Promise<UpdateGradients> {
  let acc: Map<string, tf.Tensor> | undefined;
  let loss = 0;
  const terms: Record<string, number> = {};
  const diagnostics: Record<string, number> = {};
  for (let m = 0; m < accum; m++) {
    const target = method.needsTarget ? await streams.target!.next() : undefined;
    const source = await streams.source.next();
    try {
      const r = method.computeGradients({ source, target }, { injectNanTerm });
      if (injectFailure !== undefined) {
        // after the micro-batch's forwards (BN statistics moved), as a real failure in its backward would
        for (const g of r.grads.values()) g.dispose();
        injectFailure();
      }
      loss += r.loss / accum;
      addMean(terms, r.terms, accum);
      addMean(diagnostics, r.diagnostics, accum);
      acc = acc === undefined ? r.grads : addInto(acc, r.grads);
    } finally {
      disposeBatch(target);
      disposeBatch(source);
    }
  }
  if (accum > 1) {
    for (const [n, g] of acc!) {
      acc!.set(n, tf.tidy(() => tf.div(g, accum)));
      g.dispose();
    }
  }
  // Σg² per parameter in one pass where plca's wasm kernels run (a Square and a Sum otherwise)
  const gradNorm = tf.tidy(() => tf.sqrt(tf.addN([...acc!.values()].map((g) => sumSquares(g) ?? tf.sum(tf.square(g))))).dataSync()[0]);
  return { grads: acc!, loss, terms, diagnostics, gradNorm };
}

function addInto(acc: Map<string, tf.Tensor>, g: Map<string, tf.Tensor>): Map<string, tf.Tensor> {
  for (const [n, t] of g) {
    const old = acc.get(n);
    acc.set(n, old === undefined ? t : tf.tidy(() => tf.add(old, t)));
    if (old !== undefined) {
      old.dispose();
      t.dispose();
    }
  }
  return acc;
}

/** The first non-finite value of an update, by name: a term, the total, or the gradient. */
export function firstNonFinite(u: UpdateGradients): string | undefined {
  for (const [n, v] of Object.entries(u.terms)) if (!Number.isFinite(v)) return n;
  if (!Number.isFinite(u.loss)) return 'total';
  if (!Number.isFinite(u.gradNorm)) return 'gradient';
  return undefined;
}

export function nanError(term: string, step: number, value: number, lastCheckpoint: string | null): PlcaError {
  const what = term === 'gradient' ? 'the gradient' : term === 'total' ? 'the total loss' : `loss term "${term}"`;
  return new PlcaError('PLCA_NAN_LOSS',
    `${what} became ${Number.isNaN(value) ? 'NaN' : value} at update ${step + 1}; training stopped, nothing of this update was applied`, {
      hint: lastCheckpoint === null
        ? 'no checkpoint was written yet; lower optim.lr or check the data'
        : `the last good checkpoint is ${lastCheckpoint}; lower optim.lr and resume from it`,
    });
}
