/** GTAV (Richter et al.) as downloaded: `images/*.png` with palette label PNGs `labels/*.png` (Cityscapes ids). */
import { GTAV_LABELS } from '../label_maps.js';
import type { DatasetDescriptor } from './common.js';
import { flatPairsDataset, type FlatPairsOptions } from './flat_pairs.js';

export type GtavOptions = FlatPairsOptions;

/** GTAV pairs by file name (scanned) or from a list file; labels are palette indices = Cityscapes ids. */
export function gtavDataset(opts: GtavOptions): DatasetDescriptor {
  return flatPairsDataset({ name: 'gtav', imageDir: 'images', labelDir: 'labels', labels: GTAV_LABELS }, opts);
}
