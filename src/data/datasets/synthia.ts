/**
 * SYNTHIA-RAND-CITYSCAPES as downloaded: `RGB/*.png` with `GT/LABELS/*.png`, 16-bit 3-channel
 * PNGs whose channel 0 holds the class id 0–22 (read at 16 bits; see image_io.readLabel).
 */
import { SYNTHIA_LABELS } from '../label_maps.js';
import type { DatasetDescriptor } from './common.js';
import { flatPairsDataset, type FlatPairsOptions } from './flat_pairs.js';

export type SynthiaOptions = FlatPairsOptions;

/** SYNTHIA-RAND-CITYSCAPES pairs by file name (scanned) or from a list file; 16-class task labels. */
export function synthiaDataset(opts: SynthiaOptions): DatasetDescriptor {
  return flatPairsDataset({ name: 'synthia', imageDir: 'RGB', labelDir: 'GT/LABELS', labels: SYNTHIA_LABELS }, opts);
}
