import { describe, it, expect, afterAll } from 'vitest';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { checkDataset, checkDatasetParallel } from '../../src/data/check.js';
import {
  tempRoot, writeRgbPng, rgbPixels, writeGreyPng, writeSynthiaLabel, writeGtavLabel, writeBytes, idPattern,
  CITYSCAPES_ID_NAMES, SYNTHIA_ID_NAMES, cleanupTrees,
} from './trees.js';

afterAll(cleanupTrees);

const TRAIN_ORDER = ['road', 'sidewalk', 'building', 'wall', 'fence', 'pole', 'traffic light', 'traffic sign',
  'vegetation', 'terrain', 'sky', 'person', 'rider', 'car', 'truck', 'bus', 'train', 'motorcycle', 'bicycle'];

/** SYNTHIA's protocol has 16 of the 19 classes: no terrain, truck or train. */
const SYNTHIA_ORDER = TRAIN_ORDER.filter((n) => !['terrain', 'truck', 'train'].includes(n));

/** The histogram the check should report, counted here from the raw ids and the publishers' names. */
function expectedHistogram(rawLabels: number[][], names: Record<number, string>, classes = TRAIN_ORDER): Record<string, number> {
  const h: Record<string, number> = { ignore: 0 };
  for (const n of classes) h[n] = 0;
  for (const l of rawLabels) for (const r of l) h[names[r] ?? 'ignore']++;
  return h;
}

const W = 10, H = 6;

