// Loading weights saved by the reference's PyTorch code (`torch.save({'weights': net.state_dict()})`,
// read into plain {shape, data} records by readTorchFile (torch_pth.ts; loadPretrained in pretrained.ts wraps both).
// Conv weights are OIHW there and HWIO here; vectors are the same.
import * as tf from '@tensorflow/tfjs-core';
import { PlcaError } from '../util/errors.js';
import type { Segmentor } from './segmentor.js';

/** One tensor of a PyTorch state_dict, row-major in PyTorch's layout. */
export interface TorchTensor { shape: number[]; data: ArrayLike<number> }

export interface LoadTorchOptions {
  /** stripped from every key when present, e.g. 'module.' for DataParallel checkpoints. @default '' */
  prefix?: string;
  /** maps each key (after `prefix` is stripped) to the reference's name, e.g. for a Caffe-converted
   *  ImageNet ResNet as the reference's `load_model(is_restore=True)`:
   *  `(k) => 'backbone.' + k.replace('Scale.', '')`. @default identity */
  rename?: (key: string) => string;
  /** fail on missing or unexpected keys (`num_batches_tracked` is always skipped). @default true */
  strict?: boolean;
  /**
   * Reorders the classifier's output channels: torch channel k goes to our channel `perm[k]`.
   * The reference's released weights use PLCA's class order; data/label_maps.ts
   * `plcaToInternalOrder(K)` gives the permutation to plca's train-id order. Applies to the
   * head's parameters (our names under `classifier.`), whose last axis is the class axis.
   */
  classPermutation?: readonly number[];
}

export interface LoadTorchResult {
  /** our names that received values */ loaded: string[];
  /** our names with no key in the dict (only when not strict) */ missing: string[];
  /** dict keys that name nothing in the model (only when not strict) */ unexpected: string[];
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** OIHW row-major → HWIO row-major. */
export function oihwToHwio(data: ArrayLike<number>, [o, i, h, w]: number[]): Float32Array {
  const out = new Float32Array(o * i * h * w);
  for (let a = 0; a < o; a++) {
    for (let b = 0; b < i; b++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) out[((y * w + x) * i + b) * o + a] = data[((a * i + b) * h + y) * w + x];
      }
    }
  }
  return out;
}

/** Moves the last axis' entry k to perm[k] (class channels of a head parameter). */
export function permuteLastAxis(data: Float32Array, k: number, perm: readonly number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let base = 0; base < data.length; base += k) {
    for (let c = 0; c < k; c++) out[base + perm[c]] = data[base + c];
  }
  return out;
}

function checkPermutation(perm: readonly number[], k: number): void {
  const seen = new Set(perm);
  if (perm.length !== k || seen.size !== k || !perm.every((p) => Number.isInteger(p) && p >= 0 && p < k)) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `classPermutation must be a permutation of 0..${k - 1}, got [${perm.join(', ')}]`, {
      hint: 'give each class index 0..k−1 exactly once',
    });
  }
}

const SHAPE_HINT = 'the file is of another architecture or class count: check --model and --classes (model.name, model.numClasses)';

/** Our value for one key: checks the shape against our variable and transposes conv weights. */
function convert(key: string, t: TorchTensor, ours: readonly number[]): Float32Array {
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== n) {
    throw new PlcaError('PLCA_CHECKPOINT_INVALID', `state_dict "${key}": ${t.data.length} values for shape [${t.shape.join(', ')}]`, {
      hint: 'the file is damaged: check that it downloaded whole',
    });
  }
  if (ours.length === 4) {
    const [kh, kw, ci, co] = ours;
    if (!sameShape(t.shape, [co, ci, kh, kw])) {
      throw new PlcaError('PLCA_CHECKPOINT_INVALID',
        `state_dict "${key}": shape [${t.shape.join(', ')}], the model needs [${[co, ci, kh, kw].join(', ')}] (OIHW)`, { hint: SHAPE_HINT });
    }
    return oihwToHwio(t.data, t.shape);
  }
  if (!sameShape(t.shape, ours)) {
    throw new PlcaError('PLCA_CHECKPOINT_INVALID', `state_dict "${key}": shape [${t.shape.join(', ')}], the model needs [${ours.join(', ')}]`, { hint: SHAPE_HINT });
  }
  return Float32Array.from(t.data);
}

/**
 * Assigns a PyTorch state_dict to the model's params and state through `model.torchNames`.
 * Everything is checked before anything is assigned, so a failed load leaves the model as it was.
 */
export function loadTorchStateDict(model: Segmentor, dict: Record<string, TorchTensor>, opts: LoadTorchOptions = {}): LoadTorchResult {
  const prefix = opts.prefix ?? '';
  const strict = opts.strict ?? true;
  const byTorch = new Map<string, string>();
  for (const [ours, theirs] of model.torchNames) byTorch.set(theirs, ours);
  const variable = (ours: string) => model.params.get(ours) ?? model.state.get(ours);
  const perm = opts.classPermutation;
  if (perm) checkPermutation(perm, model.numClasses);

  const values = new Map<string, Float32Array>();
  const unexpected: string[] = [];
  for (const [rawKey, t] of Object.entries(dict)) {
    const stripped = prefix && rawKey.startsWith(prefix) ? rawKey.slice(prefix.length) : rawKey;
    const key = opts.rename ? opts.rename(stripped) : stripped;
    if (key.endsWith('num_batches_tracked')) continue;
    const ours = byTorch.get(key);
    const v = ours === undefined ? undefined : variable(ours);
    if (ours === undefined || v === undefined) {
      unexpected.push(rawKey);
      continue;
    }
    const value = convert(rawKey, t, v.shape);
    const isHead = ours.startsWith('classifier.') && v.shape[v.rank - 1] === model.numClasses;
    values.set(ours, perm && isHead ? permuteLastAxis(value, model.numClasses, perm) : value);
  }
  const missing = [...model.torchNames.keys()].filter((n) => !values.has(n));
  if (strict && (missing.length > 0 || unexpected.length > 0)) {
    const show = (a: string[]) => a.slice(0, 5).join(', ') + (a.length > 5 ? `, … (${a.length})` : '');
    throw new PlcaError('PLCA_CHECKPOINT_INVALID',
      `state_dict does not match model "${model.name}": missing [${show(missing.map((n) => model.torchNames.get(n) ?? n))}], unexpected [${show(unexpected)}]`,
      { hint: 'pass strict: false to load a partial state_dict (e.g. an ImageNet backbone)' });
  }
  for (const [ours, data] of values) {
    const v = variable(ours) as tf.Variable;
    tf.tidy(() => v.assign(tf.tensor(data, v.shape, 'float32')));
  }
  return { loaded: [...values.keys()], missing, unexpected };
}
