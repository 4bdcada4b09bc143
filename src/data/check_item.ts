/**
 * The check of one dataset item for `plca data check` (check.ts): which files exist, what is
 * wrong with them, and the label's train-id counts. It runs in the calling thread or in a loader
 * worker (loader_worker.ts), so it depends on neither.
 */
import { PlcaError } from '../util/errors.js';
import { decodeRaw, rawLabelOf, readFileChecked, isFile } from './image_io.js';
import { IGNORE_ID, mapLabels } from './label_maps.js';
import { lutOf, type DatasetDescriptor, type SampleRef } from './datasets/common.js';

export interface CheckProblem {
  file: string;
  problem: string;
}

const why = (e: unknown): string => (e instanceof PlcaError ? `${e.code}: ${e.message}` : String(e));

/** Size of a decodable image, or null after recording the problem. */
function checkImage(ref: SampleRef, problems: CheckProblem[]): { width: number; height: number } | null {
  try {
    const raw = decodeRaw(readFileChecked(ref.imagePath), ref.imagePath);
    return { width: raw.width, height: raw.height };
  } catch (e) {
    problems.push({ file: ref.imagePath, problem: why(e) });
    return null;
  }
}

function checkLabel(
  ds: DatasetDescriptor, ref: SampleRef, size: { width: number; height: number } | null,
  counts: Float64Array, problems: CheckProblem[],
): void {
  const file = ref.labelPath!;
  let raw;
  try {
    const buf = readFileChecked(file);
    raw = rawLabelOf(decodeRaw(buf, file));
  } catch (e) {
    problems.push({ file, problem: why(e) });
    return;
  }
  if (raw.source === 'channel0' && ds.name !== 'synthia') {
    // Only SYNTHIA keeps ids in channel 0 of a colour PNG; elsewhere an RGB label is a colour
    // rendering, and reading its red channel as ids would train on nonsense.
    problems.push({ file, problem: 'colour (RGB) label: expected label ids as a grey or palette PNG' });
  }
  if (size && (raw.width !== size.width || raw.height !== size.height)) {
    problems.push({ file, problem: `size mismatch: label is ${raw.width}x${raw.height}, image ${ref.imagePath} is ${size.width}x${size.height}` });
  }
  const m = mapLabels(raw.data, lutOf(ds.labels!));
  if (m.unexpectedPixels > 0) {
    problems.push({
      file,
      problem: `unexpected label values: ${m.unexpectedPixels} pixels with ids outside the ${ds.labels!.name} mapping (${m.unexpectedValues.join(', ')})`,
    });
  }
  if (m.unexpectedPixels === 0 && m.labels.length > 0 && m.labels.every((t) => t === IGNORE_ID)) {
    // Nothing to learn from, and a sign of labels read the wrong way (SYNTHIA's 16-bit GT/LABELS
    // rescaled to 8 bits, GT/COLOR instead of GT/LABELS, a void-only or placeholder split).
    const ids = [...new Set(raw.data)].slice(0, 8).join(', ');
    problems.push({ file, problem: `every pixel is ignore (255) under the ${ds.labels!.name} mapping (raw ids ${ids}): the label holds no class` });
  }
  for (let i = 0; i < m.labels.length; i++) counts[m.labels[i]]++;
}

/** The check of one item: which files exist, their problems, and its label's train-id counts. */
export interface ItemCheck {
  imageFound: boolean;
  labelFound: boolean;
  problems: CheckProblem[];
  /** Pixels per train id (index 0–255) of the label, when it was readable. */
  counts?: Float64Array;
}

/** Checks item `i` of a dataset (runs in loader workers too). */
export function checkItem(ds: DatasetDescriptor, i: number): ItemCheck {
  const ref = ds.items[i];
  const problems: CheckProblem[] = [];
  let size: { width: number; height: number } | null = null;
  const imageFound = isFile(ref.imagePath);
  if (imageFound) size = checkImage(ref, problems);
  else problems.push({ file: ref.imagePath, problem: 'missing image' + (ref.labelPath ? ` for label ${ref.labelPath}` : '') });
  if (!ref.labelPath || !ds.labels) return { imageFound, labelFound: false, problems };
  if (!isFile(ref.labelPath)) {
    problems.push({ file: ref.labelPath, problem: `missing label for image ${ref.imagePath}` });
    return { imageFound, labelFound: false, problems };
  }
  const counts = new Float64Array(256);
  checkLabel(ds, ref, size, counts, problems);
  return { imageFound, labelFound: true, problems, counts };
}

