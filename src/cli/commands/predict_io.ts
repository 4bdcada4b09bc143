/**
 * The file side of `plca predict`: which images to read, where each result goes, and the
 * coloured overlay. Plain typed arrays, no tensors.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { PlcaError } from '../../util/errors.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/** The images named by `--input`: the file itself, or a directory's PNG/JPEG files in name order. */
export function listInputImages(absInput: string): string[] {
  const st = statSync(absInput);
  if (st.isFile()) return [absInput];
  const files = readdirSync(absInput)
    .filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase()))
    .sort()
    .map((f) => join(absInput, f))
    .filter((f) => statSync(f).isFile());
  if (files.length === 0) {
    throw new PlcaError('PLCA_FILE_NOT_FOUND', `no PNG or JPEG images in ${absInput}`, {
      hint: 'give an image file or a directory holding .png/.jpg/.jpeg files',
    });
  }
  return files;
}

/**
 * Output file stems, one per input: the base name without extension, or with it where two
 * inputs would collide (a.png and a.jpg), so no result overwrites another.
 */
export function outputStems(inputs: readonly string[]): string[] {
  const stem = (f: string) => basename(f, extname(f));
  const counts = new Map<string, number>();
  for (const f of inputs) counts.set(stem(f), (counts.get(stem(f)) ?? 0) + 1);
  return inputs.map((f) => (counts.get(stem(f))! > 1 ? basename(f).replace(/\./g, '_') : stem(f)));
}

/**
 * Blends the palette colour of each pixel's label over the image: out = (1−α)·image + α·colour.
 * Labels without a class (255 = ignore) leave the image as it is.
 * @param rgb HxWx3 uint8 image
 * @param labels HxW train ids
 * @param palette flat RGB triples indexed by train id
 */
export function overlayLabels(rgb: Uint8Array, labels: Uint8Array, palette: Uint8Array, alpha = 0.5): Uint8Array {
  if (rgb.length !== labels.length * 3) {
    throw new PlcaError('PLCA_SIZE_MISMATCH', `overlay: ${labels.length} labels for an image of ${rgb.length / 3} pixels`);
  }
  const out = new Uint8Array(rgb.length);
  const classes = palette.length / 3;
  for (let i = 0; i < labels.length; i++) {
    const k = labels[i];
    for (let c = 0; c < 3; c++) {
      const v = rgb[3 * i + c];
      out[3 * i + c] = k < classes && k !== 255 ? Math.round((1 - alpha) * v + alpha * palette[3 * k + c]) : v;
    }
  }
  return out;
}
