import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import {
  cityscapesDataset, gtavDataset, synthiaDataset, folderDataset, openDataset, loadSample,
} from '../../src/data/datasets/index.js';
import { CLASS_NAMES } from '../../src/data/label_maps.js';
import { PlcaError } from '../../src/util/errors.js';
import {
  tempRoot, writeRgbPng, writeGreyPng, writeSynthiaLabel, writeGtavLabel, writeBytes, idPattern,
  CITYSCAPES_ID_NAMES, SYNTHIA_ID_NAMES, cleanupTrees,
} from './trees.js';

afterAll(cleanupTrees);

// Cityscapes train-id order, typed here independently of src/data/label_maps.ts.
const TRAIN_ORDER = ['road', 'sidewalk', 'building', 'wall', 'fence', 'pole', 'traffic light', 'traffic sign',
  'vegetation', 'terrain', 'sky', 'person', 'rider', 'car', 'truck', 'bus', 'train', 'motorcycle', 'bicycle'];
const expectedTrain = (names: Record<number, string>, raw: number): number =>
  names[raw] === undefined ? 255 : TRAIN_ORDER.indexOf(names[raw]);

async function expectPlcaError(fn: () => unknown, code: string, pattern: RegExp | string): Promise<void> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a PlcaError').toBeInstanceOf(PlcaError);
  expect((err as PlcaError).code).toBe(code);
  expect((err as PlcaError).message).toMatch(pattern);
}

const W = 12, H = 7;

describe('Cityscapes layout', () => {
  let root = '';
  const rawIds = [...Array(34).keys()];
  beforeAll(() => {
    root = tempRoot('cs');
    for (const [city, n] of [['aachen', 2], ['bremen', 1]] as const) {
      for (let k = 0; k < n; k++) {
        const stem = `${city}_00000${k}_000019`;
        writeRgbPng(join(root, 'leftImg8bit/val', city, `${stem}_leftImg8bit.png`), W, H, k);
        writeGreyPng(join(root, 'gtFine/val', city, `${stem}_gtFine_labelIds.png`), W, H, idPattern(W, H, rawIds));
      }
    }
  });

  it('uses the 19 class names as Cityscapes spells them', () => {
    expect([...CLASS_NAMES]).toEqual(TRAIN_ORDER);
  });

  it('scans a split and maps labelIds to train ids pixel for pixel', () => {
    const ds = cityscapesDataset({ root, split: 'val' });
    expect(ds.items.map((i) => i.id)).toEqual(['aachen/aachen_000000_000019', 'aachen/aachen_000001_000019', 'bremen/bremen_000000_000019']);
    const s = loadSample(ds, 0);
    expect([s.image.width, s.image.height, s.image.data.length]).toEqual([W, H, W * H * 3]);
    expect(Array.from(s.label!)).toEqual(idPattern(W, H, rawIds).map((r) => expectedTrain(CITYSCAPES_ID_NAMES, r)));
    expect(ds.unpairedLabels).toEqual([]);
  });

  it('reads a reference split list and a one-column list', () => {
    const stem = 'leftImg8bit/val/bremen/bremen_000000_000019';
    writeFileSync(join(root, 'two.lst'), `${stem}_leftImg8bit.png\tgtFine/val/bremen/bremen_000000_000019_gtFine_labelIds.png\n\n`);
    writeFileSync(join(root, 'one.txt'), `# comment\n${stem}_leftImg8bit.png\n`);
    for (const list of ['two.lst', 'one.txt']) {
      const ds = cityscapesDataset({ root, split: list });
      expect(ds.items).toEqual([{
        id: 'bremen/bremen_000000_000019',
        imagePath: join(root, `${stem}_leftImg8bit.png`),
        labelPath: join(root, 'gtFine/val/bremen/bremen_000000_000019_gtFine_labelIds.png'),
      }]);
    }
  });

  it('reads *_labelTrainIds.png named by a list as train ids, and refuses a mix', async () => {
    const stem = 'gtFine/val/bremen/bremen_000000_000019';
    writeGreyPng(join(root, `${stem}_gtFine_labelTrainIds.png`), W, H, idPattern(W, H, [0, 13, 255]));
    const img = 'leftImg8bit/val/bremen/bremen_000000_000019_leftImg8bit.png';
    writeFileSync(join(root, 'tid.lst'), `${img} ${stem}_gtFine_labelTrainIds.png\n`);
    const ds = cityscapesDataset({ root, split: 'tid.lst' });
    expect(Array.from(loadSample(ds, 0).label!)).toEqual(idPattern(W, H, [0, 13, 255]));
    writeFileSync(join(root, 'mix.lst'), `${img} ${stem}_gtFine_labelTrainIds.png\n${img}\n`);
    await expectPlcaError(() => cityscapesDataset({ root, split: 'mix.lst' }), 'PLCA_DATASET_INVALID', 'mix.lst');
  });

  it('names the missing split folder and root', async () => {
    await expectPlcaError(() => cityscapesDataset({ root, split: 'train' }), 'PLCA_DATASET_INVALID', join(root, 'leftImg8bit/train'));
    await expectPlcaError(() => cityscapesDataset({ root: join(root, 'nope') }), 'PLCA_FILE_NOT_FOUND', 'nope');
  });

  it('can drop labels for an unlabelled target stream', () => {
    const ds = openDataset({ dataset: 'cityscapes', root, split: 'val', labels: false });
    expect(ds.labels).toBeUndefined();
    expect(loadSample(ds, 1).label).toBeUndefined();
  });
});

