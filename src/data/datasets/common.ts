/**
 * What all datasets share: the sample list (plain JSON, so loader workers can receive it), split
 * lists in the reference's format, directory scans, and decoding one sample to RGB + train ids.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve, isAbsolute, relative, extname } from 'node:path';
import { PlcaError } from '../../util/errors.js';
import { readImage, readLabel, readFileChecked, isFile, type RgbImage } from '../image_io.js';
import { buildLut, mapLabels, type LabelMapping } from '../label_maps.js';
import { resizeLabelNearest } from '../transforms.js';

/** One image (and label) of a dataset, by path. */
export interface SampleRef {
  /** A name unique in the dataset: the image path under its image folder, without extension. */
  id: string;
  imagePath: string;
  labelPath?: string;
}

/** A dataset as data: the sample list and how its labels map to train ids. JSON-serialisable. */
export interface DatasetDescriptor {
  name: 'cityscapes' | 'gtav' | 'synthia' | 'folder';
  root: string;
  items: SampleRef[];
  /** Raw label ids → train ids; absent for an unlabelled dataset. */
  labels?: LabelMapping;
  /** Label files that no image pairs with (directory scans only), for `checkDataset`. */
  unpairedLabels?: string[];
}

/** A decoded sample: RGB image and train ids (255 = ignore). */
export interface SegSample {
  id: string;
  imagePath: string;
  labelPath?: string;
  image: RgbImage;
  label?: Uint8Array;
  /** Set when the label had ids outside the mapping and the policy was 'warn' (read as 255). */
  unknownLabels?: UnknownLabelReport;
}

/**
 * What to do with raw label ids that the dataset's mapping does not list (ids the table maps to
 * ignore, e.g. Cityscapes void 0–6, are listed and never count): 'error' stops (they mean a
 * wrong dataset, layout or colour PNG), 'warn' reads them as ignore and reports the file,
 * 'ignore' reads them as ignore silently.
 */
export const UNKNOWN_LABEL_POLICIES = ['error', 'warn', 'ignore'] as const;
export type UnknownLabelPolicy = (typeof UNKNOWN_LABEL_POLICIES)[number];

/** One label file's ids outside its mapping, as reported under 'warn'. Plain JSON (crosses threads). */
export interface UnknownLabelReport {
  labelPath: string;
  /** The mapping's name (cityscapes, gtav, …, or the id-mapping file). */
  mapping: string;
  pixels: number;
  /** Up to 16 distinct offending ids, ascending. */
  values: number[];
}

/** "200, 201, 202, …": the first few offending ids of a report, for one-line messages. */
export function formatUnknownIds(values: readonly number[], shown = 8): string {
  return values.slice(0, shown).join(', ') + (values.length > shown ? ', …' : '');
}

/** The one-line description of a file's unknown ids, shared by the error and the warning. */
export function describeUnknownLabels(r: UnknownLabelReport): string {
  return `label ${r.labelPath} has ${r.pixels} pixel${r.pixels === 1 ? '' : 's'} with ids outside the ${r.mapping} mapping (${formatUnknownIds(r.values)})`;
}

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

const ROOT_HINT = 'give the dataset\'s root: data.source.root, data.target.root or data.val.root in the config (--set data.source.root=DIR), or --root DIR for eval and data check';

/** Fails with PLCA_FILE_NOT_FOUND / PLCA_DATASET_INVALID unless `dir` is a directory. */
export function requireDir(dir: string, what: string, hint = what === 'root' ? ROOT_HINT : undefined): void {
  if (isDirectory(dir)) return;
  try {
    statSync(dir);
  } catch {
    throw new PlcaError(what === 'root' ? 'PLCA_FILE_NOT_FOUND' : 'PLCA_DATASET_INVALID', `${what} directory not found: ${dir}`, { hint });
  }
  throw new PlcaError('PLCA_DATASET_INVALID', `${what} is not a directory: ${dir}`, { hint });
}

/** Files under `dir` (recursively when `deep`) whose name passes `keep`, sorted, as paths relative to `dir`. */
export function scanFiles(dir: string, keep: (name: string) => boolean, deep: boolean): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory() && deep) walk(p);
      else if (!e.isDirectory() && keep(e.name)) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

export const hasImageExt = (name: string): boolean => IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
export const stripExt = (p: string): string => p.slice(0, p.length - extname(p).length);

/**
 * Resolves a split argument that names a list file: as given (absolute, or relative to the
 * working directory), else relative to the dataset root. Returns null when it is no file.
 */
export function findListFile(split: string, root: string): string | null {
  for (const p of listCandidates(split, root)) if (isFile(p)) return p;
  return null;
}

/** Where a split list may be: as given, then under the root; a bare name also as NAME.lst / NAME.txt. */
function listCandidates(split: string, root: string): string[] {
  const names = extname(split) === '' ? [split, `${split}.lst`, `${split}.txt`] : [split];
  return names.flatMap((n) => (isAbsolute(n) ? [n] : [resolve(n), join(root, n)]));
}

/** Split names that mean "every pair in the folders" unless a list file of that name exists. */
export const WHOLE_DATASET_SPLITS = ['all', 'trainval'];

/** True when `split` asks for a folder scan: a whole-dataset name with no list file of that name. */
export function scansWholeDataset(split: string, root: string): boolean {
  return WHOLE_DATASET_SPLITS.includes(split) && findListFile(split, root) === null;
}

