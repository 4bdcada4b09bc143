/**
 * Paints a sampled layout into a float RGB canvas (H·W·3, [0, 1]) and a label map (H·W, train
 * ids), in the prototype's paint order: sky, road and sidewalks, road-side strips, lane
 * markings, then the layout's objects (skyline, then far to near). Each pixel's label is the
 * class of the last thing painted over it, so labels agree with the drawing by construction.
 * Rendering steps 1–2 of the prototype (instance jitter, sky haze) happen here, because they
 * need to know which instance a pixel belongs to.
 */
import type { Rgb, StyleParams } from './params.js';
import type { Part, SceneLayout, SceneObject } from './layout.js';
import { TRAIN_ID } from './classes.js';

export interface Canvas {
  width: number;
  height: number;
  rgb: Float32Array;
  label: Uint8Array;
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/** base + σ·z per channel, clamped: the per-instance colour jitter (rendering step 1). */
export function jitter(base: Rgb, z: Rgb, sigma: number): Rgb {
  return [clamp01(base[0] + sigma * z[0]), clamp01(base[1] + sigma * z[1]), clamp01(base[2] + sigma * z[2])];
}

/** The instance colour of an object under a style (before the role's shading). */
export function objectColor(o: SceneObject, style: StyleParams): Rgb {
  const p = style.palette;
  let base: Rgb;
  switch (o.kind) {
    case 'car':
    case 'person': {
      const c = o.kind === 'car' ? p.car : p.person;
      base = [c[0] + style.objJitter * o.u[0], c[1] + style.objJitter * o.u[1], c[2] + style.objJitter * o.u[2]];
      break;
    }
    case 'building': base = p.building; break;
    case 'tree': base = p.vegetation; break;
    case 'pole': base = p.pole; break;
    case 'sign': base = p.trafficSign; break;
  }
  return jitter(base, o.z, style.instJitter);
}

/** The colour a part of an object is painted with. */
export function partColor(o: SceneObject, role: Part['role'], style: StyleParams): Rgb {
  const c = objectColor(o, style);
  switch (role) {
    case 'body': return c;
    case 'detail': return [c[0] * style.detailDark, c[1] * style.detailDark, c[2] * style.detailDark];
    // Legs are a darker shade of the clothes: a fixed shape cue, not a style knob.
    case 'legs': return [c[0] * 0.6, c[1] * 0.6, c[2] * 0.6];
    case 'skin': return jitter(style.palette.skin, o.z, style.instJitter);
    case 'trunk': return jitter(style.palette.trunk, o.z, style.instJitter);
  }
}

/** Paints the whole layout. */
export function paintLayout(layout: SceneLayout, style: StyleParams): Canvas {
  const { width: W, height: H } = layout;
  const cv: Canvas = { width: W, height: H, rgb: new Float32Array(W * H * 3), label: new Uint8Array(W * H) };
  paintSky(cv, layout, style);
  paintGround(cv, layout, style);
  for (const o of layout.objects) {
    for (const part of o.parts) paintPart(cv, part, partColor(o, part.role, style), o.trainId);
  }
  return cv;
}

function put(cv: Canvas, i: number, c: Rgb, trainId: number): void {
  cv.rgb[3 * i] = c[0];
  cv.rgb[3 * i + 1] = c[1];
  cv.rgb[3 * i + 2] = c[2];
  cv.label[i] = trainId;
}

/** Sky everywhere first: a vertical gradient toward the horizon, hazed (rendering step 2). */
function paintSky(cv: Canvas, layout: SceneLayout, style: StyleParams): void {
  const p = style.palette;
  const top = jitter(p.skyTop, layout.z.sky, style.instJitter);
  const hor = jitter(p.skyHorizon, layout.z.sky, style.instJitter);
  const a = style.skyHaze;
  for (let y = 0; y < cv.height; y++) {
    const f = Math.min(1, (y + 0.5) / Math.max(1, layout.horizon));
    const c: Rgb = [0, 0, 0];
    for (let ch = 0; ch < 3; ch++) {
      const clear = top[ch] + f * (hor[ch] - top[ch]);
      c[ch] = clear + a * (p.haze[ch] - clear);
    }
    for (let x = 0; x < cv.width; x++) put(cv, y * cv.width + x, c, TRAIN_ID.sky);
  }
}

/** Rows below the horizon: road trapezoid, sidewalk bands, road-side strips, lane marks. */
function paintGround(cv: Canvas, L: SceneLayout, style: StyleParams): void {
  const p = style.palette;
  const s = style.instJitter;
  const road = jitter(p.road, L.z.road, s);
  const walk = [jitter(p.sidewalk, L.z.sidewalkL, s), jitter(p.sidewalk, L.z.sidewalkR, s)];
  const stripColor = (kind: 'building' | 'vegetation', z: Rgb) => jitter(kind === 'building' ? p.building : p.vegetation, z, s);
  const strip = [stripColor(L.strips.left, L.z.stripL), stripColor(L.strips.right, L.z.stripR)];
  const stripId = [TRAIN_ID[L.strips.left], TRAIN_ID[L.strips.right]];
  const windowsOn = [
    L.strips.left === 'building' && L.stripWindows.left, L.strips.right === 'building' && L.stripWindows.right,
  ];
  const window = strip.map((c) => c.map((v) => v * style.detailDark) as Rgb);
  const mark = jitter(p.laneMark, L.z.road, s);
  const depth = cv.height - L.horizon;
  for (let y = Math.max(0, Math.ceil(L.horizon - 0.5)); y < cv.height; y++) {
    const t = (y + 0.5 - L.horizon) / depth;
    const roadW = L.roadHalf * t;
    const walkW = (L.roadHalf + L.sidewalk) * t;
    // Dashes shorten with distance: on for even periods of inverse depth 2/t.
    const dashOn = L.laneMarks.on && Math.floor(2 / t + L.laneMarks.phase * 2) % 2 === 0;
    const markW = Math.max(0.5, 0.009 * cv.width * t);
    for (let x = 0; x < cv.width; x++) {
      const dx = x + 0.5 - L.vx;
      const d = Math.abs(dx);
      const sideIdx = dx < 0 ? 0 : 1;
      const i = y * cv.width + x;
      if (d <= roadW) put(cv, i, dashOn && d <= markW ? mark : road, TRAIN_ID.road);
      else if (d <= walkW) put(cv, i, walk[sideIdx], TRAIN_ID.sidewalk);
      else put(cv, i, windowsOn[sideIdx] && isFacadeWindow(d, y + 0.5 - L.horizon, cv.width) ? window[sideIdx] : strip[sideIdx], stripId[sideIdx]);
    }
  }
}

/**
 * Windows on a façade plane seen in perspective: columns repeat in depth (∝ 1/d), rows in
 * height (∝ dy/d), for d = |x − vx| and dy = y − horizon. Near the vanishing point the
 * columns get narrower than a pixel and would alias, so windows start at d ≥ FACADE_MIN_D·W.
 */
const FACADE_COLS = 4.7; // column periods per unit of W/d
const FACADE_ROWS = 0.1; // row periods per unit of W·dy/d
const FACADE_MIN_D = 0.33;
function isFacadeWindow(d: number, dy: number, W: number): boolean {
  if (d < FACADE_MIN_D * W) return false;
  const col = (FACADE_COLS * W) / d;
  const row = (FACADE_ROWS * W * dy) / d;
  return col - Math.floor(col) < 0.5 && row - Math.floor(row) > 0.35 && row - Math.floor(row) < 0.8;
}

/** Fills a rectangle or ellipse: every pixel whose centre lies inside. */
function paintPart(cv: Canvas, part: Part, c: Rgb, trainId: number): void {
  const x0 = Math.max(0, Math.ceil(part.x0 - 0.5));
  const x1 = Math.min(cv.width - 1, Math.ceil(part.x1 - 0.5) - 1);
  const y0 = Math.max(0, Math.ceil(part.y0 - 0.5));
  const y1 = Math.min(cv.height - 1, Math.ceil(part.y1 - 0.5) - 1);
  if (part.shape === 'rect') {
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) put(cv, y * cv.width + x, c, trainId);
    return;
  }
  const cx = (part.x0 + part.x1) / 2;
  const cy = (part.y0 + part.y1) / 2;
  const rx = (part.x1 - part.x0) / 2;
  const ry = (part.y1 - part.y0) / 2;
  for (let y = y0; y <= y1; y++) {
    const ey = (y + 0.5 - cy) / ry;
    for (let x = x0; x <= x1; x++) {
      const ex = (x + 0.5 - cx) / rx;
      if (ex * ex + ey * ey <= 1) put(cv, y * cv.width + x, c, trainId);
    }
  }
}