describe('GTAV layout (palette labels)', () => {
  it('maps palette indices, not colours: license plate (34) is ignored, car (26) is car', () => {
    const root = tempRoot('gtav');
    const ids = [...Array(35).keys()];
    writeRgbPng(join(root, 'images/00001.png'), W, H);
    writeGtavLabel(join(root, 'labels/00001.png'), W, H, idPattern(W, H, ids));
    writeGtavLabel(join(root, 'labels/00002.png'), W, H, idPattern(W, H, ids));
    const ds = gtavDataset({ root });
    expect(ds.items.map((i) => i.id)).toEqual(['00001']);
    expect(ds.unpairedLabels).toEqual([join(root, 'labels/00002.png')]);
    const label = loadSample(ds, 0).label!;
    const raw = idPattern(W, H, ids);
    expect(Array.from(label)).toEqual(raw.map((r) => (r === 34 ? 255 : expectedTrain(CITYSCAPES_ID_NAMES, r))));
    expect(raw.includes(34) && raw.includes(26)).toBe(true);
  });
});

describe('SYNTHIA layout (16-bit labels)', () => {
  it('reads the id from channel 0 at 16 bits and maps to the 16-class task', () => {
    const root = tempRoot('syn');
    const ids = [...Array(23).keys()];
    writeRgbPng(join(root, 'RGB/0000000.png'), W, H);
    writeSynthiaLabel(join(root, 'GT/LABELS/0000000.png'), W, H, idPattern(W, H, ids));
    const ds = synthiaDataset({ root });
    const label = loadSample(ds, 0).label!;
    expect(Array.from(label)).toEqual(idPattern(W, H, ids).map((r) => expectedTrain(SYNTHIA_ID_NAMES, r)));
    // the 16 classes the task trains on, and nothing else
    expect(new Set(label)).toEqual(new Set([...Object.values(SYNTHIA_ID_NAMES).map((n) => TRAIN_ORDER.indexOf(n)), 255]));
  });

  it('reports a missing split list by path', async () => {
    await expectPlcaError(() => synthiaDataset({ root: tempRoot('syn2'), split: 'train.lst' }), 'PLCA_FILE_NOT_FOUND', 'train.lst');
  });
});

