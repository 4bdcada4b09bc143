/**
 * Any folder of images: unlabelled target images (scanned recursively), or image/label pairs
 * (`images/` + `labels/`, paired by relative path, labels PNG) with a user-given id mapping.
 */
import { join, relative } from 'node:path';
import { PlcaError } from '../../util/errors.js';
import { isFile } from '../image_io.js';
import { parseIdMapping, TRAIN_ID_LABELS, type LabelMapping } from '../label_maps.js';
import {
  hasImageExt, isDirectory, readJsonFile, readSplitList, requireDir, requireItems, requireListFile, scanFiles, scansWholeDataset,
  stripExt, type DatasetDescriptor,
} from './common.js';

export interface FolderOptions {
  root: string;
  /** Image folder under the root. @default 'images' when it exists, else the root itself */
  images?: string;
  /** Label folder under the root; none = unlabelled. @default 'labels' when it exists */
  labels?: string | false;
  /**
   * Raw label id → train id: a mapping, or a JSON file (see parseIdMapping).
   * @default root/id_map.json when it exists, else the labels are taken as train ids
   */
  idMap?: LabelMapping | string;
  /** A list file ("image [label]" per line, relative to the root) instead of scanning; 'all' scans. */
  split?: string;
}

function resolveIdMap(root: string, idMap: FolderOptions['idMap']): LabelMapping {
  if (typeof idMap === 'object') return idMap;
  const file = idMap ?? (isFile(join(root, 'id_map.json')) ? join(root, 'id_map.json') : undefined);
  return file ? parseIdMapping(readJsonFile(file), file) : TRAIN_ID_LABELS;
}

/** A folder of images, unlabelled or paired with labels/ through an id mapping. */
export function folderDataset(opts: FolderOptions): DatasetDescriptor {
  const { root } = opts;
  requireDir(root, 'root');
  const imagesRel = opts.images ?? (isDirectory(join(root, 'images')) ? 'images' : '.');
  const labelsRel = opts.labels === false ? undefined : (opts.labels ?? (isDirectory(join(root, 'labels')) ? 'labels' : undefined));
  if (labelsRel && imagesRel === '.') {
    throw new PlcaError('PLCA_DATASET_INVALID', `${root}: labels folder "${labelsRel}" given but no images folder`, {
      hint: 'put images in images/ and labels in labels/, or pass images: DIR',
    });
  }
  const labels = labelsRel ? resolveIdMap(root, opts.idMap) : undefined;
  const imgDir = join(root, imagesRel);
  const idOf = (imageRel: string): string => stripExt(relative(imagesRel, imageRel));
  const labelFor = labelsRel ? (imageRel: string): string => join(labelsRel, `${idOf(imageRel)}.png`) : undefined;
  if (opts.split && !scansWholeDataset(opts.split, root)) {
    return { name: 'folder', root, labels, items: readSplitList(requireListFile(opts.split, root), root, idOf, labelFor) };
  }
  requireDir(imgDir, 'image');
  const labelDir = labelsRel ? join(root, labelsRel) : undefined;
  // Without a separate images/ folder, the root is scanned; skip files inside the labels folder.
  const rels = scanFiles(imgDir, hasImageExt, true).map((r) => join(imagesRel, r));
  const items = requireItems(rels.map((r) => ({
    id: idOf(r), imagePath: join(root, r), labelPath: labelFor ? join(root, labelFor(r)) : undefined,
  })), imgDir);
  const ds: DatasetDescriptor = { name: 'folder', root, items, labels };
  if (labelDir) {
    requireDir(labelDir, 'label');
    const expected = new Set(items.map((it) => it.labelPath));
    ds.unpairedLabels = scanFiles(labelDir, hasImageExt, true).map((r) => join(labelDir, r)).filter((p) => !expected.has(p));
  }
  return ds;
}
