/**
 * `plca bench` / `plca bench engine`: the engine benchmark, run in this process by the library
 * (src/bench/engine.ts; its wasm-ceiling and 92×92-association parts in child processes).
 */
import type { EngineBenchOptions } from '../../bench/index.js';
import type { CommandSpec } from '../command.js';
import { addCommonOptions, parseInteger, type CommonOptions } from '../options.js';
import { printJson } from './shared.js';

export interface BenchOptions extends Pick<CommonOptions, 'json' | 'backend' | 'threads' | 'verbose'> {
  steps: number;
  skipAssociation?: boolean;
  skipPeak?: boolean;
}

export const benchEngineCommand: CommandSpec = {
  path: ['bench', 'engine'],
  isDefault: true,
  summary: 'engine benchmark: training step ms, conv GFLOP/s, similarity matmul ms, peak RSS, wasm ceiling, 92×92 association (the default of `plca bench`)',
  examples: ['plca bench --json', 'plca bench engine --backend wasm --threads 2 --steps 10 --skip-association'],
  configure: (cmd) => {
    cmd.option('--steps <n>', 'timed training steps', parseInteger('--steps', 1), 30);
    cmd.option('--skip-association', 'leave out the 92×92 association (the slowest part)');
    cmd.option('--skip-peak', 'leave out the wasm arithmetic ceiling');
    addCommonOptions(cmd, ['json', 'backend', 'threads']);
  },
  run: async (ctx, _args, raw) => {
    const o = raw as unknown as BenchOptions;
    const { runEngineBench } = await import('../../bench/index.js');
    const result = await runEngineBench({ ...benchOptions(o), log: o.json ? undefined : (line) => ctx.io.stdout.write(`${line}\n`) });
    if (o.json) printJson(ctx.io, result);
  },
};

/** The library's options for the CLI's flags. */
export function benchOptions(o: BenchOptions): Omit<EngineBenchOptions, 'log'> {
  return {
    backend: o.backend, steps: o.steps, ...(o.threads !== undefined ? { threads: o.threads } : {}),
    association: !o.skipAssociation, peak: !o.skipPeak,
  };
}