describe('folder layouts', () => {
  it('scans a folder of unlabelled images (PNG and JPEG, nested)', () => {
    const root = tempRoot('fold');
    writeRgbPng(join(root, 'a.png'), W, H);
    writeRgbPng(join(root, 'sub/b.png'), W, H);
    writeBytes(join(root, 'notes.txt'), 'not an image');
    const ds = folderDataset({ root });
    expect(ds.items.map((i) => i.id)).toEqual(['a', 'sub/b']);
    expect(ds.labels).toBeUndefined();
    expect(loadSample(ds, 1).image.width).toBe(W);
  });

  it('pairs images/ with labels/ through a user id mapping', () => {
    const root = tempRoot('foldl');
    writeRgbPng(join(root, 'images/x.png'), W, H);
    writeGreyPng(join(root, 'labels/x.png'), W, H, idPattern(W, H, [0, 1, 2, 3]));
    writeFileSync(join(root, 'id_map.json'), JSON.stringify({ 0: 'ignore', 1: 'road', 2: 13 }));
    const ds = folderDataset({ root });
    const want = idPattern(W, H, [0, 1, 2, 3]).map((r) => [255, 0, 13, 255][r]);
    expect(Array.from(loadSample(ds, 0).label!)).toEqual(want);
  });

  it('rejects a bad id mapping naming the file', async () => {
    const root = tempRoot('foldb');
    writeRgbPng(join(root, 'images/x.png'), W, H);
    writeGreyPng(join(root, 'labels/x.png'), W, H, new Array(W * H).fill(0));
    writeFileSync(join(root, 'map.json'), JSON.stringify({ 1: 'roads' }));
    await expectPlcaError(() => folderDataset({ root, idMap: join(root, 'map.json') }), 'PLCA_CONFIG_INVALID', /map\.json.*roads/);
  });
});

describe('loadSample errors name the file', () => {
  let root = '';
  beforeAll(() => {
    root = tempRoot('err');
    const ids = new Array(W * H).fill(7);
    writeRgbPng(join(root, 'images/ok.png'), W, H);
    writeRgbPng(join(root, 'images/nolabel.png'), W, H);
    writeRgbPng(join(root, 'images/small.png'), W, H);
    writeGtavLabel(join(root, 'labels/ok.png'), W, H, ids);
    writeGtavLabel(join(root, 'labels/small.png'), W - 1, H, new Array((W - 1) * H).fill(7));
    writeBytes(join(root, 'images/corrupt.png'), Buffer.from('\x89PNG\r\n\x1a\n garbage garbage garbage'));
    writeGtavLabel(join(root, 'labels/corrupt.png'), W, H, ids);
  });
  const at = (id: string): number => gtavDataset({ root }).items.findIndex((i) => i.id === id);

  it('missing label', async () => {
    await expectPlcaError(() => loadSample(gtavDataset({ root }), at('nolabel')), 'PLCA_FILE_NOT_FOUND', join(root, 'labels/nolabel.png'));
  });
  it('size mismatch', async () => {
    await expectPlcaError(() => loadSample(gtavDataset({ root }), at('small')), 'PLCA_SIZE_MISMATCH', /small\.png is 11x7 .* is 12x7/);
  });
  it('size mismatch resized on request, by nearest', () => {
    const s = loadSample(gtavDataset({ root }), at('small'), { sizeMismatch: 'resize' });
    expect([s.image.width, s.image.height, s.label!.length]).toEqual([W, H, W * H]);
    expect(new Set(s.label)).toEqual(new Set([0])); // id 7 = road everywhere
  });
  it('corrupt image', async () => {
    await expectPlcaError(() => loadSample(gtavDataset({ root }), at('corrupt')), 'PLCA_IMAGE_CORRUPT', join(root, 'images/corrupt.png'));
  });
});

describe('split names of GTAV/SYNTHIA', () => {
  it("scans for 'trainval'/'all', finds NAME.lst under the root, and names what it tried otherwise", async () => {
    const root = tempRoot('split');
    for (const n of ['1', '2']) {
      writeRgbPng(join(root, `images/${n}.png`), W, H);
      writeGtavLabel(join(root, `labels/${n}.png`), W, H, new Array(W * H).fill(7));
    }
    expect(gtavDataset({ root, split: 'trainval' }).items.length).toBe(2);
    expect(gtavDataset({ root, split: 'all' }).items.length).toBe(2);
    expect(openDataset({ dataset: 'gta5', root, split: 'trainval' }).name).toBe('gtav'); // the config's spelling
    writeFileSync(join(root, 'trainval.lst'), 'images/2.png labels/2.png\n');
    expect(gtavDataset({ root, split: 'trainval' }).items.map((i) => i.id)).toEqual(['2']);
    await expectPlcaError(() => gtavDataset({ root, split: 'val' }), 'PLCA_FILE_NOT_FOUND', join(root, 'val.lst'));
  });
});
