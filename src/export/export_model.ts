/**
 * Export of a plca segmentor to a stock TF.js GraphModel (model.json + weight shards) that
 * `tf.loadGraphModel` from `@tensorflow/tfjs` runs for inference, in Node and in a browser, with
 * no plca code and no custom ops.
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
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { createModel, modelInfo, type Segmentor } from '../models/index.js';
import { checkGroup, assignGroup, loadCheckpoint, resolveCheckpointPath } from '../train/index.js';
import { PlcaError } from '../util/errors.js';
import { planFor, normOf } from './architectures.js';
import { attr, GraphBuilder } from './graph_builder.js';
import { upsampledArgmax, type VarReader } from './lower.js';
import { checkTarget, signatureEntry, writeGraphModel, type WriteResult } from './write.js';

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

export interface ExportResult extends WriteResult {
  format: ExportFormat;
  inputSize: [number, number];
  /** [h, w] of the `logits` output */ featureGrid: [number, number];
  outputs: string[];
  /** graph nodes written */ nodes: number;
}

function checkOptions(model: Segmentor, outDir: string, o: ExportOptions): void {
  const fmt = o.format ?? 'graph-model';
  if (!(EXPORT_FORMATS as readonly string[]).includes(fmt)) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `export: unknown format "${String(fmt)}"; known formats: ${EXPORT_FORMATS.join(', ')}`);
  }
  const s = o.inputSize;
  if (!Array.isArray(s) || s.length !== 2 || !s.every((d) => Number.isInteger(d) && d > 0)) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `export of "${model.name}": inputSize must be [height, width] in positive integers, got ${JSON.stringify(s)}`);
  }
  // Checked before reading any weight (ResNet-101 takes seconds); writeGraphModel checks again.
  checkTarget(outDir, o.overwrite ?? false);
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
 * Writes `model` as a GraphModel to `outDir` (model.json + group1-shard*of*.bin).
 * @param model any registry segmentor; its weights are read, not changed
 * @param outDir created if missing
 */
export function exportModel(model: Segmentor, outDir: string, opts: ExportOptions): ExportResult {
  checkOptions(model, outDir, opts);
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
  const written = writeGraphModel(outDir, g, {
    generatedBy: `plca ${packageVersion()}`,
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
  }, { shardBytes: opts.shardBytes, overwrite: opts.overwrite });
  return { ...written, format: 'graph-model', inputSize: [H, W], featureGrid: grid, outputs: Object.keys(outputs), nodes: g.nodes.length };
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown'; // a bundled build may not ship package.json beside src/
  }
}

export interface ExportFromCheckpointOptions extends Omit<ExportOptions, 'inputSize'> {
  /** @default the checkpoint config's `data.evalSize` */ inputSize?: [number, number];
}

/** A path of the checkpoint's config, or undefined (configs of older plca versions differ). */
function configAt(config: unknown, ...path: string[]): unknown {
  let v: unknown = config;
  for (const k of path) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

/**
 * Rebuilds the model a checkpoint was trained with (its model name, the config's
 * `model.numClasses`, the norm its variables imply), loads the weights and exports it.
 * @param checkpointPath a .ckpt file, a checkpoint directory or a run directory
 */
export function exportFromCheckpoint(checkpointPath: string, outDir: string, opts: ExportFromCheckpointOptions = {}): ExportResult & { checkpoint: string; step: number } {
  const file = resolveCheckpointPath(checkpointPath);
  const ck = loadCheckpoint(file);
  const params = ck.groups.params;
  const state = ck.groups.state ?? new Map();
  const k = configAt(ck.config, 'model', 'numClasses');
  if (typeof k !== 'number' || !params) {
    throw new PlcaError('PLCA_CHECKPOINT_INVALID', `checkpoint ${file} lacks ${params ? 'config.model.numClasses' : 'its parameters'}; cannot rebuild the model`);
  }
  const inputSize = opts.inputSize ?? (configAt(ck.config, 'data', 'evalSize') as [number, number] | undefined);
  if (inputSize === undefined) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `export of ${file}: no inputSize given and the checkpoint's config has no data.evalSize`);
  }
  const norm = normOf(state.keys());
  const model = createModel(ck.modelName, { numClasses: k, seed: 0, norm });
  try {
    checkGroup(model.params, params, 'parameter', file);
    checkGroup(model.state, state, 'state variable', file);
    assignGroup(model.params, params);
    assignGroup(model.state, state);
    const normalization = configAt(ck.config, 'data', 'normalization');
    const result = exportModel(model, outDir, {
      ...opts, inputSize,
      metadata: { checkpoint: file, step: ck.step, ...(normalization === undefined ? {} : { normalization }), ...opts.metadata },
    });
    return { ...result, checkpoint: file, step: ck.step };
  } finally {
    model.dispose();
  }
}
