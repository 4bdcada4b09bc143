/**
 * MiniCity scenes and sets. A scene is sampled (layout), painted and rendered from one seeded
 * RNG; the layout draws come first, so labels do not depend on the style. A set of `count`
 * scenes gives image i the seed deriveSeed(setSeed, i): any image can be regenerated alone.
 */
import { PlcaError } from '../util/errors.js';
import { Rng, deriveSeed } from '../util/rng.js';
import { MINICITY_HEIGHT, MINICITY_WIDTH } from './classes.js';
import { sampleLayout, type SceneLayout } from './layout.js';
import { paintLayout } from './paint.js';
import { renderCanvas } from './render.js';
import { domainParams, DEFAULT_GAP_K } from './target.js';
import type { SceneParams, StyleParams, TargetOverride } from './params.js';

export interface Scene {
  /** RGB, row-major H·W·3. */
  image: Uint8Array;
  /** Cityscapes train ids, H·W. */
  label: Uint8Array;
  width: number;
  height: number;
  /** What was sampled and drawn (for checks and visualisation). */
  layout: SceneLayout;
}

export interface SceneOptions {
  scene: SceneParams;
  style: StyleParams;
  /** @default 128 */
  width?: number;
  /** @default 64 */
  height?: number;
}

/** Generates one scene from a seed (or continues an RNG). */
export function generateScene(seedOrRng: number | Rng, opts: SceneOptions): Scene {
  const rng = typeof seedOrRng === 'number' ? new Rng(seedOrRng) : seedOrRng;
  const width = opts.width ?? MINICITY_WIDTH;
  const height = opts.height ?? MINICITY_HEIGHT;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 8 && height >= 8)) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `Error in generateScene: size must be integers >= 8, got ${height}x${width}`);
  }
  const layout = sampleLayout(rng, opts.scene, height, width);
  const canvas = paintLayout(layout, opts.style);
  const image = renderCanvas(canvas, opts.style, rng);
  return { image, label: canvas.label, width, height, layout };
}

/** A generated set as concatenated typed arrays: image i is images[i·H·W·3 …]. */
export interface MiniCitySet {
  domain: 'source' | 'target';
  /** Gap of the target style (0 for source). */
  k: number;
  seed: number;
  count: number;
  width: number;
  height: number;
  /** count·H·W·3 RGB uint8. */
  images: Uint8Array;
  /** count·H·W train ids. */
  labels: Uint8Array;
  style: StyleParams;
  scene: SceneParams;
}

export interface SetOptions {
  count: number;
  seed: number;
  domain: 'source' | 'target';
  /** Style gap of the target domain. @default 0.6 */
  k?: number;
  /** Scene-statistics gap of the target domain (prototype: SCENE_TGT at any k, i.e. 1). @default 1 */
  sceneK?: number;
  /** Overrides of the resolved target style/scene (a parsed `--target-style` file). */
  targetStyleOverride?: TargetOverride;
  width?: number;
  height?: number;
  /** Called after each scene with (done, count), e.g. for a progress bar. */
  onProgress?: (done: number, count: number) => void;
}

/** Generates `count` scenes of one domain. */
export function generateSet(opts: SetOptions): MiniCitySet {
  const { count, seed, domain } = opts;
  if (!Number.isInteger(count) || count < 0) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `Error in generateSet: count must be an integer >= 0, got ${count}`);
  }
  if (domain !== 'source' && domain !== 'target') {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `Error in generateSet: domain must be "source" or "target", got "${String(domain)}"`);
  }
  const k = domain === 'source' ? 0 : opts.k ?? DEFAULT_GAP_K;
  const { style, scene } = domainParams(domain, { k, sceneK: opts.sceneK, override: opts.targetStyleOverride });
  const width = opts.width ?? MINICITY_WIDTH;
  const height = opts.height ?? MINICITY_HEIGHT;
  const px = width * height;
  const images = new Uint8Array(count * px * 3);
  const labels = new Uint8Array(count * px);
  for (let i = 0; i < count; i++) {
    const s = generateScene(deriveSeed(seed, i), { scene, style, width, height });
    images.set(s.image, i * px * 3);
    labels.set(s.label, i * px);
    opts.onProgress?.(i + 1, count);
  }
  return { domain, k, seed, count, width, height, images, labels, style, scene };
}

/** Views (no copy) of image i of a set. */
export function setSample(set: MiniCitySet, i: number): { image: Uint8Array; label: Uint8Array } {
  if (!Number.isInteger(i) || i < 0 || i >= set.count) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `Error in setSample: index ${i} outside 0..${set.count - 1}`);
  }
  const px = set.width * set.height;
  return { image: set.images.subarray(i * px * 3, (i + 1) * px * 3), label: set.labels.subarray(i * px, (i + 1) * px) };
}

/** The prototype's seeds and sizes (docs/design/minicity-prototype.md §1, §5). */
export const MINICITY_DEFAULTS = {
  trainCount: 2000,
  valCount: 300,
  k: DEFAULT_GAP_K,
  seeds: { sourceTrain: 1, sourceVal: 2, targetTrain: 11, targetVal: 12 },
} as const;

export interface BenchmarkOptions {
  trainCount?: number;
  valCount?: number;
  k?: number;
  sceneK?: number;
  targetStyleOverride?: TargetOverride;
  seeds?: Partial<Record<keyof typeof MINICITY_DEFAULTS.seeds, number>>;
}

export interface MiniCityBenchmark {
  sourceTrain: MiniCitySet;
  sourceVal: MiniCitySet;
  targetTrain: MiniCitySet;
  targetVal: MiniCitySet;
}

/** The four sets of the benchmark, from the default seeds unless given. */
export function generateBenchmark(opts: BenchmarkOptions = {}): MiniCityBenchmark {
  const seeds = { ...MINICITY_DEFAULTS.seeds, ...opts.seeds };
  const train = opts.trainCount ?? MINICITY_DEFAULTS.trainCount;
  const val = opts.valCount ?? MINICITY_DEFAULTS.valCount;
  const tgt = { k: opts.k ?? MINICITY_DEFAULTS.k, sceneK: opts.sceneK, targetStyleOverride: opts.targetStyleOverride };
  return {
    sourceTrain: generateSet({ count: train, seed: seeds.sourceTrain, domain: 'source' }),
    sourceVal: generateSet({ count: val, seed: seeds.sourceVal, domain: 'source' }),
    targetTrain: generateSet({ count: train, seed: seeds.targetTrain, domain: 'target', ...tgt }),
    targetVal: generateSet({ count: val, seed: seeds.targetVal, domain: 'target', ...tgt }),
  };
}
