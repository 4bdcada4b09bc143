/**
 * `plca predict`: segments images with a checkpoint and writes, per image, a palettised label
 * PNG (Cityscapes train ids as palette indices) and a coloured overlay.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { CommandSpec } from '../command.js';
import { addCommonOptions, type CommonOptions } from '../options.js';
import { ProgressBar } from '../progress.js';
import { parseInputSize } from './model_info.js';
import { listInputImages, outputStems, overlayLabels } from './predict_io.js';
import { printJson, requirePath, userPath } from './shared.js';

interface PredictOptions extends CommonOptions {
  checkpoint: string;
  input: string;
  aggregate?: boolean;
  inputSize?: [number, number];
  fullSize?: boolean;
  alpha: number;
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
  },
  run: async (ctx, _args, raw) => {
    const o = raw as unknown as PredictOptions;
    const alpha = o.alpha;
    const checkpoint = requirePath(ctx.io, o.checkpoint, 'any', 'checkpoint');
    const inputs = listInputImages(requirePath(ctx.io, o.input, 'any', 'input'));
    const outDir = userPath(ctx.io, o.out ?? 'predictions');
    const { loadModelForInference, predictImage } = await import('../../pipeline/index.js');
    const { readImage, writePalettePng, writePng, cityscapesPalette256 } = await import('../../data/index.js');
    const m = await loadModelForInference(checkpoint, { runtime: { backend: o.backend === 'auto' ? undefined : o.backend, threads: o.threads } });
    const palette = cityscapesPalette256();
    const stems = outputStems(inputs);
    const written: { input: string; label: string; overlay: string; width: number; height: number }[] = [];
    const bar = new ProgressBar({ label: 'predict', total: inputs.length, stream: ctx.io.stderr, enabled: !o.json });
    try {
      mkdirSync(outDir, { recursive: true });
      for (const [i, input] of inputs.entries()) {
        const image = readImage(input);
        const p = predictImage(m.model, m.cfg, image, { aggregate: o.aggregate, inputSize: o.fullSize ? null : o.inputSize });
        const label = join(outDir, `${stems[i]}_label.png`);
        const overlay = join(outDir, `${stems[i]}_overlay.png`);
        writePalettePng(label, p.labels, p.width, p.height, palette);
        writePng(overlay, { width: p.width, height: p.height, channels: 3, data: overlayLabels(image.data, p.labels, palette, alpha) });
        written.push({ input, label, overlay, width: p.width, height: p.height });
        bar.update(i + 1);
      }
      bar.finish();
    } finally {
      m.model.dispose();
    }
    if (o.json) return printJson(ctx.io, { checkpoint: m.file, step: m.step, outDir, images: written });
    ctx.io.stdout.write(`${written.length} image(s) segmented with ${m.file} (update ${m.step}); labels and overlays in ${outDir}\n`);
  },
};

function parseAlpha(value: string): number {
  const a = Number(value);
  if (!(value.trim() !== '' && a >= 0 && a <= 1)) throw new InvalidArgumentError(`--alpha must be a number in 0..1, got "${value}".`);
  return a;
}
