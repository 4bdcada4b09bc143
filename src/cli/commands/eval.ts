/** `plca eval`: a checkpoint on the config's validation set (or a dataset named on the command line). */
import { Option } from 'commander';
import type { ResolvedConfig } from '../../config/index.js';
import type { CliContext, CommandSpec } from '../command.js';
import { addCommonOptions, parseInteger, type CommonOptions } from '../options.js';
import { ProgressBar } from '../progress.js';
import { parseInputSize } from './model_info.js';
import { configOverrides, loadRunConfig } from './run_config.js';
import { printJson, requirePath } from './shared.js';

interface EvalOptions extends CommonOptions {
  checkpoint?: string;
  dataset?: 'cityscapes' | 'gtav' | 'synthia' | 'folder' | 'minicity';
  root?: string;
  split?: string;
  inputSize?: [number, number];
  aggregate?: boolean;
  limit?: number;
}

export const evalCommand: CommandSpec = {
  path: ['eval'],
  summary: 'evaluate a checkpoint: per-class IoU, mIoU (19, and SYNTHIA 16/13 where they apply), pixel accuracy',
  examples: [
    'plca eval --checkpoint runs/tiny',
    'plca eval --checkpoint runs/g2c/checkpoints/step_0010416.ckpt --root data/cityscapes --split val --aggregate --json',
  ],
  configure: (cmd) => {
    cmd.option('--checkpoint <path>', 'checkpoint file, checkpoints directory or run directory (its latest checkpoint)');
    addCommonOptions(cmd, ['config', 'set', 'backend', 'threads', 'json']);
    cmd.addOption(new Option('-d, --dataset <name>', 'dataset layout instead of data.val\'s').choices(['cityscapes', 'gtav', 'synthia', 'folder', 'minicity']));
    cmd.option('-r, --root <dir>', 'dataset root instead of data.val\'s');
    cmd.option('-s, --split <split>', 'split name or list file instead of data.val\'s');
    cmd.option('--input-size <HxW>', 'network input size (default: data.evalSize, e.g. 730x1460)', parseInputSize);
    cmd.option('--aggregate', 'the reference\'s test-time spatial aggregation (§4.5)');
    cmd.option('--limit <n>', 'evaluate only the first n images', parseInteger('--limit', 1));
  },
  run: async (ctx, _args, raw) => {
    const o = raw as unknown as EvalOptions;
    const checkpoint = o.checkpoint === undefined ? undefined : requirePath(ctx.io, o.checkpoint, 'any', 'checkpoint');
    const root = o.root === undefined || o.dataset === 'minicity' ? o.root : requirePath(ctx.io, o.root, 'dir', 'dataset root');
    const cfg = await evalConfig(ctx, o, checkpoint);
    const { runEvaluation } = await import('../../pipeline/index.js');
    const { formatMetricsTable, metricsToJSON } = await import('../../eval/index.js');
    let bar: ProgressBar | undefined;
    const report = await runEvaluation({
      checkpoint, cfg, dataset: o.dataset, root, split: o.split, inputSize: o.inputSize, aggregate: o.aggregate, limit: o.limit,
      runtime: { backend: o.backend === 'auto' ? undefined : o.backend, threads: o.threads },
      onProgress: (e) => {
        bar ??= new ProgressBar({ label: 'eval', total: e.total, stream: ctx.io.stderr, enabled: !o.json });
        bar.update(e.done);
      },
    });
    bar?.finish();
    const about = {
      checkpoint: report.checkpoint, step: report.step, images: report.images, dataset: report.dataset,
      inputSize: report.inputSize, aggregate: report.aggregate,
    };
    if (o.json) return printJson(ctx.io, { ...about, ...metricsToJSON(report.metrics) });
    const d = report.dataset;
    ctx.io.stdout.write(`${report.checkpoint ?? 'pretrained weights'} (update ${report.step ?? '-'}) on ${d.dataset} ${d.root} ${d.split}: ` +
      `${report.images} images at ${report.inputSize.join('×')}${report.aggregate ? ', with aggregation' : ''}\n\n`);
    ctx.io.stdout.write(`${formatMetricsTable(report.metrics)}\n`);
  },
};

/**
 * The config whose data side (val set, eval size, normalisation) is used: --config when given;
 * else the checkpoint's own, with the --set overrides on top; none when there is nothing to
 * change (runEvaluation then reads the checkpoint's).
 */
async function evalConfig(ctx: CliContext, o: EvalOptions, checkpoint: string | undefined): Promise<ResolvedConfig | undefined> {
  if (o.config !== undefined || checkpoint === undefined) return loadRunConfig(ctx.io, o.config, configOverrides(o));
  if (o.set.length === 0) return undefined;
  const { loadCheckpoint, resolveCheckpointPath } = await import('../../train/index.js');
  const { resolveConfig } = await import('../../config/index.js');
  const file = resolveCheckpointPath(checkpoint);
  return resolveConfig(loadCheckpoint(file).config, o.set, { source: `${file} (with --set)` });
}
