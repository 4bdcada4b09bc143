/**
 * Variables ↔ checkpoint tensor groups, with the name and shape checks that make loading a
 * checkpoint of another model fail loudly, naming the first parameter that does not fit.
 */
import * as tf from '@tensorflow/tfjs-core';
import { PlcaError } from '../util/errors.js';
import type { CheckpointTensor, TensorGroup } from './checkpoint.js';

/** Copies variables (or tensors) to host memory, in the map's order. */
export function snapshotTensors(vars: ReadonlyMap<string, tf.Tensor>): TensorGroup {
  const out: TensorGroup = new Map();
  for (const [name, v] of vars) {
    if (v.dtype !== 'float32' && v.dtype !== 'int32') {
      throw new PlcaError('PLCA_INTERNAL', `cannot checkpoint ${name}: dtype ${v.dtype}`);
    }
    const data = v.dataSync() as Float32Array | Int32Array;
    out.set(name, { shape: [...v.shape], dtype: v.dtype, data: data.slice() });
  }
  return out;
}

const MISMATCH_HINT = 'the checkpoint is of another model or class count: resume or evaluate with the run\'s own config (leave out --config and --set model.*), or choose a checkpoint of this model';

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Throws PLCA_CHECKPOINT_INVALID naming the first variable of `vars` (in the model's order)
 * that is missing from `group` or has another shape/dtype, then the first extra entry.
 * @param what 'parameter', 'state variable', ...; @param file named in the message
 */
export function checkGroup(vars: ReadonlyMap<string, tf.Tensor>, group: TensorGroup | undefined, what: string, file: string): void {
  const g = group ?? new Map<string, CheckpointTensor>();
  for (const [name, v] of vars) {
    const t = g.get(name);
    if (t === undefined) {
      throw new PlcaError('PLCA_CHECKPOINT_INVALID', `checkpoint ${file} does not fit the model: ${what} "${name}" is missing from the checkpoint`,
        { hint: MISMATCH_HINT });
    }
    if (!sameShape(t.shape, v.shape) || t.dtype !== v.dtype) {
      throw new PlcaError('PLCA_CHECKPOINT_INVALID',
        `checkpoint ${file} does not fit the model: ${what} "${name}" is ${t.dtype} [${t.shape.join(', ')}] in the checkpoint, ${v.dtype} [${v.shape.join(', ')}] in the model`,
        { hint: MISMATCH_HINT });
    }
  }
  for (const name of g.keys()) {
    if (!vars.has(name)) {
      throw new PlcaError('PLCA_CHECKPOINT_INVALID', `checkpoint ${file} does not fit the model: it has ${what} "${name}", which the model lacks`,
        { hint: MISMATCH_HINT });
    }
  }
}

/** Assigns checkpoint values to variables; call `checkGroup` first. */
export function assignGroup(vars: ReadonlyMap<string, tf.Variable>, group: TensorGroup): void {
  for (const [name, v] of vars) {
    const t = group.get(name)!;
    tf.tidy(() => v.assign(tf.tensor(t.data, t.shape, t.dtype)));
  }
}
