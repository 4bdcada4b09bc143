/** `plca model info NAME` and `plca model list`: size facts of the registered networks, no tensors. */
import { Option, InvalidArgumentError } from 'commander';
import type { CommandSpec } from '../command.js';
import { addCommonOptions, parseInteger } from '../options.js';
import { printJson } from './shared.js';

/** `96` → [96, 96]; `730x1460` → [730, 1460] (H×W). */
export function parseInputSize(value: string): [number, number] {
  const m = /^(\d+)(?:[x×](\d+))?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`--input must be S or HxW (e.g. 96 or 730x1460), got "${value}".`);
  const h = Number(m[1]);
  return [h, m[2] === undefined ? h : Number(m[2])];
}

interface ModelInfoOptions {
  classes: number;
  input: [number, number];
  norm?: 'bn' | 'gn';
  json: boolean;
}

export const modelInfoCommand: CommandSpec = {
  path: ['model', 'info'],
  summary: 'parameter count, feature channels, feature grid and output stride of a network',
  examples: ['plca model info deeplabv2_resnet101 --classes 19 --input 96 --json', 'plca model info resnet_tiny_aspp --input 64x128'],
  configure: (cmd) => {
    cmd.argument('<name>', 'model name (see `plca model list`)');
    cmd.option('-k, --classes <k>', 'output classes', parseInteger('--classes', 1), 19);
    cmd.option('-i, --input <size>', 'input size S or HxW', parseInputSize, [512, 512]);
    cmd.addOption(new Option('--norm <kind>', 'normalisation, where the model lets you choose').choices(['bn', 'gn']));
    addCommonOptions(cmd, ['json']);
    // Show the default as typed, not as the parsed array.
    cmd.options.find((o) => o.long === '--input')!.defaultValueDescription = '512';
  },
  run: async (ctx, [name], raw) => {
    const opts = raw as unknown as ModelInfoOptions;
    const { modelInfo } = await import('../../models/index.js');
    const info = modelInfo(name, { numClasses: opts.classes, inputSize: opts.input, norm: opts.norm });
    if (opts.json) return printJson(ctx.io, info);
    const rows: [string, string][] = [
      ['model', info.name],
      ['parameters', info.params.toLocaleString('en-US')],
      ['feature channels', String(info.featureChannels)],
      ['feature grid', `${info.featureGrid[0]}×${info.featureGrid[1]} (input ${opts.input[0]}×${opts.input[1]})`],
      ['output stride', String(info.outputStride)],
    ];
    ctx.io.stdout.write(rows.map(([k, v]) => `${k.padEnd(17)}${v}`).join('\n') + '\n');
  },
};

export const modelListCommand: CommandSpec = {
  path: ['model', 'list'],
  summary: 'the registered networks',
  examples: ['plca model list --json'],
  configure: (cmd) => addCommonOptions(cmd, ['json']),
  run: async (ctx, _args, raw) => {
    const { MODELS } = await import('../../models/index.js');
    const list = Object.entries(MODELS).map(([name, e]) => ({ name, norm: e.defaultNorm, description: e.description }));
    if (raw.json) return printJson(ctx.io, list);
    const width = Math.max(...list.map((m) => m.name.length)) + 2;
    ctx.io.stdout.write(list.map((m) => `${m.name.padEnd(width)}${m.description}`).join('\n') + '\n');
  },
};
