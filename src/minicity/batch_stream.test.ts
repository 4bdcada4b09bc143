import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../engine/index.js';
import { createMiniCityStream, benchmarkStreams, type MiniCityBatchStream } from './batch_stream.js';
import { generateSet, setSample } from './generator.js';
import { normalizeImage } from '../data/transforms.js';
import { NO_PHOTOMETRIC } from '../data/photometric.js';
import { expectNoLeak } from '../../test/helpers/expect_tensors.js';

const set = generateSet({ count: 10, seed: 3, domain: 'source' });
const W = 128;
const H = 64;
const PX = W * H;

beforeAll(async () => {
  await initEngine({ backend: 'cpu' });
});

/** Which set image (and whether mirrored) batch element b is, by exact label and pixel match. */
function identify(images: Float32Array, labels: Int32Array | null, b: number): { idx: number; flipped: boolean } {
  for (let i = 0; i < set.count; i++) {
    const { image, label } = setSample(set, i);
    for (const flipped of [false, true]) {
      let ok = true;
      for (let y = 0; y < H && ok; y++) {
        for (let x = 0; x < W; x++) {
          const s = y * W + (flipped ? W - 1 - x : x);
          const d = b * PX + y * W + x;
          if (labels && labels[d] !== label[s]) { ok = false; break; }
          if (Math.abs(images[3 * d] - (image[3 * s] / 255 - 0.5) / 0.25) > 1e-6) { ok = false; break; }
          if (Math.abs(images[3 * d + 2] - (image[3 * s + 2] / 255 - 0.5) / 0.25) > 1e-6) { ok = false; break; }
        }
      }
      if (ok) return { idx: i, flipped };
    }
  }
  return { idx: -1, flipped: false };
}

async function take(s: MiniCityBatchStream, n: number): Promise<{ images: Float32Array; labels: Int32Array | null }[]> {
  const out = [];
  for (let i = 0; i < n; i++) {
    const b = await s.next();
    out.push({ images: b.images.dataSync() as Float32Array, labels: b.labels ? (b.labels.dataSync() as Int32Array) : null });
    tf.dispose([b.images, b.labels]);
  }
  return out;
}

