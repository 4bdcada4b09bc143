/**
 * MiniCity's nine classes, as Cityscapes train ids (what the label images hold) and as
 * Cityscapes label ids (what a `*_gtFine_labelIds.png` holds).
 */

/** Image size of every MiniCity scene (H × W), as the prototype. */
export const MINICITY_HEIGHT = 64;
export const MINICITY_WIDTH = 128;

/** Cityscapes train ids of the classes MiniCity draws. */
export const TRAIN_ID = {
  road: 0,
  sidewalk: 1,
  building: 2,
  pole: 5,
  trafficSign: 7,
  vegetation: 8,
  sky: 10,
  person: 11,
  car: 13,
} as const;

export type MiniCityClass = keyof typeof TRAIN_ID;

/** The classes in train-id order. */
export const MINICITY_CLASSES: readonly MiniCityClass[] = [
  'road', 'sidewalk', 'building', 'pole', 'trafficSign', 'vegetation', 'sky', 'person', 'car',
];

/** Train ids in class order: [0, 1, 2, 5, 7, 8, 10, 11, 13]. */
export const MINICITY_TRAIN_IDS: readonly number[] = MINICITY_CLASSES.map((c) => TRAIN_ID[c]);

/** Cityscapes label ids (gtFine `labelIds`) of the same classes. */
export const LABEL_ID: Record<MiniCityClass, number> = {
  road: 7,
  sidewalk: 8,
  building: 11,
  pole: 17,
  trafficSign: 20,
  vegetation: 21,
  sky: 23,
  person: 24,
  car: 26,
};

/** Train id → label id lookup over 0..255 (255 maps to 0 = "unlabeled", as Cityscapes). */
export const TRAIN_TO_LABEL_ID: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (const c of MINICITY_CLASSES) t[TRAIN_ID[c]] = LABEL_ID[c];
  return t;
})();

/** Cityscapes palette colours of MiniCity's classes (for label visualisation). */
export const CITYSCAPES_COLOR: Record<MiniCityClass, [number, number, number]> = {
  road: [128, 64, 128],
  sidewalk: [244, 35, 232],
  building: [70, 70, 70],
  pole: [153, 153, 153],
  trafficSign: [220, 220, 0],
  vegetation: [107, 142, 35],
  sky: [70, 130, 180],
  person: [220, 20, 60],
  car: [0, 0, 142],
};
