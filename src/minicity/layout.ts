/**
 * Samples a MiniCity scene layout: the geometry of one street scene, before any styling
 * (prototype §1, "Scene layout"). Every random draw a scene needs for its shapes and its
 * instance colours is made here, so a given seed and `SceneParams` give the same layout — and
 * so the same label map — whatever the style. Colours are stored as style-free unit draws
 * (`z` ~ N(0, 1) for instance jitter, `u` ~ U(−1, 1) for car/person colour spread); the
 * painter scales them by the style.
 *
 * Geometry: rows below the horizon have perspective scale t = (y − horizon)/(H − horizon);
 * the road is |x − vx| ≤ roadHalf·t, the sidewalks extend to (roadHalf + sidewalk)·t. Beyond
 * them lies the lower part of a vertical road-side plane (façade or hedge) whose base is the
 * sidewalk's outer edge: on it, depth goes as 1/|x − vx| and height as (y − horizon)/|x − vx|.
 */
import type { Rng } from '../util/rng.js';
import type { Range, Rgb, SceneParams } from './params.js';
import { TRAIN_ID } from './classes.js';

/** How a part is coloured from its object's instance colour. */
export type PartRole = 'body' | 'detail' | 'skin' | 'trunk' | 'legs';

/** A painted primitive; coordinates in px (continuous), x1/y1 exclusive, pixel centres tested. */
export interface Part {
  shape: 'rect' | 'ellipse';
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  role: PartRole;
}

export type ObjectKind = 'building' | 'tree' | 'pole' | 'sign' | 'car' | 'person';

export interface SceneObject {
  kind: ObjectKind;
  /** Train id every part of the object is labelled with. */
  trainId: number;
  /** Ground-contact row (skyline buildings: the horizon); objects are painted in this order. */
  contactY: number;
  parts: Part[];
  /** Bounding box of all parts [x0, y0, x1, y1]. */
  bbox: [number, number, number, number];
  /** Instance colour jitter draw, N(0, 1) per channel. */
  z: Rgb;
  /** Car/person colour spread draw, U(−1, 1) per channel. */
  u: Rgb;
}

export interface SceneLayout {
  width: number;
  height: number;
  /** Horizon row (continuous); pixel rows with centre above it are sky unless covered. */
  horizon: number;
  /** Vanishing-point x in px. */
  vx: number;
  /** Road half-width at t = 1, px. */
  roadHalf: number;
  /** Sidewalk width at t = 1, px. */
  sidewalk: number;
  strips: { left: 'building' | 'vegetation'; right: 'building' | 'vegetation' };
  /** Whether a façade strip shows windows (drawn in perspective, labelled building). */
  stripWindows: { left: boolean; right: boolean };
  laneMarks: { on: boolean; phase: number };
  /** Jitter draws of the ground and sky instances. */
  z: { sky: Rgb; road: Rgb; sidewalkL: Rgb; sidewalkR: Rgb; stripL: Rgb; stripR: Rgb };
  /** Skyline buildings, then trees, poles, signs, cars and persons sorted far to near. */
  objects: SceneObject[];
}

const gauss3 = (rng: Rng): Rgb => [rng.normal(), rng.normal(), rng.normal()];
const unif3 = (rng: Rng): Rgb => [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)];
const draw = (rng: Rng, r: Range) => rng.uniform(r[0], r[1]);
/** An integer count from a possibly fractional range: floor of U(lo, hi + 1), uniform on integers. */
const count = (rng: Rng, r: Range) => Math.max(0, Math.floor(rng.uniform(r[0], r[1] + 1)));

