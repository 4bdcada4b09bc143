/** `plca config print`: the resolved config (file + --set overrides + defaults) as JSON. */
import type { CommandSpec } from '../command.js';
import { addCommonOptions, type CommonOptions } from '../options.js';
import { configOverrides, loadRunConfig } from './run_config.js';
import { printJson } from './shared.js';

export const configPrintCommand: CommandSpec = {
  path: ['config', 'print'],
  summary: 'print the resolved config (every key with its value) as JSON',
  examples: ['plca config print --config configs/tiny_cpu_debug.ts --set train.maxIters=50'],
  configure: (cmd) => addCommonOptions(cmd, ['config', 'set', 'seed', 'backend', 'threads']),
  run: async (ctx, _args, raw) => {
    const opts = raw as unknown as CommonOptions;
    const cfg = await loadRunConfig(ctx.io, opts.config, configOverrides(opts));
    printJson(ctx.io, cfg);
  },
};
