/**
 * Export of a plca segmentor to a stock TF.js GraphModel that `tf.loadGraphModel` from
 * `@tensorflow/tfjs` runs for inference, in Node and in a browser, with no plca code and no
 * custom ops. Built here in memory (no file system, so a browser exports too); export_model.ts
 * writes it to disk as model.json + weight shards.
 *
 * The graph: input `x` float32 NHWC [N, H, W, 3] at the exported size (N free), already
 * normalised as in training; output `logits` float32 [N, h, w, K] at the feature grid (stride
 * `outputStride`), before softmax, equal to `model.apply(x, {training: false}).logits`; with
 * `labels: true` also `labels` int32 [N, H, W], the argmax of the logits upsampled bilinearly to
 * the input size. The size is fixed because the ceil-mode max-pool's padding and GroupNorm's
 * reshape depend on it.
 *
 * Why a GraphModel and not a LayersModel: the graph expresses PyTorch's symmetric padding,
 * ceil-mode pooling with −∞ padding and GroupNorm in stock ops directly, and folding BN into the
 * convolutions gives one fused kernel per conv → BN → ReLU.
 */
import * as tf from '@tensorflow/tfjs-core';
import { modelInfo } from '../models/registry.js';
import type { Segmentor } from '../models/segmentor.js';
import { PlcaError } from '../util/errors.js';
import { planFor, normOf } from './architectures.js';
import { attr, GraphBuilder } from './graph_builder.js';
import { upsampledArgmax, type VarReader } from './lower.js';

export const EXPORT_FORMATS = ['graph-model'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  /** Input [H, W] in pixels the exported graph accepts. */
  inputSize: [number, number];
  /** Only 'graph-model' (see the module comment for why). @default 'graph-model' */
  format?: ExportFormat;
  /** Add the `labels` output (argmax of the logits upsampled to the input). @default false */
  labels?: boolean;
  /** Largest weight shard in bytes. @default 4 MiB, as tfjs-converter */
  shardBytes?: number;
  /** Replace an existing export in `outDir`. @default false */
  overwrite?: boolean;
  /** Extra JSON kept under `userDefinedMetadata.plca` (e.g. the input normalisation). */
  metadata?: Record<string, unknown>;
}

/** A signature entry as model.json spells it. */
export interface SignatureEntry { name: string; dtype: 'DT_FLOAT' | 'DT_INT32'; tensorShape: { dim: Array<{ size: string }> } }

export interface GraphModelJson {
  format: 'graph-model';
  generatedBy: string;
  convertedBy: string;
  modelTopology: { node: unknown[]; library: Record<string, never>; versions: { producer: number; minConsumer: number } };
  signature: { inputs: Record<string, SignatureEntry>; outputs: Record<string, SignatureEntry> };
  userDefinedMetadata: Record<string, unknown>;
  weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[]; dtype: string }> }>;
}

export function signatureEntry(node: string, dtype: 'float32' | 'int32', shape: number[]): SignatureEntry {
  return { name: `${node}:0`, dtype: dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32', tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } };
}

/** A GraphModel built in memory: its graph (with the weights) and the rest of model.json. */
export interface BuiltGraphModel {
  graph: GraphBuilder;
  meta: Pick<GraphModelJson, 'signature' | 'userDefinedMetadata' | 'generatedBy'>;
  inputSize: [number, number];
  /** [h, w] of the `logits` output */ featureGrid: [number, number];
  outputs: string[];
}

/** Throws on an unknown format or a malformed input size. */
export function checkBuildOptions(model: Segmentor, o: ExportOptions): void {
  const fmt = o.format ?? 'graph-model';
  if (!(EXPORT_FORMATS as readonly string[]).includes(fmt)) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `export: unknown format "${String(fmt)}"; known formats: ${EXPORT_FORMATS.join(', ')}`);
  }
  const s = o.inputSize;
  if (!Array.isArray(s) || s.length !== 2 || !s.every((d) => Number.isInteger(d) && d > 0)) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `export of "${model.name}": inputSize must be [height, width] in positive integers, got ${JSON.stringify(s)}`);
  }
}

