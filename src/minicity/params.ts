/**
 * MiniCity's typed parameters: scene statistics (`SceneParams`, what is drawn where) and
 * rendering style (`StyleParams`, how it looks). Defaults are the prototype's SCENE_SRC /
 * SCENE_TGT and STYLE_SRC / style_tgt(1) (docs/design/minicity-prototype.md §1). Colours are RGB in
 * [0, 1]; lengths are fractions of the image height H or width W unless a field says px.
 * The zod schemas below validate user overrides (`--target-style FILE.json`).
 */
import { z } from 'zod';

/** A closed interval [lo, hi] from which a value is drawn uniformly. */
export type Range = [number, number];
export type Rgb = [number, number, number];

export interface SceneParams {
  /** Horizon row, fraction of H. */
  horizon: Range;
  /** Vanishing-point x, fraction of W. */
  vanishingX: Range;
  /** Road half-width at the bottom row (t = 1), fraction of W. */
  roadHalfWidth: Range;
  /** Width of each sidewalk at t = 1, fraction of W. */
  sidewalkWidth: Range;
  /** Probability that a road-side strip is vegetation (hedge) rather than building façade. */
  pVegetationStrip: number;
  /** Number of cars; an integer drawn uniformly from [lo, hi] (fractional ends after lerp). */
  cars: Range;
  /** Car width at t = 1, fraction of W. */
  carWidth: Range;
  persons: Range;
  /** Person height at t = 1, fraction of H. */
  personHeight: Range;
  poles: Range;
  /** Probability that a pole carries a traffic sign. */
  pSign: number;
  trees: Range;
  /** Skyline building height, fraction of H, before the edge term. */
  buildingHeight: Range;
  /** Extra building height (fraction of H) times the slot's distance to the image centre (0…1). */
  buildingEdgeGrowth: number;
  /** Skyline slot width in px. */
  buildingSlotPx: Range;
  /** Probability that a skyline slot is a gap. */
  pSkylineGap: number;
  /** Probability that a building has windows. */
  pWindows: number;
  /** Probability that the road has dashed lane markings. */
  pLaneMarks: number;
}

/** Base colours of natural hue; cars and persons vary around theirs per instance. */
export interface Palette {
  road: Rgb;
  laneMark: Rgb;
  sidewalk: Rgb;
  building: Rgb;
  pole: Rgb;
  trafficSign: Rgb;
  vegetation: Rgb;
  trunk: Rgb;
  skyTop: Rgb;
  skyHorizon: Rgb;
  /** The colour haze pulls the sky toward (overcast). */
  haze: Rgb;
  person: Rgb;
  skin: Rgb;
  car: Rgb;
}

/** Per-class multipliers of the texture amplitude `tex`. */
export interface TextureFactors {
  road: number;
  sidewalk: number;
  building: number;
  pole: number;
  trafficSign: number;
  vegetation: number;
  sky: number;
  person: number;
  car: number;
}

export interface StyleParams {
  /** Saturation multiplier (1 = unchanged). */
  sat: number;
  /** Per-instance RGB jitter σ. */
  instJitter: number;
  /** Car/person colour spread (uniform ± per channel). */
  objJitter: number;
  /** Multiplicative value-noise texture amplitude. */
  tex: number;
  texFactors: TextureFactors;
  /** Additive Gaussian noise σ, in [0, 1] units. */
  noise: number;
  /** Gaussian blur σ in px. */
  blur: number;
  gain: number;
  /** Per-image gain jitter, uniform ± this fraction. */
  gainJit: number;
  /** Contrast around the image mean (1 = unchanged). */
  contrast: number;
  gamma: number;
  /** Per-channel colour cast multipliers. */
  cast: Rgb;
  /** Per-image, per-channel cast jitter, uniform ± this fraction. */
  castJit: number;
  /** Darkening toward the corners (corner factor 1 − vignette). */
  vignette: number;
  /** Sky blend toward the haze colour (0 = clear). */
  skyHaze: number;
  /** JPEG-like block compression artefacts, strength in [0, 1] (0 = none; jpeg.ts). */
  jpeg: number;
  /** Brightness of windows and tyres relative to their object. */
  detailDark: number;
  palette: Palette;
}

export const SCENE_SRC: SceneParams = {
  horizon: [0.34, 0.5],
  vanishingX: [0.35, 0.65],
  roadHalfWidth: [0.3, 0.55],
  sidewalkWidth: [0.12, 0.3],
  pVegetationStrip: 0.35,
  cars: [1, 5],
  carWidth: [0.2, 0.3],
  persons: [2, 6],
  personHeight: [0.4, 0.6],
  poles: [1, 4],
  pSign: 0.8,
  trees: [0, 3],
  buildingHeight: [0.05, 0.3],
  buildingEdgeGrowth: 0.5,
  buildingSlotPx: [6, 26],
  pSkylineGap: 0.15,
  pWindows: 0.8,
  pLaneMarks: 0.8,
};

export const SCENE_TGT: SceneParams = {
  ...SCENE_SRC,
  horizon: [0.3, 0.46],
  vanishingX: [0.3, 0.7],
  roadHalfWidth: [0.35, 0.65],
  sidewalkWidth: [0.1, 0.25],
  pVegetationStrip: 0.55,
  cars: [2, 7],
  carWidth: [0.17, 0.27],
  persons: [1, 4],
  personHeight: [0.35, 0.55],
  poles: [1, 3],
  trees: [1, 4],
  buildingHeight: [0.08, 0.35],
  pWindows: 0.5,
  pLaneMarks: 0.4,
};

