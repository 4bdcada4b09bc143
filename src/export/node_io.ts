// Loading an exported model from disk in Node without a server: an IOHandler that reads
// model.json and its shards exactly as written and hands them to tfjs-core's own
// `getModelArtifactsForJSON`, the function the stock http loader uses after fetching. So
// `tf.loadGraphModel(exportedModelHandler(dir))` exercises the same parsing as a browser does.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { PlcaError } from '../util/errors.js';

/** A load-only IOHandler for `dir/model.json` and the shard files its manifest names. */
export function exportedModelHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const file = join(dir, 'model.json');
      if (!existsSync(file)) throw new PlcaError('PLCA_FILE_NOT_FOUND', `exported model not found: ${file}`);
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(readFileSync(file, 'utf8')) as tf.io.ModelJSON;
      } catch (e) {
        throw new PlcaError('PLCA_FILE_UNREADABLE', `${file} is not valid JSON`, { cause: e });
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const p of group.paths) {
            const shard = join(dir, p);
            if (!existsSync(shard)) throw new PlcaError('PLCA_FILE_NOT_FOUND', `weight shard ${shard} (named in ${file}) is missing`);
            const b = readFileSync(shard);
            buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
          }
        }
        return [tf.io.getWeightSpecs(manifest), tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}