/** Reads a variable to the host once; the exporter never creates tensors. */
function reader(model: Segmentor): VarReader {
  return (name) => {
    const v = model.params.get(name) ?? model.state.get(name);
    if (!v) throw new PlcaError('PLCA_INTERNAL', `export of "${model.name}": missing variable "${name}"`);
    if (v.isDisposed) throw new PlcaError('PLCA_INVALID_ARGUMENT', `export of "${model.name}": the model was disposed`);
    return { shape: [...v.shape], data: v.dataSync() as Float32Array };
  };
}

/**
 * Builds `model`'s GraphModel in memory (see the module comment for what the graph computes).
 * @param model any registry segmentor; its weights are read, not changed
 */
export function buildGraphModel(model: Segmentor, opts: ExportOptions & { generatedBy?: string }): BuiltGraphModel {
  checkBuildOptions(model, opts);
  const [H, W] = opts.inputSize;
  const norm = normOf(model.state.keys());
  const info = modelInfo(model.name, { numClasses: model.numClasses, inputSize: [H, W], norm });
  const arch = planFor(model);
  const g = new GraphBuilder();
  const x = g.placeholder('x', [-1, H, W, 3]);
  const l = { g, read: reader(model) };
  const before = tf.memory().numTensors;
  const [features, logitsRaw] = arch.emit(l, x);
  const logits = g.op('Identity', 'logits', [logitsRaw], logitsRaw.shape, { T: attr.dtype('float32') });
  if (tf.memory().numTensors !== before) throw new PlcaError('PLCA_INTERNAL', 'export: emitting the graph created tensors');
  const grid: [number, number] = [logits.shape[1], logits.shape[2]];
  if (grid[0] !== info.featureGrid[0] || grid[1] !== info.featureGrid[1] || features.shape[3] !== model.featureChannels) {
    throw new PlcaError('PLCA_INTERNAL', `export of "${model.name}": graph grid [${grid}] ≠ modelInfo's [${info.featureGrid}]`);
  }
  const outputs: Record<string, ReturnType<typeof signatureEntry>> = {
    logits: signatureEntry('logits', 'float32', logits.shape),
  };
  if (opts.labels) {
    const labels = g.op('Identity', 'labels', [upsampledArgmax(l, logits, [H, W])], [-1, H, W], { T: attr.dtype('int32') });
    outputs.labels = signatureEntry('labels', 'int32', labels.shape);
  }
  const meta: BuiltGraphModel['meta'] = {
    generatedBy: opts.generatedBy ?? 'plca',
    signature: { inputs: { x: signatureEntry('x', 'float32', x.shape) }, outputs },
    userDefinedMetadata: {
      plca: {
        model: model.name, numClasses: model.numClasses, norm, featureChannels: model.featureChannels,
        outputStride: model.outputStride, inputSize: [H, W], featureGrid: grid,
        input: 'x: float32 NHWC [N, H, W, 3], normalised as in training',
        outputs: {
          logits: `float32 NHWC [N, ${grid[0]}, ${grid[1]}, ${model.numClasses}] at the feature grid (stride ${model.outputStride}), before softmax`,
          ...(opts.labels ? { labels: `int32 [N, ${H}, ${W}]: argmax of the logits upsampled bilinearly (half-pixel centres)` } : {}),
        },
        batchNormFolded: norm === 'bn',
        ...opts.metadata,
      },
    },
  };
  return { graph: g, meta, inputSize: [H, W], featureGrid: grid, outputs: Object.keys(outputs) };
}

/**
 * The built model as TF.js model artifacts (one weight buffer): what `tf.loadGraphModel(tf.io.fromMemory(...))`
 * loads and what TF.js save handlers (browser downloads, IndexedDB) write.
 */
export function graphModelArtifacts(built: BuiltGraphModel): tf.io.ModelArtifacts {
  const bytes = new Uint8Array(built.graph.weightBytes());
  let at = 0;
  for (const w of built.graph.weights) {
    bytes.set(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength), at);
    at += w.data.byteLength;
  }
  return {
    format: 'graph-model',
    generatedBy: built.meta.generatedBy,
    convertedBy: 'plca export',
    modelTopology: { node: built.graph.nodes, library: {}, versions: { producer: 1, minConsumer: 0 } },
    signature: built.meta.signature,
    userDefinedMetadata: built.meta.userDefinedMetadata as tf.io.ModelArtifacts['userDefinedMetadata'],
    weightSpecs: built.graph.weights.map((w) => ({ name: w.name, shape: w.shape, dtype: w.dtype })),
    weightData: bytes.buffer,
  };
}
