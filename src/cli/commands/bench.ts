/**
 * `plca bench` / `plca bench engine`: the engine benchmark. The engine ships it as
 * scripts/bench.ts (top-level code, not a library function), so it runs as a child process
 * through tsx with the same flags; its stdout and stderr are passed through unchanged.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PlcaError } from '../../util/errors.js';
import { REPO_ROOT } from '../../util/fixtures.js';
import type { CommandSpec } from '../command.js';
import type { CliIo } from '../io.js';
import { addCommonOptions, parseInteger, type CommonOptions } from '../options.js';

export interface BenchOptions extends Pick<CommonOptions, 'json' | 'backend' | 'threads' | 'verbose'> {
  steps: number;
}

export const benchEngineCommand: CommandSpec = {
  path: ['bench', 'engine'],
  isDefault: true,
  summary: 'engine benchmark: training step ms, conv GFLOP/s, similarity matmul ms, peak RSS (the default of `plca bench`)',
  examples: ['plca bench --json', 'plca bench engine --backend wasm --threads 2 --steps 10'],
  configure: (cmd) => {
    cmd.option('--steps <n>', 'timed training steps', parseInteger('--steps', 1), 30);
    addCommonOptions(cmd, ['json', 'backend', 'threads']);
  },
  run: async (ctx, _args, raw) => {
    ctx.exitCode = await runScript(ctx.io, 'bench.ts', benchScriptArgs(raw as unknown as BenchOptions));
  },
};

/** The flags of scripts/bench.ts for the CLI's options. */
export function benchScriptArgs(o: BenchOptions): string[] {
  const args = ['--backend', o.backend, '--steps', String(o.steps)];
  if (o.threads !== undefined) args.push('--threads', String(o.threads));
  if (o.json) args.push('--json');
  return args;
}

/** Runs scripts/NAME under tsx, streaming its output into `io`; resolves to its exit status. */
async function runScript(io: CliIo, name: string, args: string[]): Promise<number> {
  const script = join(REPO_ROOT, 'scripts', name);
  if (!existsSync(script)) {
    throw new PlcaError('PLCA_FILE_NOT_FOUND', `benchmark script not found: ${script}`, {
      hint: 'the engine benchmark ships with the source tree; run plca from a checkout of the repository',
    });
  }
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: REPO_ROOT, stdio: ['inherit', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => io.stdout.write(d.toString()));
  child.stderr.on('data', (d: Buffer) => io.stderr.write(d.toString()));
  return new Promise((resolvePromise, reject) => {
    child.on('error', (e) => reject(new PlcaError('PLCA_INTERNAL', `cannot start the benchmark: ${e.message}`, { cause: e })));
    // A child killed by a signal (Ctrl-C reaches the whole process group) exits like one: 128 + n.
    child.on('close', (code, signal) => resolvePromise(code ?? (signal === 'SIGINT' ? 130 : 1)));
  });
}