/** As findListFile, but fails with PLCA_FILE_NOT_FOUND naming both places it looked. */
export function requireListFile(split: string, root: string): string {
  const f = findListFile(split, root);
  if (f) return f;
  throw new PlcaError('PLCA_FILE_NOT_FOUND', `split list not found: tried ${listCandidates(split, root).join(', ')}`);
}

/**
 * Reads a split list as the reference's: one sample per line, paths relative to the root,
 * either "image label" (whitespace or tab separated) or just "image", in which case
 * `labelFor(image)` derives the label path. Blank lines and lines starting with # are skipped.
 */
export function readSplitList(
  file: string, root: string, idOf: (imageRel: string) => string, labelFor?: (imageRel: string) => string,
): SampleRef[] {
  const text = readFileChecked(file).toString('utf8');
  const items: SampleRef[] = [];
  text.split(/\r?\n/).forEach((line, n) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const f = t.split(/\s+/);
    if (f.length > 2) {
      throw new PlcaError('PLCA_DATASET_INVALID', `${file}:${n + 1}: expected "image [label]", got ${f.length} fields`);
    }
    const label = f[1] ?? labelFor?.(f[0]);
    items.push({ id: idOf(f[0]), imagePath: join(root, f[0]), labelPath: label === undefined ? undefined : join(root, label) });
  });
  if (items.length === 0) throw new PlcaError('PLCA_DATASET_INVALID', `split list ${file} names no samples`);
  return items;
}

/** Fails unless a dataset has samples; names where it looked. */
export function requireItems(items: SampleRef[], where: string): SampleRef[] {
  if (items.length === 0) throw new PlcaError('PLCA_DATASET_INVALID', `no images found in ${where}`);
  return items;
}

/** Reads a JSON file (for id mappings); errors name it. */
export function readJsonFile(path: string): unknown {
  const text = readFileChecked(path).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new PlcaError('PLCA_CONFIG_INVALID', `${path} is not valid JSON (${(e as Error).message})`);
  }
}

const lutCache = new WeakMap<LabelMapping, Int16Array>();
/** The LUT of a mapping, built once per mapping object (per worker). */
export function lutOf(m: LabelMapping): Int16Array {
  let lut = lutCache.get(m);
  if (!lut) {
    lut = buildLut(m);
    lutCache.set(m, lut);
  }
  return lut;
}

/** How `loadSample` treats a label whose size differs from its image. */
export interface LoadOptions {
  /**
   * 'error' (default) throws PLCA_SIZE_MISMATCH; 'resize' resizes the label to the image size by
   * nearest neighbour (a few GTAV pairs differ in size; `plca data check` lists them).
   */
  sizeMismatch?: 'error' | 'resize';
  /**
   * Raw ids outside the dataset's mapping: 'error' throws PLCA_LABEL_INVALID naming the file;
   * 'warn' maps them to 255 and sets `unknownLabels` on the sample; 'ignore' maps them to 255.
   * @default 'ignore' here, where a sample is only decoded (tools, tests); the training and eval
   *   path (prepareSample, DataLoader) defaults to 'error'.
   */
  unknownLabels?: UnknownLabelPolicy;
}

/**
 * Decodes sample `i`: RGB image and, when the dataset has labels, train ids. Raw ids outside
 * the mapping are handled by `opts.unknownLabels` (default: read as 255); `checkDataset` lists
 * them for a whole dataset. Errors name the file.
 */
export function loadSample(ds: DatasetDescriptor, i: number, opts: LoadOptions = {}): SegSample {
  const ref = ds.items[i];
  if (!ref) throw new PlcaError('PLCA_INVALID_ARGUMENT', `sample ${i} out of range 0..${ds.items.length - 1} in ${ds.root}`);
  const image = readImage(ref.imagePath);
  if (!ref.labelPath || !ds.labels) return { ...ref, image };
  const raw = readLabel(ref.labelPath);
  const mapped = mapLabels(raw.data, lutOf(ds.labels));
  let label = mapped.labels;
  if (raw.width !== image.width || raw.height !== image.height) {
    if (opts.sizeMismatch !== 'resize') {
      throw new PlcaError(
        'PLCA_SIZE_MISMATCH',
        `label ${ref.labelPath} is ${raw.width}x${raw.height} but image ${ref.imagePath} is ${image.width}x${image.height}`,
        { hint: 'fix or leave out the pair (plca data check lists every one), or --set data.sizeMismatch=resize to resize such labels to their image' },
      );
    }
    label = resizeLabelNearest(label, raw.width, raw.height, image.height, image.width);
  }
  const policy = opts.unknownLabels ?? 'ignore';
  if (mapped.unexpectedPixels === 0 || policy === 'ignore') return { ...ref, image, label };
  const report: UnknownLabelReport = {
    labelPath: ref.labelPath, mapping: ds.labels.name, pixels: mapped.unexpectedPixels, values: mapped.unexpectedValues,
  };
  if (policy === 'warn') return { ...ref, image, label, unknownLabels: report };
  // Silently training on them would hide a wrong dataset/layout (e.g. colour PNGs read as ids).
  throw new PlcaError('PLCA_LABEL_INVALID', describeUnknownLabels(report), {
    hint: "run plca data check on the dataset to list every such file, or set data.unknownLabels to 'warn' or 'ignore' to read them as ignore (255)",
  });
}
