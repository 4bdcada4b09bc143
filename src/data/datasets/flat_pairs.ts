/**
 * Datasets laid out as two flat folders paired by file name (GTAV `images/` + `labels/`,
 * SYNTHIA-RAND-CITYSCAPES `RGB/` + `GT/LABELS/`), or given by a split list.
 */
import { join, basename, relative } from 'node:path';
import type { LabelMapping } from '../label_maps.js';
import {
  hasImageExt, requireListFile, scansWholeDataset, readSplitList, requireDir, requireItems, scanFiles, stripExt, type DatasetDescriptor,
} from './common.js';

export interface FlatPairsLayout {
  name: DatasetDescriptor['name'];
  imageDir: string;
  labelDir: string;
  labels: LabelMapping;
}

export interface FlatPairsOptions {
  root: string;
  /**
   * A list file (reference format; a bare NAME also finds NAME.lst / NAME.txt under the root).
   * Absent, or 'all' / 'trainval' without such a file: the image folder is scanned (GTAV and
   * SYNTHIA have no official splits; the reference trains on all pairs).
   */
  split?: string;
}


/** Pairs `imageDir/x.png` with `labelDir/x.png` (a label is always PNG). */
export function flatPairsDataset(layout: FlatPairsLayout, opts: FlatPairsOptions): DatasetDescriptor {
  const { root, split } = opts;
  requireDir(root, 'root');
  const labelFor = (imageRel: string): string => join(layout.labelDir, `${stripExt(basename(imageRel))}.png`);
  const idOf = (imageRel: string): string => stripExt(basename(imageRel));
  const base = { name: layout.name, root, labels: layout.labels };
  if (split && !scansWholeDataset(split, root)) {
    return { ...base, items: readSplitList(requireListFile(split, root), root, idOf, labelFor) };
  }
  const imgDir = join(root, layout.imageDir);
  const hint = `expected ${layout.imageDir}/*.png with ${layout.labelDir}/*.png under the root`;
  requireDir(imgDir, `${layout.name} image`, hint);
  const rels = scanFiles(imgDir, hasImageExt, false).map((r) => join(layout.imageDir, r));
  const items = rels.map((r) => ({ id: idOf(r), imagePath: join(root, r), labelPath: join(root, labelFor(r)) }));
  const labelDir = join(root, layout.labelDir);
  requireDir(labelDir, `${layout.name} label`, hint);
  const expected = new Set(items.map((it) => relative(labelDir, it.labelPath)));
  const unpairedLabels = scanFiles(labelDir, hasImageExt, false).filter((r) => !expected.has(r)).map((r) => join(labelDir, r));
  return { ...base, items: requireItems(items, imgDir), unpairedLabels };
}
