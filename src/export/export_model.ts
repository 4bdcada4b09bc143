/**
 * `plca export`: a segmentor's GraphModel (graph_model.ts, which says what the graph computes)
 * written to disk as tfjs-converter lays it out (model.json + group1-shard*of*.bin), from a model
 * in memory or rebuilt from a checkpoint.
 */
import { createModel, type Segmentor } from '../models/index.js';
import { checkGroup, assignGroup, loadCheckpoint, resolveCheckpointPath } from '../train/index.js';
import { PlcaError } from '../util/errors.js';
import { normOf } from './architectures.js';
import { buildGraphModel, checkBuildOptions, type ExportFormat, type ExportOptions } from './graph_model.js';
import { checkTarget, writeGraphModel, type WriteResult } from './write.js';
import { packageVersion } from '../util/version.js';

export interface ExportResult extends WriteResult {
  format: ExportFormat;
  inputSize: [number, number];
  /** [h, w] of the `logits` output */ featureGrid: [number, number];
  outputs: string[];
  /** graph nodes written */ nodes: number;
}

function checkOptions(model: Segmentor, outDir: string, o: ExportOptions): void {
  checkBuildOptions(model, o);
  // Checked before reading any weight (ResNet-101 takes seconds); writeGraphModel checks again.
  checkTarget(outDir, o.overwrite ?? false);
}

/**
 * Writes `model` as a GraphModel to `outDir` (model.json + group1-shard*of*.bin).
 * @param model any registry segmentor; its weights are read, not changed
 * @param outDir created if missing
 */
export function exportModel(model: Segmentor, outDir: string, opts: ExportOptions): ExportResult {
  checkOptions(model, outDir, opts);
  const built = buildGraphModel(model, { ...opts, generatedBy: `plca ${packageVersion()}` });
  const written = writeGraphModel(outDir, built.graph, built.meta, { shardBytes: opts.shardBytes, overwrite: opts.overwrite });
  return { ...written, format: 'graph-model', inputSize: built.inputSize, featureGrid: built.featureGrid, outputs: built.outputs, nodes: built.graph.nodes.length };
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