describe('MiniCityBatchStream', () => {
  it('yields normalised NHWC float32 images and int32 labels of the set, each image once per epoch', async () => {
    const s = createMiniCityStream(set, { batchSize: 5, seed: 1 });
    const b = await s.next();
    expect(b.images.shape).toEqual([5, H, W, 3]);
    expect(b.images.dtype).toBe('float32');
    expect(b.labels!.shape).toEqual([5, H, W]);
    expect(b.labels!.dtype).toBe('int32');
    tf.dispose([b.images, b.labels]);
    const s2 = createMiniCityStream(set, { batchSize: 5, seed: 1 });
    const batches = await take(s2, 4); // two epochs
    const seen: { idx: number; flipped: boolean }[] = [];
    for (const bt of batches) for (let k = 0; k < 5; k++) seen.push(identify(bt.images, bt.labels, k));
    expect(seen.every((v) => v.idx >= 0)).toBe(true);
    const epoch0 = seen.slice(0, 10).map((v) => v.idx);
    const epoch1 = seen.slice(10).map((v) => v.idx);
    expect([...epoch0].sort((a, c) => a - c)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...epoch1].sort((a, c) => a - c)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(epoch1).not.toEqual(epoch0);
    const flips = seen.filter((v) => v.flipped).length;
    expect(flips).toBeGreaterThan(2);
    expect(flips).toBeLessThan(18);
    expect(s2.epoch).toBe(1);
  });

  it('flip: false and normalize: false give the raw pixels /255; withLabels: false omits labels', async () => {
    const s = createMiniCityStream(set, { batchSize: 2, flip: false, normalize: false, withLabels: false });
    const b = await s.next();
    expect(b.labels).toBeUndefined();
    const data = b.images.dataSync();
    b.images.dispose();
    const matches = [0, 1].map((k) => {
      for (let i = 0; i < set.count; i++) {
        const img = setSample(set, i).image;
        let ok = true;
        for (let p = 0; p < PX * 3 && ok; p++) ok = Math.abs(data[k * PX * 3 + p] - img[p] / 255) < 1e-7;
        if (ok) return i;
      }
      return -1;
    });
    expect(matches.every((m) => m >= 0)).toBe(true);
  });

  it('resumes exactly from a JSON state, across an epoch boundary', async () => {
    const a = createMiniCityStream(set, { batchSize: 4, seed: 9 });
    await take(a, 3); // 12 images: already in epoch 1
    const st = JSON.parse(JSON.stringify(a.state()));
    const want = await take(a, 5);
    const b = createMiniCityStream(set, { batchSize: 4, seed: 1234 });
    b.restore(st);
    const got = await take(b, 5);
    for (let i = 0; i < 5; i++) {
      expect(Buffer.from(got[i].images.buffer).equals(Buffer.from(want[i].images.buffer))).toBe(true);
      expect(Buffer.from(got[i].labels!.buffer).equals(Buffer.from(want[i].labels!.buffer))).toBe(true);
    }
  });

  it('photometric augmentation: changes the pixels, not the labels; same seed same batches; resumes exactly', async () => {
    const aug = { ...NO_PHOTOMETRIC, brightness: 0.4, contrast: 0.3, colour: 0.1, gamma: 0.3, blur: 1.5, blurProb: 0.5, noise: 0.05 };
    const plain = await take(createMiniCityStream(set, { batchSize: 4, seed: 9 }), 2);
    const a = createMiniCityStream(set, { batchSize: 4, seed: 9, photometric: aug });
    const first = await take(a, 2);
    expect(Buffer.from(first[0].images.buffer).equals(Buffer.from(plain[0].images.buffer))).toBe(false);
    // The order and flips of the first batch are drawn before any augmentation, so labels agree.
    expect(Array.from(first[0].labels!.subarray(0, PX))).toEqual(Array.from(plain[0].labels!.subarray(0, PX)));
    const again = await take(createMiniCityStream(set, { batchSize: 4, seed: 9, photometric: aug }), 2);
    expect(Buffer.from(again[1].images.buffer).equals(Buffer.from(first[1].images.buffer))).toBe(true);
    await take(a, 1);
    const st = JSON.parse(JSON.stringify(a.state()));
    const want = await take(a, 2);
    const b = createMiniCityStream(set, { batchSize: 4, seed: 77, photometric: aug });
    b.restore(st);
    const got = await take(b, 2);
    for (let i = 0; i < 2; i++) expect(Buffer.from(got[i].images.buffer).equals(Buffer.from(want[i].images.buffer))).toBe(true);
  });

  it('rejects states of another set and bad options', () => {
    const a = createMiniCityStream(set, { batchSize: 4 });
    const other = createMiniCityStream(generateSet({ count: 3, seed: 3, domain: 'source' }));
    expect(() => other.restore(a.state())).toThrow(/set of 10 images/);
    expect(() => a.restore({ kind: 'folder' })).toThrow(/malformed/);
    expect(() => createMiniCityStream(set, { batchSize: 0 })).toThrow(/batchSize must be an integer >= 1/);
    expect(() => createMiniCityStream(set, { normalize: { mean: 0, std: 0 } })).toThrow(/std must be > 0/);
  });

  it('normalises as data/transforms.ts normalizeImage, bit for bit, for any spec (BGR channel order too)', async () => {
    const specs = [
      { channelOrder: 'rgb' as const, scale: 1 / 255, mean: [0.5, 0.5, 0.5] as const, std: [0.25, 0.25, 0.25] as const },
      { channelOrder: 'bgr' as const, scale: 1, mean: [104, 117, 123] as const, std: [1, 2, 3] as const },
    ];
    for (const spec of specs) {
      const s = createMiniCityStream(set, { batchSize: 1, flip: false, normalize: spec, withLabels: false });
      const b = await s.next();
      const got = b.images.dataSync();
      b.images.dispose();
      const want = [...Array(set.count).keys()].map((i) => normalizeImage({ width: set.width, height: set.height, channels: 3, data: setSample(set, i).image }, spec));
      expect(want.some((w) => Buffer.from(w.buffer).equals(Buffer.from(got.buffer, got.byteOffset, got.byteLength))), spec.channelOrder).toBe(true);
    }
  });

  it('leaks no tensors once the caller disposes the batch', async () => {
    const s = createMiniCityStream(set, { batchSize: 3 });
    await expectNoLeak(async () => {
      const b = await s.next();
      tf.dispose([b.images, b.labels]);
    });
  });

  it('benchmarkStreams: labelled source, unlabelled target, different orders', async () => {
    const { source, target } = benchmarkStreams({ sourceTrain: set, targetTrain: set }, { batchSize: 2, seed: 4 });
    const a = await source.next();
    const b = await target.next();
    expect(a.labels).toBeDefined();
    expect(b.labels).toBeUndefined();
    expect(source.state().rng).not.toEqual(target.state().rng);
    tf.dispose([a.images, a.labels, b.images]);
  });
});
