// Label ids outside a dataset's mapping (data.unknownLabels): 'error' names the file, the ids and
// the pixel count (in-process and through worker threads, hint intact); 'warn' reads them as
// ignore and warns once per file per process; 'ignore' is silent. Ids the mapping lists but sends
// to ignore (Cityscapes void 0–6 and 255, GTAV's license plate 34) are never reported.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { resolveConfig } from '../config/index.js';
import { initEngine } from '../engine/index.js';
import { PlcaError } from '../util/errors.js';
import { cityscapesDataset } from './datasets/cityscapes.js';
import { gtavDataset } from './datasets/gtav.js';
import { loadSample, type DatasetDescriptor, type UnknownLabelReport } from './datasets/common.js';
import { createLoader, type DataLoader, type LoaderOptions } from './loader.js';
import { prepareSample } from './sample_pipeline.js';
import { cleanupTrees, tempRoot, writeGreyPng, writeGtavLabel, writeRgbPng } from '../../test/data/trees.js';

const W = 8, H = 4;
// 5 pixels of 200 and 2 of 201 (no Cityscapes label ids), the rest road (7) and void (0, 3, 255).
const BAD = [200, 200, 200, 200, 200, 201, 201, ...Array.from({ length: W * H - 7 }, (_, i) => [7, 0, 3, 255][i % 4])];
// Every id the Cityscapes table lists, void and license-plate-as-255 included.
const ALL_KNOWN = Array.from({ length: W * H }, (_, i) => (i < 34 ? i : 255));

let root = '';
let ds: DatasetDescriptor;
let badLabel = '';
const open: DataLoader[] = [];

/** A Cityscapes val tree of 3 pairs; pair 1's label holds the ids 200 and 201. */
function writeTree(dir: string, labels: number[][]): string[] {
  return labels.map((ids, i) => {
    const stem = `minitown_000000_${String(i).padStart(6, '0')}`;
    writeRgbPng(join(dir, 'leftImg8bit/val/minitown', `${stem}_leftImg8bit.png`), W, H, i);
    const label = join(dir, 'gtFine/val/minitown', `${stem}_gtFine_labelIds.png`);
    writeGreyPng(label, W, H, ids);
    return label;
  });
}

function loader(o: Partial<LoaderOptions>): DataLoader {
  const l = createLoader({ dataset: ds, batchSize: 3, mode: 'eval', evalSize: null, shuffle: false, workers: 0, ...o });
  open.push(l);
  return l;
}

async function rejection(p: Promise<unknown>): Promise<PlcaError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(PlcaError);
  return e as PlcaError;
}

function expectNamesFile(e: PlcaError): void {
  expect(e.code).toBe('PLCA_LABEL_INVALID');
  expect(e.message).toBe(`label ${badLabel} has 7 pixels with ids outside the cityscapes mapping (200, 201)`);
  expect(e.hint).toMatch(/plca data check/);
  expect(e.hint).toMatch(/data\.unknownLabels to 'warn' or 'ignore'/);
}

beforeAll(async () => {
  await initEngine({ backend: 'cpu' });
  root = tempRoot('unknown');
  badLabel = writeTree(root, [ALL_KNOWN, BAD, ALL_KNOWN])[1];
  ds = cityscapesDataset({ root, split: 'val' });
});
afterAll(async () => {
  await Promise.all(open.map((l) => l.close()));
  cleanupTrees();
});

