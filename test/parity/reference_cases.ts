// The reference fixtures (fixtures/reference/*.json, format in its README) as cases through the
// losses, comparing values, gradients and indices, without vitest or Node: run_reference_case.ts
// runs them for the cpu and wasm parity tests, the browser checks page (test/web) on webgpu and webgl.
import * as tf from '@tensorflow/tfjs-core';
import { isFixtureTensor, type Fixture, type FixtureTensor } from '../helpers/fixture_format.js';
import {
  associationLoss, lovaszSoftmax, lsrLoss, plcaObjective, spatialAggregate,
  aggregationWeights, flattenPixels, type BlockRows,
} from '../../src/losses/index.js';
import { polyFactor } from '../../src/train/lr_schedule.js'; // the trainer's own schedule
import { nchwToNhwc, relError } from '../helpers/tensors.js';
import * as engineOps from '../../src/engine/ops.js';

/** NHWC tensor → NCHW row-major data (disposes its temporary). */
function nhwcToNchwData(t: tf.Tensor): Float32Array {
  const tr = tf.transpose(t, [0, 3, 1, 2]);
  const d = tr.dataSync() as Float32Array;
  tr.dispose();
  return d;
}

/** Scalar tolerance and tensor tolerance of the fixtures' README. */
export const TOL = 1e-4;

export interface CaseReport { file: string; variant: string; maxRelError: number; checks: Record<string, number> }

type Runner = (f: Fixture, file: string, blockRows: BlockRows) => Record<string, number>;

function tensorIn(f: Fixture, key: string): FixtureTensor {
  const v = f.inputs[key];
  if (!isFixtureTensor(v)) throw new Error(`${f.description}: input ${key} is not a tensor`);
  return v;
}
function nhwc(f: Fixture, key: string): tf.Tensor4D {
  const t = tensorIn(f, key);
  return nchwToNhwc(t.data, t.shape);
}
function labels(f: Fixture, key: string): tf.Tensor3D {
  const t = tensorIn(f, key);
  return tf.tensor3d(t.data, t.shape as [number, number, number], 'int32');
}
function outTensor(f: Fixture, key: string): number[] {
  const v = f.outputs[key];
  if (!isFixtureTensor(v)) throw new Error(`fixture output ${key} is missing or not a tensor`);
  return v.data;
}
function outScalar(f: Fixture, key: string): number {
  const v = f.outputs[key];
  if (typeof v !== 'number') throw new Error(`fixture output ${key} is missing or not a number`);
  return v;
}
function scalarErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
}
/** Association indices must match exactly: the number of entries that differ (Infinity for another length). */
function indexMismatches(actual: Int32Array, f: Fixture, key: string): number {
  const want = outTensor(f, key);
  if (actual.length !== want.length) return Infinity;
  let n = 0;
  for (let i = 0; i < want.length; i++) if (actual[i] !== want[i]) n += 1;
  return n;
}
/** Reads a flag from params, else from the description ("spatial aggregation=True"), else the file name. */
function spaggFlag(f: Fixture, file: string): boolean {
  const p = f.params?.spagg;
  if (typeof p === 'boolean') return p;
  const m = /spatial aggregation\s*=\s*(True|False)/i.exec(f.description);
  return m ? m[1].toLowerCase() === 'true' : file.includes('spagg');
}
function numberIn(f: Fixture, re: RegExp, param: string, dflt: number): number {
  const p = f.params?.[param];
  if (typeof p === 'number') return p;
  const m = re.exec(f.description);
  return m ? Number(m[1]) : dflt;
}

function associationCase(metric: 'cos' | 'kl'): Runner {
  return (f, file, blockRows) => {
    const [ks, kt, gs, gt] = metric === 'cos' ? ['featS', 'featT', 'gradFeatS', 'gradFeatT'] : ['logitsS', 'logitsT', 'gradLogitsS', 'gradLogitsT'];
    const xs = nhwc(f, ks);
    const xt = nhwc(f, kt);
    const lab = labels(f, 'labelS');
    const opts = { metric, spagg: spaggFlag(f, file), alpha: numberIn(f, /alpha\s*=\s*([\d.]+)/, 'alpha', 0.5), blockRows };
    let mid: Int32Array = new Int32Array(0);
    let end: Int32Array = new Int32Array(0);
    const prep = (x: tf.Tensor4D) => (metric === 'kl' ? (tf.softmax(x) as tf.Tensor4D) : x);
    const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => {
      const r = associationLoss(prep(a as tf.Tensor4D), prep(b as tf.Tensor4D), lab, opts);
      mid = r.midIndex; end = r.endIndex;
      return r.loss;
    })([xs, xt]);
    const out = {
      loss: scalarErr(value.dataSync()[0], outScalar(f, 'loss')),
      midIndex: indexMismatches(mid, f, 'midIndex'),
      endIndex: indexMismatches(end, f, 'endIndex'),
      [gs]: relError(nhwcToNchwData(grads[0]), outTensor(f, gs)),
      [gt]: relError(nhwcToNchwData(grads[1]), outTensor(f, gt)),
    };
    tf.dispose([xs, xt, lab, value, ...grads]);
    return out;
  };
}

const spaggCase: Runner = (f, file, blockRows) => {
  const metric = /kl/i.test(file) || /kl metric/i.test(f.description) ? 'kl' : 'cos';
  const alpha = numberIn(f, /([\d.]+)\s*x\s*\+/, 'alpha', 0.5);
  const x = nhwc(f, 'x');
  const up = nhwc(f, 'upstream');
  const mixed = spatialAggregate(x, { metric, alpha, blockRows });
  const weights = tf.tidy(() => aggregationWeights(flattenPixels(x), metric));
  const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(spatialAggregate(a as tf.Tensor4D, { metric, alpha, blockRows }), up)))(x);
  const out = {
    weights: relError(weights.dataSync(), outTensor(f, 'weights')),
    mixed: relError(nhwcToNchwData(mixed), outTensor(f, 'mixed')),
    gradX: relError(nhwcToNchwData(g), outTensor(f, 'gradX')),
  };
  tf.dispose([x, up, mixed, weights, g]);
  return out;
};

