// Writes a GraphModel as tfjs-converter lays it out: model.json (format 'graph-model', the
// GraphDef under `modelTopology`, a standard `weightsManifest`) and binary shards
// `group1-shard{i}of{n}.bin`. The weights are one group whose bytes are concatenated in manifest
// order and cut into shards of at most `shardBytes` (tensors may straddle shards: the stock loader
// concatenates a group's shards before slicing, as it does for converted models). Files go to a
// temporary directory beside `outDir` that is renamed into place, so a failed export never leaves
// a model.json that names missing or partial shards.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PlcaError } from '../util/errors.js';
import type { GraphBuilder } from './graph_builder.js';
import type { GraphModelJson } from './graph_model.js';

/** tfjs-converter's default shard size (4 MiB): small enough for browser caches and CDNs. */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

/** Throws unless `outDir` is free for an export (no model.json) or `overwrite` is set. */
export function checkTarget(outDir: string, overwrite: boolean): void {
  if (existsSync(join(outDir, 'model.json')) && !overwrite) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `export: ${join(outDir, 'model.json')} already exists`, {
      hint: 'choose another output directory, or pass overwrite: true (plca export --overwrite)',
    });
  }
}

export interface WriteResult {
  modelJson: string;
  shards: string[];
  weightBytes: number;
}

/**
 * Writes `graph` and its weights to `outDir` (created; an existing model.json there is replaced
 * together with the old shards only when `overwrite`).
 */
export function writeGraphModel(
  outDir: string, graph: GraphBuilder,
  meta: Pick<GraphModelJson, 'signature' | 'userDefinedMetadata' | 'generatedBy'>,
  opts: { shardBytes?: number; overwrite?: boolean } = {},
): WriteResult {
  const shardBytes = opts.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (!Number.isInteger(shardBytes) || shardBytes < 4) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `export: shardBytes must be an integer ≥ 4, got ${shardBytes}`);
  }
  checkTarget(outDir, opts.overwrite ?? false);
  const total = graph.weightBytes();
  const count = Math.max(1, Math.ceil(total / shardBytes));
  const paths = Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}.bin`);
  const json: GraphModelJson = {
    format: 'graph-model',
    generatedBy: meta.generatedBy,
    convertedBy: 'plca export',
    modelTopology: { node: graph.nodes, library: {}, versions: { producer: 1, minConsumer: 0 } },
    signature: meta.signature,
    userDefinedMetadata: meta.userDefinedMetadata,
    weightsManifest: [{ paths, weights: graph.weights.map((w) => ({ name: w.name, shape: w.shape, dtype: w.dtype })) }],
  };
  mkdirSync(dirname(outDir), { recursive: true });
  const tmp = join(dirname(outDir), `.${basename(outDir)}.export-${process.pid}-${Date.now()}`);
  mkdirSync(tmp);
  try {
    writeShards(tmp, graph, paths, shardBytes);
    writeFileSync(join(tmp, 'model.json'), JSON.stringify(json));
    if (existsSync(outDir)) {
      // Replace only what an export writes; other files a user keeps there stay.
      const stale = oldShards(outDir);
      rmSync(join(outDir, 'model.json'), { force: true });
      for (const f of stale) rmSync(join(outDir, f), { force: true });
      for (const f of [...paths, 'model.json']) renameSync(join(tmp, f), join(outDir, f));
      rmSync(tmp, { recursive: true, force: true });
    } else {
      renameSync(tmp, outDir);
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return { modelJson: join(outDir, 'model.json'), shards: paths.map((p) => join(outDir, p)), weightBytes: total };
}

/** Shard files a previous export's model.json names (plain file names only, never a path). */
function oldShards(dir: string): string[] {
  const file = join(dir, 'model.json');
  if (!existsSync(file)) return [];
  try {
    const old = JSON.parse(readFileSync(file, 'utf8')) as Partial<GraphModelJson>;
    return (old.weightsManifest ?? []).flatMap((g) => g.paths).filter((p) => typeof p === 'string' && basename(p) === p);
  } catch {
    return []; // not a model.json we can read: leave the files alone
  }
}

/** Streams the weights' bytes into fixed-size shard buffers. */
function writeShards(dir: string, graph: GraphBuilder, paths: string[], shardBytes: number): void {
  const total = graph.weightBytes();
  let shard = 0;
  let buf = Buffer.alloc(Math.min(shardBytes, total));
  let fill = 0;
  const flush = () => {
    writeFileSync(join(dir, paths[shard]), buf.subarray(0, fill));
    shard += 1;
    fill = 0;
    const left = total - shard * shardBytes;
    buf = Buffer.alloc(Math.max(0, Math.min(shardBytes, left)));
  };
  for (const w of graph.weights) {
    const bytes = Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength);
    let done = 0;
    while (done < bytes.length) {
      const n = Math.min(bytes.length - done, buf.length - fill);
      bytes.copy(buf, fill, done, done + n);
      fill += n;
      done += n;
      if (fill === buf.length) flush();
    }
  }
  if (shard === 0) flush(); // a graph without weights still gets its one (empty) shard
}
