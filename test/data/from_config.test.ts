import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../../src/engine/index.js';
import { createDataStreams, type DataSectionLike } from '../../src/data/from_config.js';
import { PlcaError } from '../../src/util/errors.js';
import { tempRoot, writeRgbPng, writeGtavLabel, writeGreyPng, idPattern, cleanupTrees } from './trees.js';

afterAll(cleanupTrees);

let data: DataSectionLike;

beforeAll(async () => {
  await initEngine({ backend: 'cpu' });
  const gta = tempRoot('cfg-gta');
  const cs = tempRoot('cfg-cs');
  for (let i = 0; i < 3; i++) {
    writeRgbPng(join(gta, `images/${i}.png`), 32, 20, i);
    writeGtavLabel(join(gta, `labels/${i}.png`), 32, 20, idPattern(32, 20, [7, 26]));
    for (const split of ['train', 'val']) {
      writeRgbPng(join(cs, `leftImg8bit/${split}/ulm/ulm_${i}_leftImg8bit.png`), 32, 16, i);
      writeGreyPng(join(cs, `gtFine/${split}/ulm/ulm_${i}_gtFine_labelIds.png`), 32, 16, idPattern(32, 16, [7, 23]));
    }
  }
  data = {
    source: { dataset: 'gta5', root: gta, split: 'trainval', list: null },
    target: { dataset: 'cityscapes', root: cs, split: 'train', list: null },
    val: { dataset: 'cityscapes', root: cs, split: 'val', list: null },
    resizeShort: [10, 14], crop: [8, 12], flip: true, evalSize: [8, 16],
    normalization: { channelOrder: 'bgr', scale: 1, mean: [104.00698793, 116.66876762, 122.67891434], std: [1, 1, 1] },
    workers: 0,
  };
});

describe('createDataStreams', () => {
  it('builds source (labelled), target (unlabelled) and val (full-size labels) loaders from a config data section', async () => {
    const s = createDataStreams(data, { batchSize: 2, seed: 5 });
    const src = await s.source.next();
    expect(src.images.shape).toEqual([2, 8, 12, 3]);
    expect(src.labels!.shape).toEqual([2, 8, 12]);
    const tgt = await s.target!.next();
    expect(tgt.images.shape).toEqual([2, 8, 12, 3]);
    expect(tgt.labels).toBeUndefined();
    const val = await s.val!.next();
    expect(val.images.shape).toEqual([1, 8, 16, 3]);
    expect(val.labels!.shape).toEqual([1, 16, 32]);
    expect(new Set(val.labels!.dataSync())).toEqual(new Set([0, 10]));
    tf.dispose([src.images, src.labels!, tgt.images, val.images, val.labels!]);
    await s.close();
  });

  it('passes idMap to folder datasets', async () => {
    const root = tempRoot('cfg-fold');
    writeRgbPng(join(root, 'images/a.png'), 20, 12);
    writeGreyPng(join(root, 'labels/a.png'), 20, 12, idPattern(20, 12, [1, 2]));
    writeFileSync(join(root, 'm.json'), JSON.stringify({ 1: 'car', 2: 'ignore' }));
    const s = createDataStreams({ ...data, source: { dataset: 'folder', root, split: 'all', idMap: join(root, 'm.json') }, target: null, val: null },
      { batchSize: 1, seed: 0 });
    const b = await s.source.next();
    expect([...new Set(b.labels!.dataSync())].sort((x, y) => x - y)).toEqual([13, 255]);
    tf.dispose([b.images, b.labels!]);
    await s.close();
  });

  it('refuses a dataset it does not read, pointing MiniCity to its module', () => {
    expect(() => createDataStreams({ ...data, source: { dataset: 'minicity', root: 'x', split: 'train' } }, { batchSize: 1, seed: 0 }))
      .toThrow(PlcaError);
    expect(() => createDataStreams({ ...data, source: { dataset: 'minicity', root: 'x', split: 'train' } }, { batchSize: 1, seed: 0 }))
      .toThrow(/minicity/);
  });
});
