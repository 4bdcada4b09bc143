/**
 * `plca predict`: segments images with a checkpoint and writes, per image, a palettised label
 * PNG (Cityscapes train ids as palette indices) and a coloured overlay, named after the input
 * file (`street.jpg` → `street_jpg_label.png`, `street_jpg_overlay.png`). An image that cannot be
 * read is named and skipped; the others are segmented, then the command fails with a summary.
 */
import { InvalidArgumentError } from 'commander';
import type { CommandSpec } from '../command.js';
import { addCommonOptions, type CommonOptions } from '../options.js';
import { ProgressBar } from '../progress.js';
import { parseInputSize } from './model_info.js';
import { listInputImages, outputFiles, overlayLabels, refuseOverwrite, SKIPPABLE_CODES } from './predict_io.js';
import { checkOutDir, makeOutDir } from '../out_path.js';
import { PlcaError, isPlcaError } from '../../util/errors.js';
import { printJson, requirePath, userPath } from './shared.js';

interface PredictOptions extends CommonOptions {
  checkpoint: string;
  input: string;
  aggregate?: boolean;
  inputSize?: [number, number];
  fullSize?: boolean;
  alpha: number;
  overwrite?: boolean;
}

export const predictCommand: CommandSpec = {
  path: ['predict'],
  summary: 'segment images (PNG or JPEG; RGB, RGBA or grey; any size): a palettised label PNG and a coloured overlay per image',
  examples: [
    'plca predict --checkpoint runs/tiny --input photo.jpg --out predictions',
    'plca predict --checkpoint runs/g2c --input data/cityscapes/leftImg8bit/val/lindau --out preds --aggregate --json',
  ],
  configure: (cmd) => {
    cmd.requiredOption('--checkpoint <path>', 'checkpoint file, checkpoints directory or run directory');
    cmd.requiredOption('-i, --input <path>', 'an image, or a directory of .png/.jpg/.jpeg images');
    addCommonOptions(cmd, ['out', 'backend', 'threads', 'json']);
    cmd.option('--aggregate', 'the reference\'s test-time spatial aggregation (§4.5)');
    cmd.option('--input-size <HxW>', 'network input size (default: the checkpoint\'s data.evalSize)', parseInputSize);
    cmd.option('--full-size', 'run the network on each image at its own size');
    cmd.option('--alpha <a>', 'overlay opacity of the label colours, 0..1', parseAlpha, 0.5);
    cmd.option('--overwrite', 'replace the results of an earlier predict in --out');
  },
  run: async (ctx, _args, raw) => {
    const o = raw as unknown as PredictOptions;
    const alpha = o.alpha;
    const checkpoint = requirePath(ctx.io, o.checkpoint, 'any', 'checkpoint');
    const inputs = listInputImages(requirePath(ctx.io, o.input, 'any', 'input'));
    const outDir = userPath(ctx.io, o.out ?? 'predictions');
    checkOutDir(outDir, '--out');
    refuseOverwrite(outDir, inputs, o.overwrite === true);
    const { loadModelForInference, predictImage } = await import('../../pipeline/index.js');
    const { readImage, writePalettePng, writePng, cityscapesPalette256 } = await import('../../data/index.js');
    const m = await loadModelForInference(checkpoint, { runtime: { backend: o.backend === 'auto' ? undefined : o.backend, threads: o.threads } });
    const palette = cityscapesPalette256();
    const written: { input: string; label: string; overlay: string; width: number; height: number }[] = [];
    const failed: { input: string; code: string; message: string }[] = [];
    const bar = new ProgressBar({ label: 'predict', total: inputs.length, stream: ctx.io.stderr, enabled: !o.json });
    try {
      makeOutDir(outDir, '--out');
      for (const [i, input] of inputs.entries()) {
        let image;
        try {
          image = readImage(input);
        } catch (e) {
          // A broken file in a folder is the file's problem: name it, and segment the others.
          if (inputs.length === 1 || !isPlcaError(e) || !SKIPPABLE_CODES.has(e.code)) throw e;
          failed.push({ input, code: e.code, message: e.message });
          bar.clear();
          ctx.io.stderr.write(`plca: skipped ${input}: [${e.code}] ${e.message}\n`);
          bar.update(i + 1);
          continue;
        }
        const p = predictImage(m.model, m.cfg, image, { aggregate: o.aggregate, inputSize: o.fullSize ? null : o.inputSize });
        const { label, overlay } = outputFiles(outDir, input);
        writePalettePng(label, p.labels, p.width, p.height, palette);
        writePng(overlay, { width: p.width, height: p.height, channels: 3, data: overlayLabels(image.data, p.labels, palette, alpha) });
        written.push({ input, label, overlay, width: p.width, height: p.height });
        bar.update(i + 1);
      }
      bar.finish();
    } finally {
      m.model.dispose();
    }
    if (o.json) printJson(ctx.io, { checkpoint: m.file, step: m.step, outDir, images: written, failed });
    else ctx.io.stdout.write(`${written.length} image(s) segmented with ${m.file} (update ${m.step}); labels and overlays in ${outDir}\n`);
    if (failed.length > 0) {
      throw new PlcaError('PLCA_IMAGE_CORRUPT',
        `${failed.length} of ${inputs.length} image(s) could not be read (${failed[0].input}${failed.length > 1 ? ' and the others listed above as "skipped"' : ''}); ` +
        `the other ${written.length} were segmented`, {
          hint: 're-export or remove the skipped files; `plca data check` lists every broken file of a dataset',
        });
    }
  },
};

function parseAlpha(value: string): number {
  const a = Number(value);
  if (!(value.trim() !== '' && a >= 0 && a <= 1)) throw new InvalidArgumentError(`--alpha must be a number in 0..1, got "${value}".`);
  return a;
}