describe('checkDataset', () => {
  it('finds nothing wrong with a clean SYNTHIA tree and counts classes', async () => {
    const root = tempRoot('chk-syn');
    const ids = idPattern(W, H, [...Array(23).keys()]);
    for (const n of ['0000000', '0000001']) {
      writeRgbPng(join(root, `RGB/${n}.png`), W, H);
      writeSynthiaLabel(join(root, `GT/LABELS/${n}.png`), W, H, ids);
    }
    const r = checkDataset({ dataset: 'synthia', root });
    expect(r).toEqual({ images: 2, labels: 2, problems: [], histogram: expectedHistogram([ids, ids], SYNTHIA_ID_NAMES, SYNTHIA_ORDER) });
    expect(Object.keys(r.histogram)).toEqual([...SYNTHIA_ORDER, 'ignore']);
  });

  it('flags a label whose every pixel is ignore (e.g. SYNTHIA ids read the wrong way)', async () => {
    const root = tempRoot('chk-syn-void');
    writeRgbPng(join(root, 'RGB/0000000.png'), W, H);
    writeSynthiaLabel(join(root, 'GT/LABELS/0000000.png'), W, H, idPattern(W, H, [0, 13, 14])); // void, parking-slot, road-work
    writeRgbPng(join(root, 'RGB/0000001.png'), W, H);
    writeSynthiaLabel(join(root, 'GT/LABELS/0000001.png'), W, H, idPattern(W, H, [0, 3])); // void and road
    const r = checkDataset({ dataset: 'synthia', root });
    expect(r.problems).toEqual([{
      file: join(root, 'GT/LABELS/0000000.png'),
      problem: 'every pixel is ignore (255) under the synthia mapping (raw ids 0, 13, 14): the label holds no class',
    }]);
    expect(r.histogram.ignore).toBeGreaterThan(W * H);
  });

  it('checks a Cityscapes split and its list file', async () => {
    const root = tempRoot('chk-cs');
    const ids = idPattern(W, H, [...Array(34).keys()]);
    writeRgbPng(join(root, 'leftImg8bit/val/ulm/ulm_000000_000019_leftImg8bit.png'), W, H);
    writeGreyPng(join(root, 'gtFine/val/ulm/ulm_000000_000019_gtFine_labelIds.png'), W, H, ids);
    const r = checkDataset({ dataset: 'cityscapes', root, split: 'val' });
    expect(r).toEqual({ images: 1, labels: 1, problems: [], histogram: expectedHistogram([ids], CITYSCAPES_ID_NAMES) });
    writeFileSync(join(root, 'val.lst'), 'leftImg8bit/val/ulm/ulm_000000_000019_leftImg8bit.png\nleftImg8bit/val/ulm/gone_leftImg8bit.png\n');
    const r2 = checkDataset({ dataset: 'cityscapes', root, split: 'val.lst' });
    expect(r2.images).toBe(1);
    expect(r2.problems).toEqual([
      { file: join(root, 'leftImg8bit/val/ulm/gone_leftImg8bit.png'), problem: expect.stringMatching(/^missing image/) },
      { file: join(root, 'gtFine/val/ulm/gone_gtFine_labelIds.png'), problem: expect.stringMatching(/^missing label/) },
    ]);
  });

  it('names the file of every problem in a broken GTAV tree, the same with worker threads', async () => {
    const root = tempRoot('chk-gtav');
    const ids = idPattern(W, H, [7, 26, 34, 0]);
    const good = (n: string): void => {
      writeRgbPng(join(root, `images/${n}.png`), W, H);
      writeGtavLabel(join(root, `labels/${n}.png`), W, H, ids);
    };
    good('a_ok');
    writeRgbPng(join(root, 'images/b_nolabel.png'), W, H);
    writeRgbPng(join(root, 'images/c_mismatch.png'), W, H);
    writeGtavLabel(join(root, 'labels/c_mismatch.png'), W + 2, H, idPattern(W + 2, H, [7]));
    good('d_corrupt');
    writeBytes(join(root, 'images/d_corrupt.png'), 'this is not a png');
    good('e_truncated');
    const full = readFileSync(join(root, 'labels/e_truncated.png'));
    writeBytes(join(root, 'labels/e_truncated.png'), full.subarray(0, full.length - 20));
    writeRgbPng(join(root, 'images/f_values.png'), W, H);
    writeGtavLabel(join(root, 'labels/f_values.png'), W, H, idPattern(W, H, [7, 40, 41]));
    writeGtavLabel(join(root, 'labels/g_orphan.png'), W, H, ids);
    writeRgbPng(join(root, 'images/h_rgblabel.png'), W, H);
    writeRgbPng(join(root, 'labels/h_rgblabel.png'), W, H);

    const progress: number[] = [];
    const r = checkDataset({ dataset: 'gtav', root, onProgress: (d) => progress.push(d) });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await checkDatasetParallel({ dataset: 'gtav', root, workers: 2 })).toEqual(r);
    expect(r.images).toBe(7);
    expect(r.labels).toBe(7); // a, c, d, e, f, h + the orphan
    const byFile: Record<string, string> = {};
    for (const p of r.problems) {
      const k = p.file.slice(root.length + 1);
      byFile[k] = byFile[k] ? `${byFile[k]} | ${p.problem}` : p.problem;
    }
    expect(Object.keys(byFile).sort()).toEqual([
      'images/d_corrupt.png', 'labels/b_nolabel.png', 'labels/c_mismatch.png', 'labels/e_truncated.png',
      'labels/f_values.png', 'labels/g_orphan.png', 'labels/h_rgblabel.png',
    ]);
    expect(byFile['labels/h_rgblabel.png']).toMatch(/^colour \(RGB\) label/);
    expect(byFile['images/d_corrupt.png']).toMatch(/PLCA_IMAGE_CORRUPT/);
    expect(byFile['labels/b_nolabel.png']).toMatch(/missing label/);
    expect(byFile['labels/c_mismatch.png']).toMatch(/size mismatch: label is 12x6, image .*c_mismatch\.png is 10x6/);
    expect(byFile['labels/e_truncated.png']).toMatch(/PLCA_IMAGE_CORRUPT.*truncated/);
    const f = idPattern(W, H, [7, 40, 41]);
    expect(byFile['labels/f_values.png']).toBe(
      `unexpected label values: ${f.filter((v) => v !== 7).length} pixels with ids outside the gtav mapping (40, 41)`);
    expect(byFile['labels/g_orphan.png']).toMatch(/label without an image/);
    // histogram: a_ok, c_mismatch (still counted), d_corrupt's label, f_values, h's red channel
    const red = Array.from(rgbPixels(W, H)).filter((_, i) => i % 3 === 0);
    const want = expectedHistogram([ids, idPattern(W + 2, H, [7]), ids, f, red], CITYSCAPES_ID_NAMES);
    expect(r.histogram).toEqual(want);
  });

  it('checks a folder of pairs with an id mapping', async () => {
    const root = tempRoot('chk-fold');
    writeRgbPng(join(root, 'images/p.png'), W, H);
    writeGreyPng(join(root, 'labels/p.png'), W, H, idPattern(W, H, [1, 2, 9]));
    writeFileSync(join(root, 'id_map.json'), JSON.stringify({ 1: 'sky', 2: 'ignore' }));
    const r = checkDataset({ dataset: 'folder', root });
    expect(r.problems).toEqual([{ file: join(root, 'labels/p.png'), problem: expect.stringMatching(/ids outside .*id_map\.json mapping \(9\)/) }]);
    expect(r.histogram.sky).toBe(idPattern(W, H, [1, 2, 9]).filter((v) => v === 1).length);
  });
});
