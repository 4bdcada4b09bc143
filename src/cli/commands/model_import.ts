/** `plca model import FILE.pth`: a PyTorch state_dict (or the reference's ImageNet init) into a plca checkpoint. */
import { statSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import { Option } from 'commander';
import { PlcaError } from '../../util/errors.js';
import type { CommandSpec } from '../command.js';
import { checkOutDir, makeOutDir } from '../out_path.js';
import { addCommonOptions, parseInteger, type CommonOptions } from '../options.js';
import { printJson, requirePath, setupEngine, userPath } from './shared.js';

interface ModelImportOptions extends Partial<CommonOptions> {
  model: string;
  classes: number;
  key?: string;
  classOrder: 'as-is' | 'plca';
  out: string;
  seed?: number;
}

export const modelImportCommand: CommandSpec = {
  path: ['model', 'import'],
  summary: 'convert PyTorch weights (.pth/.pt, zip or legacy torch.save) into a plca checkpoint',
  examples: [
    'plca model import DeepLab_resnet_pretrained_init-f81d91e8.pth --model deeplabv2_resnet101 --out weights/imagenet',
    'plca model import gta5_to_cityscapes.pth --model deeplabv2_resnet101 --classes 19 --class-order plca --out weights/g2c.ckpt',
  ],
  configure: (cmd) => {
    cmd.argument('<file>', 'PyTorch file written by torch.save (a state_dict, or a dict holding one)');
    cmd.requiredOption('-m, --model <name>', 'model name (see `plca model list`)');
    cmd.option('-k, --classes <k>', 'output classes', parseInteger('--classes', 1), 19);
    cmd.option('--key <key>', 'the state_dict inside the file, e.g. weights or state_dict (auto-detected when absent)');
    cmd.addOption(new Option('--class-order <order>',
      "the file's classifier channel order: as-is, or plca (the authors' released weights; reordered to plca's train ids)")
      .choices(['as-is', 'plca']).default('as-is'));
    cmd.requiredOption('-o, --out <path>', 'checkpoint to write: a .ckpt file, or a directory (step_0000000.ckpt and latest.json in it)');
    cmd.option('--seed <n>', 'seed of the random init of whatever the file does not hold', parseInteger('--seed'), 0);
    addCommonOptions(cmd, ['backend', 'threads', 'json']);
  },
  run: async (ctx, [file], raw) => {
    const o = raw as unknown as ModelImportOptions;
    const src = requirePath(ctx.io, file, 'file', 'PyTorch file');
    const out = userPath(ctx.io, o.out);
    const [dir, name] = extname(out).toLowerCase() === '.ckpt' ? [dirname(out), basename(out)] : [out, undefined];
    checkOutDir(dir, '--out');
    if (name !== undefined && statSync(out, { throwIfNoEntry: false })?.isDirectory()) {
      throw new PlcaError('PLCA_FILE_UNWRITABLE', `--out ${out} is a directory, not a .ckpt file`, {
        hint: 'give a .ckpt file name, or a directory without the .ckpt extension',
      });
    }
    const { createModel, canonicalModelName } = await import('../../models/index.js');
    const { describePretrained, loadPretrained } = await import('../../models/pretrained.js');
    const modelName = canonicalModelName(o.model);
    let classPermutation: number[] | undefined;
    if (o.classOrder === 'plca') {
      if (o.classes !== 16 && o.classes !== 19) {
        throw new PlcaError('PLCA_INVALID_ARGUMENT', `--class-order plca needs --classes 16 or 19 (the PLCA tasks), got ${o.classes}`, {
        hint: 'add --classes 19 (GTAV → Cityscapes) or --classes 16 (SYNTHIA → Cityscapes), or use --class-order as-is',
      });
      }
      classPermutation = (await import('../../data/index.js')).plcaToInternalOrder(o.classes);
    }
    await setupEngine(ctx.io, o);
    const { resolveConfig } = await import('../../config/index.js');
    const { saveCheckpoint, snapshotTensors } = await import('../../train/index.js');
    const cfg = resolveConfig({ model: { name: modelName, numClasses: o.classes } }, [], { source: 'plca model import' });
    const model = createModel(modelName, { numClasses: o.classes, seed: o.seed ?? 0 });
    try {
      const r = loadPretrained(model, src, { key: o.key, classPermutation });
      const groups = { params: snapshotTensors(model.params), state: snapshotTensors(model.state) };
      makeOutDir(dir, '--out');
      const ckpt = saveCheckpoint(dir, {
        step: 0, modelName: model.name, config: cfg, groups, streams: {},
        extra: { importedFrom: src, convention: r.convention, classOrder: o.classOrder, seed: o.seed ?? 0 },
      }, name);
      if (o.json) {
        return printJson(ctx.io, {
          file: src, format: r.format, convention: r.convention, checkpoint: ckpt, model: model.name,
          loaded: r.loaded.length, missing: r.missing, unexpected: r.unexpected, skipped: r.skipped,
        });
      }
      ctx.io.stdout.write(`${describePretrained(r)}\n`);
      if (r.missing.length > 0) ctx.io.stdout.write(`the ${r.missing.length} missing tensor(s) keep their random init (seed ${o.seed ?? 0})\n`);
      ctx.io.stdout.write(`wrote ${ckpt}\n`);
    } finally {
      model.dispose();
    }
  },
};
