/**
 * Cityscapes as downloaded: `leftImg8bit/{split}/{city}/*_leftImg8bit.png` with
 * `gtFine/{split}/{city}/*_gtFine_labelIds.png` (label ids 0–33 → train ids).
 */
import { join, basename, dirname } from 'node:path';
import { PlcaError } from '../../util/errors.js';
import { CITYSCAPES_LABELS, TRAIN_ID_LABELS, type LabelMapping } from '../label_maps.js';
import {
  findListFile, isDirectory, readSplitList, requireDir, requireItems, scanFiles, type DatasetDescriptor,
} from './common.js';

const IMG_SUFFIX = '_leftImg8bit.png';
const LABEL_SUFFIX = '_gtFine_labelIds.png';

export interface CityscapesOptions {
  /** The dataset root (holding leftImg8bit/ and gtFine/). */
  root: string;
  /** A split name (a folder of leftImg8bit/: train, val, test) or a list file. @default 'train' */
  split?: string;
  /** Read labels (false for an unlabelled target stream). @default true */
  labels?: boolean;
}

/** `leftImg8bit/val/x/x_0_leftImg8bit.png` → `gtFine/val/x/x_0_gtFine_labelIds.png` (root-relative). */
export function cityscapesLabelFor(imageRel: string): string {
  const parts = imageRel.split(/[\\/]/);
  const i = parts.indexOf('leftImg8bit');
  if (i >= 0) parts[i] = 'gtFine';
  const name = parts[parts.length - 1];
  parts[parts.length - 1] = name.endsWith(IMG_SUFFIX) ? name.slice(0, -IMG_SUFFIX.length) + LABEL_SUFFIX : name;
  return parts.join('/');
}

/**
 * A list may name `*_labelTrainIds.png` (made by cityscapesScripts' createTrainIdLabelImgs) instead
 * of `*_labelIds.png`: those already hold train ids, and reading them as label ids would turn
 * road (0) into "unlabeled" without any unexpected value to warn about.
 */
function listLabelMapping(items: { labelPath?: string }[], list: string): LabelMapping {
  const trainIds = items.filter((it) => it.labelPath?.endsWith('_labelTrainIds.png')).length;
  if (trainIds === 0) return CITYSCAPES_LABELS;
  if (trainIds === items.length) return TRAIN_ID_LABELS;
  throw new PlcaError('PLCA_DATASET_INVALID', `${list} mixes *_labelTrainIds.png and other label files`, {
    hint: 'use *_gtFine_labelIds.png (mapped by plca) or *_labelTrainIds.png throughout',
  });
}

/** `.../aachen/aachen_000000_000019_leftImg8bit.png` → `aachen/aachen_000000_000019`. */
const idOf = (imageRel: string): string => `${basename(dirname(imageRel))}/${basename(imageRel, IMG_SUFFIX)}`;

/** Cityscapes by split folder (scanned, sorted) or list file; labels map ids 0–33 to train ids. */
export function cityscapesDataset(opts: CityscapesOptions): DatasetDescriptor {
  const { root } = opts;
  const split = opts.split ?? 'train';
  const withLabels = opts.labels ?? true;
  requireDir(root, 'root');
  const labels = withLabels ? CITYSCAPES_LABELS : undefined;
  const splitDir = join(root, 'leftImg8bit', split);
  const list = isDirectory(splitDir) ? null : findListFile(split, root);
  if (list) {
    const items = readSplitList(list, root, idOf, cityscapesLabelFor);
    if (!withLabels) return { name: 'cityscapes', root, items: items.map(({ labelPath: _l, ...r }) => r) };
    return { name: 'cityscapes', root, items, labels: listLabelMapping(items, list) };
  }
  requireDir(splitDir, `Cityscapes split "${split}"`, 'expected leftImg8bit/{split}/{city}/*_leftImg8bit.png, or --split naming a list file');
  const rels = scanFiles(splitDir, (n) => n.endsWith(IMG_SUFFIX), true).map((r) => join('leftImg8bit', split, r));
  const items = rels.map((r) => ({
    id: idOf(r),
    imagePath: join(root, r),
    labelPath: withLabels ? join(root, cityscapesLabelFor(r)) : undefined,
  }));
  const ds: DatasetDescriptor = { name: 'cityscapes', root, items: requireItems(items, splitDir), labels };
  if (withLabels) {
    const labelDir = join(root, 'gtFine', split);
    const expected = new Set(items.map((it) => it.labelPath));
    ds.unpairedLabels = isDirectory(labelDir)
      ? scanFiles(labelDir, (n) => n.endsWith(LABEL_SUFFIX), true).map((r) => join(labelDir, r)).filter((p) => !expected.has(p))
      : [];
  }
  return ds;
}