/** Samples one scene layout of size H × W from the scene statistics. */
export function sampleLayout(rng: Rng, scene: SceneParams, height: number, width: number): SceneLayout {
  const horizon = height * draw(rng, scene.horizon);
  const vx = width * draw(rng, scene.vanishingX);
  const roadHalf = width * draw(rng, scene.roadHalfWidth);
  const sidewalk = width * draw(rng, scene.sidewalkWidth);
  const strips = {
    left: rng.bool(scene.pVegetationStrip) ? 'vegetation' as const : 'building' as const,
    right: rng.bool(scene.pVegetationStrip) ? 'vegetation' as const : 'building' as const,
  };
  const stripWindows = { left: rng.bool(scene.pWindows), right: rng.bool(scene.pWindows) };
  const laneMarks = { on: rng.bool(scene.pLaneMarks), phase: rng.next() };
  const z = {
    sky: gauss3(rng), road: gauss3(rng), sidewalkL: gauss3(rng), sidewalkR: gauss3(rng),
    stripL: gauss3(rng), stripR: gauss3(rng),
  };
  const g: Ground = { width, height, horizon, vx, roadHalf, sidewalk };
  const skyline = sampleSkyline(rng, scene, g);
  const things: SceneObject[] = [];
  for (let i = count(rng, scene.trees); i > 0; i--) things.push(sampleTree(rng, g));
  for (let i = count(rng, scene.poles); i > 0; i--) things.push(...samplePole(rng, scene, g));
  for (let i = count(rng, scene.cars); i > 0; i--) things.push(sampleCar(rng, scene, g));
  for (let i = count(rng, scene.persons); i > 0; i--) things.push(samplePerson(rng, scene, g));
  // Far to near; the sort is stable, so a sign stays after its pole.
  things.sort((a, b) => a.contactY - b.contactY);
  return { width, height, horizon, vx, roadHalf, sidewalk, strips, stripWindows, laneMarks, z, objects: [...skyline, ...things] };
}

interface Ground {
  width: number;
  height: number;
  horizon: number;
  vx: number;
  roadHalf: number;
  sidewalk: number;
}

function makeObject(kind: ObjectKind, trainId: number, contactY: number, parts: Part[], rng: Rng): SceneObject {
  const bbox: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const p of parts) {
    bbox[0] = Math.min(bbox[0], p.x0);
    bbox[1] = Math.min(bbox[1], p.y0);
    bbox[2] = Math.max(bbox[2], p.x1);
    bbox[3] = Math.max(bbox[3], p.y1);
  }
  return { kind, trainId, contactY, parts, bbox, z: gauss3(rng), u: unif3(rng) };
}

const rect = (x0: number, y0: number, x1: number, y1: number, role: PartRole = 'body'): Part =>
  ({ shape: 'rect', x0, y0, x1, y1, role });
const ellipse = (cx: number, cy: number, rx: number, ry: number, role: PartRole = 'body'): Part =>
  ({ shape: 'ellipse', x0: cx - rx, y0: cy - ry, x1: cx + rx, y1: cy + ry, role });

/** Rectangles standing on the horizon, taller toward the image edges, some slots empty. */
function sampleSkyline(rng: Rng, scene: SceneParams, g: Ground): SceneObject[] {
  const out: SceneObject[] = [];
  let x = -rng.uniform(0, scene.buildingSlotPx[0]);
  while (x < g.width) {
    const w = Math.round(draw(rng, scene.buildingSlotPx));
    const gap = rng.bool(scene.pSkylineGap);
    // Quadratic in the distance from the centre: a street canyon opening toward the vanishing point.
    const edge = Math.min(1, Math.abs(x + w / 2 - g.width / 2) / (g.width / 2));
    const h = g.height * (draw(rng, scene.buildingHeight) + scene.buildingEdgeGrowth * edge * edge);
    const windows = rng.bool(scene.pWindows);
    if (!gap && h >= 1) {
      const parts = [rect(x, g.horizon - h, x + w, g.horizon)];
      if (windows) parts.push(...windowGrid(x, g.horizon - h, w, h));
      out.push(makeObject('building', TRAIN_ID.building, g.horizon, parts, rng));
    }
    x += w;
  }
  return out;
}

/** Windows: 2×2 px darker rectangles on a 4×5 px grid, inset from the façade's edges. */
function windowGrid(x: number, top: number, w: number, h: number): Part[] {
  const parts: Part[] = [];
  for (let wy = top + 2; wy + 2 <= top + h - 2; wy += 5) {
    for (let wx = x + 2; wx + 2 <= x + w - 1; wx += 4) parts.push(rect(wx, wy, wx + 2, wy + 2, 'detail'));
  }
  return parts;
}

/** A ground-contact row and its perspective scale t; slightly past the bottom lets objects be cut off. */
function contact(rng: Rng, g: Ground): { y: number; t: number } {
  const t = rng.uniform(0.12, 1.1);
  return { y: g.horizon + t * (g.height - g.horizon), t };
}

const side = (rng: Rng) => (rng.bool(0.5) ? -1 : 1);

