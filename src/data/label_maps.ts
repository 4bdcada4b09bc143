/**
 * Label maps: every dataset's raw ids → the 19 Cityscapes train ids (255 = ignore). Internally
 * plca works in train-id order; PLCA's own class order (reference `data/label_map.py:
 * LABEL_TASK`) is kept only to import the reference's released weights.
 */
import { PlcaError } from '../util/errors.js';

/** The ignore label of all losses and metrics. */
export const IGNORE_ID = 255;

/** The 19 classes in Cityscapes train-id order, spelled as Cityscapes spells them. */
export const CLASS_NAMES = [
  'road', 'sidewalk', 'building', 'wall', 'fence', 'pole', 'traffic light', 'traffic sign',
  'vegetation', 'terrain', 'sky', 'person', 'rider', 'car', 'truck', 'bus', 'train',
  'motorcycle', 'bicycle',
] as const;
export type ClassName = (typeof CLASS_NAMES)[number];
export const NUM_CLASSES = CLASS_NAMES.length;

/** The Cityscapes colours of the train ids (cityscapesScripts `labels.py`), RGB triples. */
export const CITYSCAPES_PALETTE: readonly (readonly [number, number, number])[] = [
  [128, 64, 128], [244, 35, 232], [70, 70, 70], [102, 102, 156], [190, 153, 153], [153, 153, 153],
  [250, 170, 30], [220, 220, 0], [107, 142, 35], [152, 251, 152], [70, 130, 180], [220, 20, 60],
  [255, 0, 0], [0, 0, 142], [0, 0, 70], [0, 60, 100], [0, 80, 100], [0, 0, 230], [119, 11, 32],
];

/**
 * A flat 256-entry RGB palette for palettised train-id PNGs: train ids 0–18 get their colour,
 * everything else (255 = ignore) is black, as the Cityscapes tools draw "unlabeled".
 */
export function cityscapesPalette256(): Uint8Array {
  const p = new Uint8Array(256 * 3);
  CITYSCAPES_PALETTE.forEach((c, i) => p.set(c, 3 * i));
  return p;
}

/** Raw id → train id; raw ids absent from the table are unexpected (mapped to 255 and reported). */
export interface LabelMapping {
  name: string;
  table: Readonly<Record<number, number>>;
}

function tableFrom(known: number[], toTrain: Record<number, number>): Record<number, number> {
  const t: Record<number, number> = {};
  for (const id of known) t[id] = toTrain[id] ?? IGNORE_ID;
  return t;
}
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Cityscapes label id → train id for the 19 evaluated classes (cityscapesScripts `labels.py`). */
const CITYSCAPES_TRAIN: Record<number, number> = {
  7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9, 23: 10, 24: 11, 25: 12,
  26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18,
};

/**
 * Cityscapes `*_gtFine_labelIds.png`: ids 0–33. "license plate" is −1 in the reference's table,
 * which never matches a uint8 label; such pixels arrive as 255 and stay ignored.
 */
export const CITYSCAPES_LABELS: LabelMapping = {
  name: 'cityscapes',
  table: tableFrom([...range(34), 255], CITYSCAPES_TRAIN),
};

/** GTAV palette labels: Cityscapes ids 0–33 plus "license plate" 34 (→ ignore). */
export const GTAV_LABELS: LabelMapping = { name: 'gtav', table: tableFrom(range(35), CITYSCAPES_TRAIN) };

/**
 * SYNTHIA-RAND-CITYSCAPES ids 0–22 → train ids. void 0, parking-slot 13, road-work 14 and
 * lanemarking 22 are ignored, and so are terrain 16, truck 18 and train 20, which the 16-class
 * task leaves out (reference §4.7).
 */
export const SYNTHIA_LABELS: LabelMapping = {
  name: 'synthia',
  table: tableFrom(range(23), {
    1: 10, 2: 2, 3: 0, 4: 1, 5: 4, 6: 8, 7: 5, 8: 13, 9: 7, 10: 11, 11: 18, 12: 17, 15: 6, 17: 12,
    19: 15, 21: 3,
  }),
};

/** Labels already in train ids (0–18, 255). */
export const TRAIN_ID_LABELS: LabelMapping = {
  name: 'train-ids',
  table: tableFrom([...range(NUM_CLASSES), 255], Object.fromEntries(range(NUM_CLASSES).map((i) => [i, i]))),
};

/** Train ids of the SYNTHIA 16-class protocol, in train-id order. */
export const SYNTHIA16_TRAIN_IDS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 15, 17, 18];
/** Train ids of the 13-class subset (16 without wall, fence, pole), in train-id order. */
export const SYNTHIA13_TRAIN_IDS: readonly number[] = SYNTHIA16_TRAIN_IDS.filter((i) => i < 3 || i > 5);