describe('unknown label ids: error (the default)', () => {
  it('prepareSample names the file, the ids and the pixel count (loadSample too, when asked)', () => {
    for (const run of [() => prepareSample(ds, { item: 1, seed: 0 }, { mode: 'eval' }), () => loadSample(ds, 1, { unknownLabels: 'error' })]) {
      let err: unknown;
      try {
        run();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(PlcaError);
      expectNamesFile(err as PlcaError);
    }
  });

  it('shows the first few of many ids', () => {
    const dir = tempRoot('unknown-many');
    const [label] = writeTree(dir, [Array.from({ length: W * H }, (_, i) => 100 + (i % 12))]);
    expect(() => prepareSample(cityscapesDataset({ root: dir, split: 'val' }), { item: 0, seed: 0 }, { mode: 'train' }))
      .toThrow(`label ${label} has 32 pixels with ids outside the cityscapes mapping (100, 101, 102, 103, 104, 105, 106, 107, …)`);
  });

  it('the in-process loader fails', async () => {
    expectNamesFile(await rejection(loader({}).next()));
  });

  it('the worker-thread loader fails with the file name and the hint intact', async () => {
    expectNamesFile(await rejection(loader({ workers: 1 }).nextSamples()));
    expectNamesFile(await rejection(loader({ workers: 1, mode: 'train', augment: { minSize: 4, maxSize: 4, cropSize: [4, 8] } }).next()));
  });
});

describe('unknown label ids: warn', () => {
  it('reads them as ignore and warns once per file, in-process and through workers', async () => {
    for (const workers of [0, 2]) {
      // A fresh copy of the tree per pass: the warning is once per file path per process.
      const dir = tempRoot(`unknown-warn${workers}`);
      const [, label] = writeTree(dir, [ALL_KNOWN, BAD, ALL_KNOWN]);
      const d = cityscapesDataset({ root: dir, split: 'val' });
      const warned: [UnknownLabelReport, string][] = [];
      const l = loader({ dataset: d, workers, unknownLabels: 'warn', onUnknownLabels: (r, m) => warned.push([r, m]) });
      for (let epoch = 0; epoch < 3; epoch++) {
        const s = await l.nextSamples();
        expect(s.map((x) => x.item)).toEqual([0, 1, 2]);
        expect(Array.from(s[1].label!)).toEqual(BAD.map((v) => (v === 7 ? 0 : 255)));
      }
      const report = { labelPath: label, mapping: 'cityscapes', pixels: 7, values: [200, 201] };
      expect(warned).toEqual([[report, `label ${label} has 7 pixels with ids outside the cityscapes mapping (200, 201); read as ignore (255) because data.unknownLabels is 'warn'`]]);
      expect(l.unknownLabelReports).toEqual([report]);
      // Another loader in the same process (e.g. validation over the same files) collects the file but does not warn again.
      const again = loader({ dataset: d, workers, unknownLabels: 'warn', onUnknownLabels: (r, m) => warned.push([r, m]) });
      const b = await again.next();
      expect(b.labels!.shape).toEqual([3, H, W]);
      b.images.dispose();
      b.labels!.dispose();
      expect(warned).toHaveLength(1);
      expect(again.unknownLabelReports).toEqual([report]);
    }
  });

  it('writes one plca: warning line to stderr by default', async () => {
    const dir = tempRoot('unknown-stderr');
    const [, label] = writeTree(dir, [ALL_KNOWN, BAD]);
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const l = loader({ dataset: cityscapesDataset({ root: dir, split: 'val' }), batchSize: 2, unknownLabels: 'warn' });
      await l.nextSamples();
      await l.nextSamples();
      const lines = write.mock.calls.map((c) => String(c[0])).filter((t) => t.includes(label));
      expect(lines).toEqual([`plca: warning: label ${label} has 7 pixels with ids outside the cityscapes mapping (200, 201); read as ignore (255) because data.unknownLabels is 'warn'\n`]);
    } finally {
      write.mockRestore();
    }
  });
});

describe('unknown label ids: ignore', () => {
  it('reads them as ignore without a word', async () => {
    const onUnknownLabels = vi.fn();
    const write = vi.spyOn(process.stderr, 'write');
    try {
      for (const workers of [0, 1]) {
        const l = loader({ workers, unknownLabels: 'ignore', onUnknownLabels });
        const s = await l.nextSamples();
        expect(Array.from(s[1].label!)).toEqual(BAD.map((v) => (v === 7 ? 0 : 255)));
        expect(s[1].unknownLabels).toBeUndefined();
        expect(l.unknownLabelReports).toEqual([]);
      }
      // loadSample alone only decodes: it reads them as ignore unless asked otherwise.
      expect(loadSample(ds, 1, { unknownLabels: 'ignore' }).label).toHaveLength(W * H);
      expect(loadSample(ds, 1).unknownLabels).toBeUndefined();
      expect(onUnknownLabels).not.toHaveBeenCalled();
      expect(write.mock.calls.filter((c) => String(c[0]).includes(badLabel))).toEqual([]);
    } finally {
      write.mockRestore();
    }
  });
});

describe('ids the mapping lists but sends to ignore', () => {
  it('stay silent in every mode (Cityscapes void 0–6 and 255, GTAV license plate 34)', async () => {
    const csDir = tempRoot('unknown-void');
    writeTree(csDir, [ALL_KNOWN, ALL_KNOWN.map((v) => (v < 7 ? v : 255))]);
    const gtDir = tempRoot('unknown-gtav');
    writeRgbPng(join(gtDir, 'images/0.png'), W, H);
    writeGtavLabel(join(gtDir, 'labels/0.png'), W, H, Array.from({ length: W * H }, (_, i) => [34, 26, 0][i % 3]));
    const onUnknownLabels = vi.fn();
    for (const dataset of [cityscapesDataset({ root: csDir, split: 'val' }), gtavDataset({ root: gtDir })]) {
      for (const unknownLabels of ['error', 'warn', 'ignore'] as const) {
        for (const workers of [0, 1]) {
          const l = loader({ dataset, batchSize: 1, workers, unknownLabels, onUnknownLabels });
          for (let i = 0; i < dataset.items.length; i++) expect((await l.nextSamples())[0].unknownLabels).toBeUndefined();
          expect(l.unknownLabelReports).toEqual([]);
        }
        for (let i = 0; i < dataset.items.length; i++) expect(loadSample(dataset, i, { unknownLabels }).unknownLabels).toBeUndefined();
      }
    }
    expect(onUnknownLabels).not.toHaveBeenCalled();
  });
});

describe('data.unknownLabels in the config', () => {
  it("defaults to 'error', takes 'warn' and 'ignore', and names a bad value", () => {
    expect(resolveConfig({}).data.unknownLabels).toBe('error');
    expect(resolveConfig({ data: { unknownLabels: 'warn' } }).data.unknownLabels).toBe('warn');
    expect(resolveConfig({}, ['data.unknownLabels=ignore']).data.unknownLabels).toBe('ignore');
    expect(() => resolveConfig({ data: { unknownLabels: 'skip' } })).toThrow(/data\.unknownLabels/);
  });
});
