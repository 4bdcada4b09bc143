import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../engine/index.js';
import { gtavDataset } from './datasets/gtav.js';
import type { DatasetDescriptor } from './datasets/common.js';
import { createLoader, type DataLoader } from './loader.js';
import { PlcaError } from '../util/errors.js';
import { expectNoLeak } from '../../test/helpers/expect_tensors.js';
import { tempRoot, writeRgbPng, writeGtavLabel, writeBytes, idPattern, cleanupTrees } from '../../test/data/trees.js';

afterAll(cleanupTrees);

const augment = { minSize: 14, maxSize: 30, cropSize: 16 };
let ds: DatasetDescriptor;
const open: DataLoader[] = [];
const loader = (o: Partial<Parameters<typeof createLoader>[0]> = {}): DataLoader => {
  const l = createLoader({ dataset: ds, batchSize: 2, seed: 11, augment, workers: 0, ...o });
  open.push(l);
  return l;
};

async function take(l: DataLoader, n: number): Promise<{ images: number[]; labels: number[]; shape: number[] }[]> {
  const out = [];
  for (let i = 0; i < n; i++) {
    const b = await l.next();
    out.push({ images: Array.from(b.images.dataSync()), labels: Array.from(b.labels!.dataSync()), shape: b.images.shape });
    tf.dispose([b.images, b.labels!]);
  }
  return out;
}

beforeAll(async () => {
  await initEngine({ backend: 'cpu' });
  const root = tempRoot('loader');
  for (let i = 0; i < 5; i++) {
    writeRgbPng(join(root, `images/${i}.png`), 40, 24, i * 10);
    writeGtavLabel(join(root, `labels/${i}.png`), 40, 24, idPattern(40, 24, [7, 8, 26, 34, 0, 23 + i]));
  }
  ds = gtavDataset({ root });
});
afterAll(async () => {
  await Promise.all(open.map((l) => l.close()));
});

describe('DataLoader', () => {
  it('makes NHWC float images and int32 labels of the crop size', async () => {
    const b = await loader().next();
    expect(b.images.shape).toEqual([2, 16, 16, 3]);
    expect(b.images.dtype).toBe('float32');
    expect(b.labels!.shape).toEqual([2, 16, 16]);
    expect(b.labels!.dtype).toBe('int32');
    const labels = new Set(b.labels!.dataSync());
    for (const v of labels) expect([0, 1, 13, 10, 11, 12, 255]).toContain(v);
    tf.dispose([b.images, b.labels!]);
  });

  it('visits every item once per epoch, in an order set by the seed', async () => {
    const l = loader({ batchSize: 1, prefetch: 0 });
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) seen.push((await l.nextSamples())[0].item);
    expect([...seen.slice(0, 5)].sort()).toEqual([0, 1, 2, 3, 4]);
    expect([...seen.slice(5)].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(seen.slice(0, 5)).not.toEqual(seen.slice(5)); // reshuffled (5! orders; fixed seed)
    const other = loader({ batchSize: 1, seed: 12 });
    const seen2: number[] = [];
    for (let i = 0; i < 5; i++) seen2.push((await other.nextSamples())[0].item);
    expect(seen2).not.toEqual(seen.slice(0, 5));
  });

  it('gives the same batches with worker threads as in-process (timing does not matter)', async () => {
    const inProcess = await take(loader({ workers: 0 }), 6);
    const threaded = await take(loader({ workers: 2, prefetch: 3 }), 6);
    expect(threaded).toEqual(inProcess);
  });

  it('resumes exactly from state()', async () => {
    const a = loader({ workers: 2 });
    const all = await take(a, 7);
    const b = loader({ workers: 0 });
    await take(b, 3);
    const st = JSON.parse(JSON.stringify(b.state())) as unknown;
    const c = loader({ workers: 2 });
    c.restore(st);
    expect(await take(c, 4)).toEqual(all.slice(3));
    b.restore(st); // restoring drops prefetched work
    expect(await take(b, 1)).toEqual(all.slice(3, 4));
  });

  it('photometric augmentation (data.augment): other pixels, same labels; workers and resume give the same bytes', async () => {
    const photometric = { brightness: 0.4, contrast: 0.4, saturation: 0.5, colour: 0.15, gamma: 0.4, blur: 1.5, blurProb: 0.5, noise: 0.05 };
    const plain = await take(loader({ workers: 0 }), 3);
    const aug = await take(loader({ workers: 0, augment: { ...augment, photometric } }), 3);
    expect(aug.map((b) => b.labels)).toEqual(plain.map((b) => b.labels));
    expect(aug[0].images).not.toEqual(plain[0].images);
    expect(await take(loader({ workers: 2, augment: { ...augment, photometric } }), 3)).toEqual(aug);
    const b = loader({ workers: 0, augment: { ...augment, photometric } });
    await take(b, 1);
    const st = JSON.parse(JSON.stringify(b.state())) as unknown;
    const c = loader({ workers: 0, augment: { ...augment, photometric } });
    c.restore(st);
    expect(await take(c, 2)).toEqual(aug.slice(1));
  });

  it('rejects a state from another seed or dataset', () => {
    const st = loader().state();
    expect(() => loader({ seed: 3 }).restore(st)).toThrow(PlcaError);
    expect(() => loader().restore({ position: 1 })).toThrow(/not a loader state/);
  });

  it('evaluation mode resizes images and keeps labels at full size, in order', async () => {
    const l = loader({ mode: 'eval', evalSize: [12, 20], batchSize: 1, workers: 0 });
    const b = await l.next();
    expect(b.images.shape).toEqual([1, 12, 20, 3]);
    expect(b.labels!.shape).toEqual([1, 24, 40]);
    tf.dispose([b.images, b.labels!]);
    expect((await l.nextSamples())[0].item).toBe(1);
  });

  it('does not leak tensors', async () => {
    const l = loader();
    await expectNoLeak(async () => {
      const b = await l.next();
      tf.dispose([b.images, b.labels!]);
    });
  });

  it('reports a corrupt file from a worker with its name and code', async () => {
    const root = tempRoot('loaderbad');
    writeBytes(join(root, 'images/0.png'), '\x89PNG\r\n\x1a\nbroken');
    writeGtavLabel(join(root, 'labels/0.png'), 4, 4, new Array(16).fill(7));
    const l = createLoader({ dataset: gtavDataset({ root }), batchSize: 1, workers: 1 });
    open.push(l);
    const err = await l.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlcaError);
    expect((err as PlcaError).code).toBe('PLCA_IMAGE_CORRUPT');
    expect((err as PlcaError).message).toContain(join(root, 'images/0.png'));
  });
});