/**
 * PLCA's class order (reference `LABEL_TASK`): the output channel order of its released
 * weights. The first 16 are the SYNTHIA task, all 19 the GTAV task. "person" is "pedestrian" there.
 */
export const PLCA_CLASS_ORDER: readonly ClassName[] = [
  'sky', 'building', 'road', 'sidewalk', 'fence', 'vegetation', 'pole', 'car', 'traffic sign',
  'person', 'bicycle', 'motorcycle', 'traffic light', 'rider', 'bus', 'wall', 'terrain', 'truck', 'train',
];

/** `PLCA_TO_TRAIN_ID[k]` is the train id of PLCA output channel k. */
export const PLCA_TO_TRAIN_ID: readonly number[] = PLCA_CLASS_ORDER.map((n) => CLASS_NAMES.indexOf(n));

/**
 * For importing released weights: `perm[k]` = the channel in plca's order that PLCA channel k
 * goes to. With 19 classes plca's order is train ids; with 16 it is the index into
 * SYNTHIA16_TRAIN_IDS (the train-id-ordered 16-class head).
 */
export function plcaToInternalOrder(numClasses: 16 | 19): number[] {
  const trainIds = PLCA_TO_TRAIN_ID.slice(0, numClasses);
  return numClasses === 19 ? [...trainIds] : trainIds.map((t) => SYNTHIA16_TRAIN_IDS.indexOf(t));
}

/**
 * A lookup table over all 16-bit values: `lut[raw]` = train id, or −1 for an unexpected id.
 * 16-bit so SYNTHIA's 16-bit labels index it directly without wrapping.
 */
export function buildLut(m: LabelMapping): Int16Array {
  const lut = new Int16Array(65536).fill(-1);
  for (const [raw, train] of Object.entries(m.table)) lut[Number(raw)] = train;
  return lut;
}

/** Result of mapping raw ids: train ids, plus how many pixels had ids outside the table and which. */
export interface MappedLabels {
  labels: Uint8Array;
  unexpectedPixels: number;
  /** Up to 16 distinct unexpected raw values, ascending. */
  unexpectedValues: number[];
}

/** Maps raw label ids to train ids through `lut`; unexpected ids become 255 and are counted. */
export function mapLabels(raw: Uint8Array | Uint16Array, lut: Int16Array): MappedLabels {
  const labels = new Uint8Array(raw.length);
  let unexpectedPixels = 0;
  const seen = new Set<number>();
  for (let i = 0; i < raw.length; i++) {
    const t = lut[raw[i]];
    if (t < 0) {
      unexpectedPixels++;
      if (seen.size < 16) seen.add(raw[i]);
      labels[i] = IGNORE_ID;
    } else {
      labels[i] = t;
    }
  }
  return { labels, unexpectedPixels, unexpectedValues: [...seen].sort((a, b) => a - b) };
}

/**
 * Parses a user's id mapping (JSON object, raw id → train id | class name | "ignore"), e.g.
 * `{"0": "ignore", "1": "road", "2": 13}`. Raw ids it does not list are unexpected.
 * @param source the file name, for error messages
 */
export function parseIdMapping(json: unknown, source: string): LabelMapping {
  const bad = (msg: string): PlcaError => new PlcaError('PLCA_CONFIG_INVALID', `${source}: ${msg}`, {
    hint: 'expected a JSON object like {"0": "ignore", "7": "road", "26": 13} (raw id → train id 0–18, class name, 255 or "ignore")',
  });
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad('id mapping must be a JSON object');
  const table: Record<number, number> = {};
  for (const [k, v] of Object.entries(json as Record<string, unknown>)) {
    const raw = Number(k);
    if (!Number.isInteger(raw) || raw < 0 || raw > 65535) throw bad(`key "${k}" is not a raw label id 0–65535`);
    if (typeof v === 'number' && Number.isInteger(v) && ((v >= 0 && v < NUM_CLASSES) || v === IGNORE_ID)) {
      table[raw] = v;
    } else if (v === 'ignore') {
      table[raw] = IGNORE_ID;
    } else if (typeof v === 'string' && (CLASS_NAMES as readonly string[]).includes(v)) {
      table[raw] = CLASS_NAMES.indexOf(v as ClassName);
    } else {
      throw bad(`value ${JSON.stringify(v)} for id ${k} is not a train id, class name or "ignore"`);
    }
  }
  return { name: source, table };
}