function sampleTree(rng: Rng, g: Ground): SceneObject {
  const { y, t } = contact(rng, g);
  const x = g.vx + side(rng) * (g.roadHalf + rng.uniform(0.75, 1.25) * g.sidewalk) * t;
  const trunkH = rng.uniform(0.18, 0.26) * g.height * t;
  const trunkW = Math.max(1, 0.025 * g.width * t);
  const rx = rng.uniform(0.09, 0.13) * g.width * t;
  const ry = rng.uniform(0.16, 0.23) * g.height * t;
  const parts = [
    rect(x - trunkW / 2, y - trunkH - ry * 0.3, x + trunkW / 2, y, 'trunk'),
    ellipse(x, y - trunkH - 0.7 * ry, rx, ry),
  ];
  return makeObject('tree', TRAIN_ID.vegetation, y, parts, rng);
}

/** A pole on the sidewalk's outer edge, with probability pSign a round or rectangular sign on top. */
function samplePole(rng: Rng, scene: SceneParams, g: Ground): SceneObject[] {
  const { y, t } = contact(rng, g);
  const x = g.vx + side(rng) * (g.roadHalf + 0.9 * g.sidewalk) * t;
  const h = rng.uniform(0.62, 0.78) * g.height * t;
  const w = Math.max(1, 0.022 * g.width * t);
  const pole = makeObject('pole', TRAIN_ID.pole, y, [rect(x - w / 2, y - h, x + w / 2, y)], rng);
  if (!rng.bool(scene.pSign)) return [pole];
  const r = Math.max(1.2, rng.uniform(0.03, 0.045) * g.width * t);
  const round = rng.bool(0.5);
  const sign = round
    ? ellipse(x, y - h + r * 0.6, r, r)
    : rect(x - r, y - h - r * 0.2, x + r, y - h + r * 1.4);
  return [pole, makeObject('sign', TRAIN_ID.trafficSign, y, [sign], rng)];
}

/** A car seen from behind on the road: body, cabin with windows, tyres (windows/tyres darker). */
function sampleCar(rng: Rng, scene: SceneParams, g: Ground): SceneObject {
  const { y, t } = contact(rng, g);
  const w = draw(rng, scene.carWidth) * g.width * t;
  const slack = Math.max(0, g.roadHalf * t - w / 2);
  const cx = g.vx + rng.uniform(-1, 1) * slack;
  const bodyBottom = y - 0.07 * w;
  const bodyTop = bodyBottom - 0.26 * w;
  const cabW = rng.uniform(0.55, 0.7) * w;
  const cabTop = bodyTop - 0.18 * w;
  const parts = [
    ellipse(cx - 0.33 * w, y - 0.08 * w, 0.09 * w, 0.08 * w, 'detail'),
    ellipse(cx + 0.33 * w, y - 0.08 * w, 0.09 * w, 0.08 * w, 'detail'),
    rect(cx - w / 2, bodyTop, cx + w / 2, bodyBottom),
    rect(cx - cabW / 2, cabTop, cx + cabW / 2, bodyTop),
    rect(cx - cabW / 2 + 0.05 * w, cabTop + 0.04 * w, cx + cabW / 2 - 0.05 * w, bodyTop, 'detail'),
  ];
  return makeObject('car', TRAIN_ID.car, y, parts, rng);
}

/** A pedestrian on a sidewalk: head, torso, two legs. */
function samplePerson(rng: Rng, scene: SceneParams, g: Ground): SceneObject {
  const { y, t } = contact(rng, g);
  const x = g.vx + side(rng) * (g.roadHalf + rng.uniform(0.15, 0.85) * g.sidewalk) * t;
  const h = draw(rng, scene.personHeight) * g.height * t;
  const top = y - h;
  const parts = [
    rect(x - 0.1 * h, top + 0.55 * h, x - 0.01 * h, y, 'legs'),
    rect(x + 0.01 * h, top + 0.55 * h, x + 0.1 * h, y, 'legs'),
    rect(x - 0.14 * h, top + 0.17 * h, x + 0.14 * h, top + 0.58 * h),
    ellipse(x, top + 0.09 * h, 0.08 * h, 0.09 * h, 'skin'),
  ];
  return makeObject('person', TRAIN_ID.person, y, parts, rng);
}