export const DEFAULT_PALETTE: Palette = {
  road: [0.4, 0.4, 0.42],
  laneMark: [0.92, 0.92, 0.9],
  sidewalk: [0.74, 0.67, 0.55],
  building: [0.56, 0.4, 0.3],
  pole: [0.32, 0.32, 0.34],
  trafficSign: [0.92, 0.78, 0.12],
  vegetation: [0.24, 0.55, 0.18],
  trunk: [0.38, 0.26, 0.16],
  skyTop: [0.3, 0.52, 0.9],
  skyHorizon: [0.6, 0.76, 0.95],
  haze: [0.88, 0.89, 0.9],
  person: [0.55, 0.3, 0.3],
  skin: [0.86, 0.66, 0.52],
  car: [0.45, 0.45, 0.5],
};

/** The "game" style: vivid, clean, flat shading. */
export const STYLE_SRC: StyleParams = {
  sat: 1.35,
  instJitter: 0.04,
  objJitter: 0.35,
  tex: 0,
  texFactors: {
    road: 0.6, sidewalk: 0.7, building: 0.8, pole: 0.3, trafficSign: 0.3,
    vegetation: 1.5, sky: 0.2, person: 0.5, car: 0.4,
  },
  noise: 0,
  blur: 0,
  gain: 1,
  gainJit: 0,
  contrast: 1,
  gamma: 1,
  cast: [1, 1, 1],
  castJit: 0,
  vignette: 0,
  skyHaze: 0,
  jpeg: 0,
  detailDark: 0.45,
  palette: DEFAULT_PALETTE,
};

/** The "camera" style at full strength (k = 1): textured, noisy, blurred, warm, hazy. */
export const STYLE_TGT_K1: StyleParams = {
  ...STYLE_SRC,
  sat: 0.55,
  instJitter: 0.12,
  objJitter: 0.2,
  tex: 0.18,
  noise: 0.04,
  blur: 0.9,
  gain: 0.9,
  gainJit: 0.15,
  contrast: 0.75,
  gamma: 1.15,
  cast: [1.12, 1.02, 0.82],
  castJit: 0.06,
  vignette: 0.35,
  skyHaze: 0.65,
  detailDark: 0.3,
};

// ---- zod schemas: strict, so a misspelt key in an override file is an error, not a no-op ----

const nonneg = z.number().finite().nonnegative();
const unit = z.number().finite().min(0).max(1);
const rgb = z.tuple([nonneg, nonneg, nonneg]);
const range = (v: z.ZodNumber) =>
  z.tuple([v, v]).refine(([lo, hi]) => lo <= hi, { message: 'range must be [lo, hi] with lo <= hi' });

export const sceneParamsSchema = z.strictObject({
  horizon: range(unit),
  vanishingX: range(unit),
  roadHalfWidth: range(nonneg),
  sidewalkWidth: range(nonneg),
  pVegetationStrip: unit,
  cars: range(nonneg),
  carWidth: range(nonneg),
  persons: range(nonneg),
  personHeight: range(nonneg),
  poles: range(nonneg),
  pSign: unit,
  trees: range(nonneg),
  buildingHeight: range(nonneg),
  buildingEdgeGrowth: nonneg,
  buildingSlotPx: range(z.number().finite().min(1)),
  pSkylineGap: unit,
  pWindows: unit,
  pLaneMarks: unit,
});

const paletteSchema = z.strictObject({
  road: rgb, laneMark: rgb, sidewalk: rgb, building: rgb, pole: rgb, trafficSign: rgb,
  vegetation: rgb, trunk: rgb, skyTop: rgb, skyHorizon: rgb, haze: rgb, person: rgb, skin: rgb, car: rgb,
});

const texFactorsSchema = z.strictObject({
  road: nonneg, sidewalk: nonneg, building: nonneg, pole: nonneg, trafficSign: nonneg,
  vegetation: nonneg, sky: nonneg, person: nonneg, car: nonneg,
});

const styleFields = {
  sat: nonneg,
  instJitter: nonneg,
  objJitter: nonneg,
  tex: nonneg,
  noise: nonneg,
  blur: z.number().finite().min(0).max(8),
  gain: nonneg,
  gainJit: unit,
  contrast: nonneg,
  gamma: z.number().finite().positive(),
  cast: rgb,
  castJit: unit,
  vignette: unit,
  skyHaze: unit,
  jpeg: unit,
  detailDark: unit,
};

export const styleParamsSchema = z.strictObject({
  ...styleFields,
  texFactors: texFactorsSchema,
  palette: paletteSchema,
});

/** Partial style: nested records are partial too, so `{"palette": {"sky": …}}` is enough. */
export const styleOverrideSchema = z.strictObject({
  ...styleFields,
  texFactors: texFactorsSchema.partial(),
  palette: paletteSchema.partial(),
}).partial();

/**
 * What a `--target-style FILE.json` holds: overrides of the resolved target style (after the
 * gap k is applied) and scene statistics, e.g.
 * `{"style": {"blur": 1.2, "palette": {"haze": [0.9, 0.9, 0.92]}}, "scene": {"cars": [3, 8]}}`.
 */
export const targetOverrideSchema = z.strictObject({
  style: styleOverrideSchema.optional(),
  scene: sceneParamsSchema.partial().optional(),
});

export type StyleOverride = z.infer<typeof styleOverrideSchema>;
export type SceneOverride = Partial<SceneParams>;
export type TargetOverride = z.infer<typeof targetOverrideSchema>;

// The hand-written interfaces above are the documented types; these lines make the compiler
// check that the schemas accept exactly them.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sceneSchemaMatches: Same<z.infer<typeof sceneParamsSchema>, SceneParams> = true;
const styleSchemaMatches: Same<z.infer<typeof styleParamsSchema>, StyleParams> = true;
void sceneSchemaMatches;
void styleSchemaMatches;
