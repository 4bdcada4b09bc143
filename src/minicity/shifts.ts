/**
 * A family of target shifts beyond the camera axis (issue 14 part 2): typed presets, each an
 * override of the camera style at the config's gap k (data.minicity.targetGap, default 0.6) and
 * of the target scene statistics, in the format of a `--target-style` file. configs/shifts/NAME.json
 * holds the same override as a file (a test keeps them equal), so a preset can be used by name
 * (`--target-style night`, `data.minicity.targetStyle=night`) or by path, and copied as a start
 * for a style of one's own. `camera` is the benchmark's default target (no override).
 */
import { PlcaError } from '../util/errors.js';
import type { SceneOverride, StyleOverride, TargetOverride } from './params.js';

/** Dark, cool, noisy: low gain, strong gamma, a blue cast, a dark sky, sensor noise. */
const NIGHT_STYLE: StyleOverride = {
  sat: 0.45,
  gain: 0.42,
  gamma: 1.45,
  contrast: 0.9,
  cast: [0.78, 0.88, 1.22],
  noise: 0.07,
  vignette: 0.55,
  skyHaze: 0,
  palette: { skyTop: [0.03, 0.04, 0.1], skyHorizon: [0.12, 0.12, 0.2] },
};

/** More cars and persons, fewer trees and hedges. */
const BUSY_SCENE: SceneOverride = {
  cars: [5, 10],
  persons: [5, 10],
  trees: [0, 1],
  pVegetationStrip: 0.15,
};

export const SHIFT_PRESETS = {
  /** The benchmark's default target: the camera style at gap k (0.6), target scene statistics. */
  camera: {},
  /** A darker, cooler, higher-contrast camera with other scene statistics (issue 14's collapse case). */
  camera_dark: {
    style: { gain: 0.62, gamma: 1.3, contrast: 1.3, cast: [0.86, 0.96, 1.14], sat: 0.7, vignette: 0.45 },
    scene: { cars: [3, 8], persons: [0, 3], trees: [2, 5], pVegetationStrip: 0.75, pWindows: 0.3 },
  },
  /** Night/dusk: dark, cool and noisy, with a dark sky. */
  night: { style: NIGHT_STYLE },
  /** Fog/haze: a milky veil (low contrast around the mean, low saturation), a fully hazed sky, softness. */
  fog: {
    style: {
      contrast: 0.4, sat: 0.35, gain: 1.08, blur: 1.6, skyHaze: 1, vignette: 0.1, castJit: 0.02,
      palette: { haze: [0.86, 0.87, 0.89] },
    },
  },
  /** Over-exposure: high gain and a lifting gamma, so bright classes clip to white. */
  overexposed: { style: { gain: 1.75, gamma: 0.65, contrast: 1.1, sat: 0.8, vignette: 0.1 } },
  /** A strong green-cyan colour cast (e.g. fluorescent light or a wrong white balance). */
  colour_cast: { style: { cast: [0.68, 1.2, 1.05], castJit: 0.1, sat: 0.9 } },
  /** A poor sensor and encoder: strong Gaussian noise and JPEG-like block artefacts. */
  sensor: { style: { noise: 0.09, jpeg: 0.85, blur: 0.4 } },
  /** Other scene statistics: busy streets (more cars and persons, fewer trees), the camera style. */
  busy_streets: { scene: BUSY_SCENE },
  /** A combination: night style, busy streets, and JPEG artefacts. */
  night_busy_sensor: { style: { ...NIGHT_STYLE, jpeg: 0.7 }, scene: BUSY_SCENE },
} satisfies Record<string, TargetOverride>;

export type ShiftName = keyof typeof SHIFT_PRESETS;

/** The preset names, in the benchmark's order. */
export const SHIFT_NAMES = Object.keys(SHIFT_PRESETS) as ShiftName[];

export function isShiftName(name: string): name is ShiftName {
  return Object.prototype.hasOwnProperty.call(SHIFT_PRESETS, name);
}

/**
 * Whether a `--target-style` value reads as a preset name rather than a path: a bare word
 * without a slash or a dot. Such a value that is no preset is an error (shiftPreset), so a
 * misspelt name is never taken for a missing file or the other way round.
 */
export function looksLikeShiftName(value: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(value);
}

/** The override of a preset; an unknown name is an error listing the names. */
export function shiftPreset(name: string): TargetOverride {
  if (!isShiftName(name)) {
    throw new PlcaError('PLCA_CONFIG_INVALID',
      `unknown target style "${name}": the shift presets are ${SHIFT_NAMES.join(', ')}`, {
        hint: 'or give a JSON file of overrides (a path with "/" or ending in .json, e.g. configs/shifts/night.json)',
      });
  }
  return structuredClone(SHIFT_PRESETS[name]) as TargetOverride;
}

/**
 * Resolves a target style value: a preset name → its override; a path → `readFile(path)`.
 * @throws PLCA_CONFIG_INVALID for a bare word that is no preset
 */
export function resolveTargetStyle(value: string, readFile?: (path: string) => TargetOverride): TargetOverride {
  if (looksLikeShiftName(value)) return shiftPreset(value);
  if (readFile === undefined) {
    throw new PlcaError('PLCA_CONFIG_INVALID', `target style "${value}" is a file, and files cannot be read here`, {
      hint: `use a preset name (${SHIFT_NAMES.join(', ')}), or run in Node`,
    });
  }
  return readFile(value);
}
