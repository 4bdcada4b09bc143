/**
 * The report's mosaic, as the paper's Fig. 3: per row a target image, its ground truth, the
 * source-only prediction and the PLCA prediction, labels in the Cityscapes palette; one PNG.
 */
import { encodePng } from '../data/index.js';
import { colorizeLabels, tileImages, type MiniCitySet } from '../minicity/index.js';
import { PlcaError } from '../util/errors.js';

/** Nearest-neighbour upscaling of an RGB image by an integer factor (crisp label edges). */
export function upscale(data: Uint8Array, width: number, height: number, f: number): Uint8Array {
  const out = new Uint8Array(width * f * height * f * 3);
  for (let y = 0; y < height * f; y++) {
    for (let x = 0; x < width * f; x++) {
      const s = (Math.floor(y / f) * width + Math.floor(x / f)) * 3;
      out.set(data.subarray(s, s + 3), (y * width * f + x) * 3);
    }
  }
  return out;
}

/**
 * PNG of `rows` target-val images: image | ground truth | each prediction set in order.
 * @param predictions Cityscapes train ids, `rows`·H·W each (e.g. [sourceOnly, plca]); the set's labels are train ids too
 */
export function mosaicPng(set: MiniCitySet, predictions: Uint8Array[], rows: number, scale = 2): Buffer {
  const { width: W, height: H } = set;
  const px = W * H;
  const n = Math.min(rows, set.count);
  for (const p of predictions) {
    if (p.length < n * px) throw new PlcaError('PLCA_SIZE_MISMATCH', `mosaicPng: ${p.length} predicted pixels for ${n} images of ${H}×${W}`);
  }
  const tiles: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const row = [
      set.images.slice(i * px * 3, (i + 1) * px * 3),
      colorizeLabels(set.labels.subarray(i * px, (i + 1) * px)),
      ...predictions.map((p) => colorizeLabels(p.subarray(i * px, (i + 1) * px))),
    ];
    tiles.push(...row.map((t) => upscale(t, W, H, scale)));
  }
  const m = tileImages(tiles, W * scale, H * scale, 2 + predictions.length, 3);
  return encodePng({ width: m.width, height: m.height, channels: 3, data: m.data });
}
