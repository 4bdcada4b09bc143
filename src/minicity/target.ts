/**
 * The domain gap as one knob: the target parameters are lerp(source, target_k1, k), field by
 * field (colours and ranges element-wise), then a user override on top. k = 0 is the source
 * style; k = 0.6 is the benchmark default (prototype §5); k > 1 extrapolates.
 */
import { PlcaError } from '../util/errors.js';
import {
  SCENE_SRC, SCENE_TGT, STYLE_SRC, STYLE_TGT_K1, styleParamsSchema, sceneParamsSchema, targetOverrideSchema,
  type SceneParams, type StyleParams, type TargetOverride,
} from './params.js';

/** The benchmark's default gap (prototype §5: "mild"; stronger gaps were unstable there). */
export const DEFAULT_GAP_K = 0.6;

type Tree = number | Tree[] | { [key: string]: Tree };

/** Linear interpolation a + k·(b − a) over two structurally equal parameter records. */
export function lerpParams<T>(a: T, b: T, k: number): T {
  return lerpTree(a as Tree, b as Tree, k, '') as T;
}

function lerpTree(a: Tree, b: Tree, k: number, path: string): Tree {
  if (typeof a === 'number' && typeof b === 'number') return a + k * (b - a);
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.map((v, i) => lerpTree(v, b[i], k, `${path}[${i}]`));
  }
  if (typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const out: { [key: string]: Tree } = {};
    for (const key of Object.keys(a)) {
      if (!(key in b)) throw new PlcaError('PLCA_INTERNAL', `lerpParams: key ${path}.${key} missing in target`);
      out[key] = lerpTree(a[key], b[key], k, `${path}.${key}`);
    }
    return out;
  }
  throw new PlcaError('PLCA_INTERNAL', `lerpParams: mismatched structure at "${path}"`);
}

function checkK(k: number, what: string): void {
  if (!Number.isFinite(k) || k < 0) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `Error in ${what}: gap k must be a finite number >= 0, got ${k}`);
  }
}

/** The target ("camera") style at gap k: lerp(STYLE_SRC, STYLE_TGT_K1, k). */
export function targetStyle(k: number = DEFAULT_GAP_K): StyleParams {
  checkK(k, 'targetStyle');
  return clampStyle(lerpParams(STYLE_SRC, STYLE_TGT_K1, k));
}

/**
 * The target scene statistics at scene gap `sceneK`: lerp(SCENE_SRC, SCENE_TGT, sceneK).
 * The prototype used SCENE_TGT for the target at every style strength, i.e. sceneK = 1.
 */
export function targetScene(sceneK = 1): SceneParams {
  checkK(sceneK, 'targetScene');
  const s = lerpParams(SCENE_SRC, SCENE_TGT, sceneK);
  // Extrapolated probabilities must stay probabilities.
  for (const key of ['pVegetationStrip', 'pSign', 'pSkylineGap', 'pWindows', 'pLaneMarks'] as const) {
    s[key] = Math.min(1, Math.max(0, s[key]));
  }
  return s;
}

// Extrapolation (k > 1) can push bounded fields past their domain; keep them valid.
function clampStyle(s: StyleParams): StyleParams {
  const c01 = (v: number) => Math.min(1, Math.max(0, v));
  const c0 = (v: number) => Math.max(0, v);
  return {
    ...s,
    sat: c0(s.sat), instJitter: c0(s.instJitter), objJitter: c0(s.objJitter), tex: c0(s.tex),
    noise: c0(s.noise), blur: c0(s.blur), gain: c0(s.gain), gainJit: c01(s.gainJit), contrast: c0(s.contrast),
    gamma: Math.max(0.05, s.gamma), castJit: c01(s.castJit), vignette: c01(s.vignette),
    skyHaze: c01(s.skyHaze), jpeg: c01(s.jpeg), detailDark: c01(s.detailDark),
    cast: s.cast.map(c0) as StyleParams['cast'],
  };
}

/** Merges an override into complete style and scene parameters and validates the result. */
export function applyOverride(
  base: { style: StyleParams; scene: SceneParams }, override: TargetOverride | undefined, source = 'override',
): { style: StyleParams; scene: SceneParams } {
  if (!override) return base;
  const o = parseTargetOverride(override, source);
  const style = {
    ...base.style, ...o.style,
    texFactors: { ...base.style.texFactors, ...o.style?.texFactors },
    palette: { ...base.style.palette, ...o.style?.palette },
  };
  const scene = { ...base.scene, ...o.scene };
  return {
    style: validated(styleParamsSchema, style, `${source} (style)`),
    scene: validated(sceneParamsSchema, scene, `${source} (scene)`),
  };
}

/** The parameters a domain renders with. */
export function domainParams(
  domain: 'source' | 'target', opts: { k?: number; sceneK?: number; override?: TargetOverride } = {},
): { style: StyleParams; scene: SceneParams } {
  if (domain === 'source') {
    if (opts.override) {
      throw new PlcaError('PLCA_INVALID_ARGUMENT', 'Error in domainParams: a target-style override applies to the target domain only');
    }
    return { style: STYLE_SRC, scene: SCENE_SRC };
  }
  const base = { style: targetStyle(opts.k ?? DEFAULT_GAP_K), scene: targetScene(opts.sceneK ?? 1) };
  return applyOverride(base, opts.override);
}

/** Validates a parsed JSON override; errors name the source, the key path and what is wrong. */
export function parseTargetOverride(json: unknown, source = 'override'): TargetOverride {
  return validated(targetOverrideSchema, json, source);
}

interface Schema<T> {
  safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Issue[] } };
}
interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
}

function validated<T>(schema: Schema<T>, value: unknown, source: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const at = i.path.length ? i.path.map(String).join('.') : '(top level)';
    if (i.code === 'unrecognized_keys' && i.keys) return `${at}: unknown key(s) ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    return `${at}: ${i.message}`;
  });
  throw new PlcaError('PLCA_CONFIG_INVALID', `invalid MiniCity parameters in ${source}: ${lines.join('; ')}`, {
    hint: 'an override is {"style": {...}, "scene": {...}} with the keys of StyleParams / SceneParams (src/minicity/params.ts)',
  });
}