const lovaszCase: Runner = (f) => {
  const logits = nhwc(f, 'logits');
  const lab = labels(f, 'label');
  const { value, grad } = tf.valueAndGrad((l: tf.Tensor) => lovaszSoftmax(tf.softmax(l) as tf.Tensor4D, lab))(logits);
  const out = { loss: scalarErr(value.dataSync()[0], outScalar(f, 'loss')), gradLogits: relError(nhwcToNchwData(grad), outTensor(f, 'gradLogits')) };
  tf.dispose([logits, lab, value, grad]);
  return out;
};

const lsrCase: Runner = (f) => {
  const logits = nhwc(f, 'logits');
  const lambda = numberIn(f, /lambda\s*=\s*([\d.]+)/, 'lambda', 10);
  const { value, grad } = tf.valueAndGrad((l: tf.Tensor) => lsrLoss(l as tf.Tensor4D, { lambda }))(logits);
  const out = { loss: scalarErr(value.dataSync()[0], outScalar(f, 'loss')), gradLogits: relError(nhwcToNchwData(grad), outTensor(f, 'gradLogits')) };
  tf.dispose([logits, value, grad]);
  return out;
};

const polyCase: Runner = (f) => {
  const iters = f.inputs.iters as number[];
  const maxIter = f.inputs.maxIter as number;
  const power = numberIn(f, /\^\s*([\d.]+)/, 'power', 0.9);
  const want = f.outputs.factor as number[];
  return { factor: Math.max(...iters.map((it, k) => scalarErr(polyFactor(it, maxIter, power), want[k]))) };
};

const fullObjectiveCase: Runner = (f, file, blockRows) => {
  const [featS, featT, logitsS, logitsT] = ['featS', 'featT', 'logitsS', 'logitsT'].map((k) => nhwc(f, k));
  const lab = labels(f, 'labelS');
  const spagg = /spatial aggregation\s*=/i.test(f.description) || typeof f.params?.spagg === 'boolean' ? spaggFlag(f, file) : true;
  const weights = {
    lovasz: numberIn(f, /([\d.]+)\s*lovasz/i, 'lovaszWeight', 0.75),
    association: numberIn(f, /([\d.]+)\s*\(\s*fass/i, 'associationWeight', 0.1),
    lsr: numberIn(f, /([\d.]+)\s*\(\s*lsr/i, 'lsrWeight', 0.01),
  };
  const terms: Record<string, number> = {};
  const keep: tf.Tensor[] = [];
  const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => {
    const r = plcaObjective({ featS: a as tf.Tensor4D, featT: b as tf.Tensor4D, logitsS: c as tf.Tensor4D, logitsT: d as tf.Tensor4D, labelS: lab },
      { weights, spatialAggregation: spagg, blockRows });
    for (const [k, t] of Object.entries(r.terms)) { terms[k] = t.dataSync()[0]; keep.push(t); }
    return r.total;
  })([featS, featT, logitsS, logitsT]);
  const out: Record<string, number> = { total: scalarErr(value.dataSync()[0], outScalar(f, 'total')) };
  for (const k of ['ce', 'lovasz', 'fass', 'cass', 'lsrS', 'lsrT']) out[k] = scalarErr(terms[k], outScalar(f, k));
  const { resizeNearestLabels } = engineOps;
  const ls = resizeNearestLabels(lab, [featS.shape[1], featS.shape[2]]);
  out.labelSmall = indexMismatches(ls.dataSync() as Int32Array, f, 'labelSmall');
  ['gradFeatS', 'gradFeatT', 'gradLogitsS', 'gradLogitsT'].forEach((k, i) => { out[k] = relError(nhwcToNchwData(grads[i]), outTensor(f, k)); });
  tf.dispose([featS, featT, logitsS, logitsT, lab, value, ls, ...grads, ...keep]);
  return out;
};

/** File-name prefix → case. An unknown prefix fails the run. */
export const CASES: Array<[string, Runner, boolean]> = [
  // [prefix, runner, has a blocked (memory-bounded) path worth checking too]
  ['fass_', associationCase('cos'), true],
  ['cass_', associationCase('kl'), true],
  ['spagg_', spaggCase, true],
  ['lovasz', lovaszCase, false],
  ['lsr_', lsrCase, false],
  ['full_objective', fullObjectiveCase, true],
  ['poly_lr', polyCase, false],
];

export function caseFor(file: string): [Runner, boolean] {
  const name = file.slice(file.lastIndexOf('/') + 1);
  const hit = CASES.find(([prefix]) => name.startsWith(prefix));
  if (!hit) throw new Error(`unknown reference fixture prefix: ${name} (known: ${CASES.map((c) => c[0]).join(', ')})`);
  return [hit[1], hit[2]];
}

/**
 * Runs one fixture, dense (variant 'dense') or with a small block ('blocked'). Index checks
 * count differing entries (0 when exact); the others are relative errors.
 */
export function runReferenceFixture(f: Fixture, name: string, variant: 'dense' | 'blocked'): CaseReport {
  const [runner] = caseFor(name);
  const checks = runner(f, name, variant === 'dense' ? 'none' : 5);
  const maxRelError = Math.max(0, ...Object.values(checks));
  return { file: name, variant, maxRelError, checks };
}
