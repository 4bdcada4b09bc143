/** `plca export`: a checkpoint as a stock TF.js GraphModel (model.json + weight shards). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PlcaError } from '../../util/errors.js';
import type { CommandSpec } from '../command.js';
import { checkOutDir, makeOutDir } from '../out_path.js';
import { addCommonOptions, type CommonOptions } from '../options.js';
import { parseInputSize } from './model_info.js';
import { printJson, requirePath, userPath } from './shared.js';

interface ExportOptions extends CommonOptions {
  checkpoint: string;
  inputSize?: [number, number];
  labels?: boolean;
  overwrite?: boolean;
}

export const exportCommand: CommandSpec = {
  path: ['export'],
  summary: 'export a checkpoint to a TF.js GraphModel (model.json + shards) that stock @tensorflow/tfjs loads',
  examples: [
    'plca export --checkpoint runs/tiny --out exported/tiny',
    'plca export --checkpoint runs/g2c --out web/model --input-size 512x1024 --labels --overwrite',
  ],
  configure: (cmd) => {
    cmd.requiredOption('--checkpoint <path>', 'checkpoint file, checkpoints directory or run directory');
    addCommonOptions(cmd, ['out', 'json']);
    cmd.option('--input-size <HxW>', 'input size of the exported graph (default: the checkpoint\'s data.evalSize)', parseInputSize);
    cmd.option('--labels', 'add a "labels" output: argmax of the logits upsampled to the input size');
    cmd.option('--overwrite', 'replace an earlier export in --out');
  },
  run: async (ctx, _args, raw) => {
    const o = raw as unknown as ExportOptions;
    const checkpoint = requirePath(ctx.io, o.checkpoint, 'any', 'checkpoint');
    const outDir = userPath(ctx.io, o.out ?? 'exported');
    checkOutDir(outDir, '--out');
    if (!o.overwrite && existsSync(join(outDir, 'model.json'))) {
      throw new PlcaError('PLCA_INVALID_ARGUMENT', `${join(outDir, 'model.json')} already exists (an earlier export)`, {
        hint: 'add --overwrite to replace it, or choose another --out',
      });
    }
    makeOutDir(outDir, '--out');
    // The exporter reads weights on the host and builds the graph without tensors; the cpu
    // backend is enough and starts at once.
    const { initEngine } = await import('../../engine/index.js');
    await initEngine({ backend: 'cpu' });
    const { exportFromCheckpoint } = await import('../../export/index.js');
    const r = exportFromCheckpoint(checkpoint, outDir, { inputSize: o.inputSize, labels: o.labels, overwrite: o.overwrite });
    if (o.json) return printJson(ctx.io, r);
    ctx.io.stdout.write(`exported ${r.checkpoint} (update ${r.step}) to ${r.modelJson}: ${r.shards.length} shard(s), ` +
      `${(r.weightBytes / 1e6).toFixed(2)} MB, input ${r.inputSize.join('×')}, outputs ${r.outputs.join(', ')}\n`);
  },
};
