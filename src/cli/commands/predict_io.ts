/**
 * The file side of `plca predict`: which images to read, where each result goes, and the
 * coloured overlay. Plain typed arrays, no tensors.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
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
    // A dangling link or an entry that vanished is not an image to read; a directory named x.png neither.
    .filter((f) => statSync(f, { throwIfNoEntry: false })?.isDirectory() !== true);
  if (files.length === 0) {
    throw new PlcaError('PLCA_FILE_NOT_FOUND', `no PNG or JPEG images in ${absInput}`, {
      hint: 'give an image file or a directory holding .png/.jpg/.jpeg files',
    });
  }
  return files;
}

/**
 * The output file stem of an input: its file name with the extension's dot as `_`
 * (`street.png` → `street_png`), so it depends on nothing else in the folder and `street.png`
 * and `street.jpg` never write the same file.
 */
export function outputStem(input: string): string {
  const name = basename(input);
  const ext = extname(name);
  return `${name.slice(0, name.length - ext.length)}_${ext.slice(1)}`;
}

/** The two files written for an input: the palettised label PNG and the overlay. */
export function outputFiles(outDir: string, input: string): { label: string; overlay: string } {
  const stem = outputStem(input);
  return { label: join(outDir, `${stem}_label.png`), overlay: join(outDir, `${stem}_overlay.png`) };
}

/**
 * Refuses to replace results of an earlier `plca predict` (perhaps of another checkpoint)
 * unless `overwrite`: names how many of this run's files already exist and the first of them.
 */
export function refuseOverwrite(outDir: string, inputs: readonly string[], overwrite: boolean): void {
  if (overwrite) return;
  const existing = inputs.flatMap((i) => Object.values(outputFiles(outDir, i))).filter((f) => existsSync(f));
  if (existing.length === 0) return;
  const total = inputs.length * 2;
  throw new PlcaError('PLCA_INVALID_ARGUMENT',
    `${outDir} already holds predictions: ${existing.length} of the ${total} files this run writes exist (${basename(existing[0])}${existing.length > 1 ? ', …' : ''})`, {
      hint: 'add --overwrite to replace them, or choose another --out',
    });
}

/** Errors of one input image that predict reports and goes on from (the file, not plca, is at fault). */
export const SKIPPABLE_CODES: ReadonlySet<string> = new Set(['PLCA_IMAGE_CORRUPT', 'PLCA_FILE_UNREADABLE', 'PLCA_FILE_NOT_FOUND']);

/**
 * Blends the palette colour of each pixel's label over the image: out = (1−α)·image + α·colour.
 * Labels without a class (255 = ignore) leave the image as it is.
 * @param rgb HxWx3 uint8 image
 * @param labels HxW train ids
 * @param palette flat RGB triples indexed by train id
 */
export function overlayLabels(rgb: Uint8Array, labels: Uint8Array, palette: Uint8Array, alpha = 0.5): Uint8Array {
  if (rgb.length !== labels.length * 3) {
    throw new PlcaError('PLCA_SIZE_MISMATCH', `overlay: ${labels.length} labels for an image of ${rgb.length / 3} pixels`, {
      hint: 'labels and image must come from the same prediction',
    });
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
