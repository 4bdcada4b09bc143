/** Opens any supported dataset by name (what `plca data check` and configs use). */
import { PlcaError } from '../../util/errors.js';
import { cityscapesDataset } from './cityscapes.js';
import { gtavDataset } from './gtav.js';
import { synthiaDataset } from './synthia.js';
import { folderDataset } from './folder.js';
import type { DatasetDescriptor } from './common.js';

export const DATASET_NAMES = ['cityscapes', 'gtav', 'synthia', 'folder'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];
/** Other spellings accepted by openDataset (the config schema says 'gta5'). */
export const DATASET_ALIASES = { gta5: 'gtav' } as const satisfies Record<string, DatasetName>;
const canonical = (name: string): string => (DATASET_ALIASES as Record<string, string>)[name] ?? name;

export interface OpenDatasetOptions {
  dataset: DatasetName | keyof typeof DATASET_ALIASES;
  root: string;
  /** Cityscapes: split name or list file (default train); others: a list file (default: scan). */
  split?: string;
  /** Read labels when the dataset has them. @default true */
  labels?: boolean;
  /** folder only: raw id → train id mapping JSON file. */
  idMap?: string;
}

export function openDataset(opts: OpenDatasetOptions): DatasetDescriptor {
  const { root, split } = opts;
  let ds: DatasetDescriptor;
  switch (canonical(opts.dataset)) {
    case 'cityscapes': return cityscapesDataset({ root, split, labels: opts.labels });
    case 'gtav': ds = gtavDataset({ root, split }); break;
    case 'synthia': ds = synthiaDataset({ root, split }); break;
    case 'folder': return folderDataset({ root, split, idMap: opts.idMap, labels: opts.labels === false ? false : undefined });
    default:
      throw new PlcaError('PLCA_INVALID_ARGUMENT', `unknown dataset "${String(opts.dataset)}"; expected one of ${DATASET_NAMES.join(', ')}`);
  }
  return opts.labels === false ? dropLabels(ds) : ds;
}

/** The same images without labels (a source dataset used as an unlabelled stream). */
export function dropLabels(ds: DatasetDescriptor): DatasetDescriptor {
  return { name: ds.name, root: ds.root, items: ds.items.map(({ id, imagePath }) => ({ id, imagePath })) };
}

export { cityscapesDataset, cityscapesLabelFor, type CityscapesOptions } from './cityscapes.js';
export { gtavDataset, type GtavOptions } from './gtav.js';
export { synthiaDataset, type SynthiaOptions } from './synthia.js';
export { folderDataset, type FolderOptions } from './folder.js';
export {
  loadSample, readSplitList, describeUnknownLabels, UNKNOWN_LABEL_POLICIES,
  type DatasetDescriptor, type SampleRef, type SegSample, type LoadOptions, type UnknownLabelPolicy, type UnknownLabelReport,
} from './common.js';
