/**
 * `plca train`: resolve the config, open the data, run the trainer with a progress bar, and
 * turn Ctrl-C into a checkpoint plus a message saying how to resume.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedConfig } from '../../config/index.js';
import type { TrainEvent, TrainResult } from '../../train/index.js';
import { PlcaError, isPlcaError } from '../../util/errors.js';
import type { CliContext, CommandSpec } from '../command.js';
import { addCommonOptions, type CommonOptions } from '../options.js';
import { installInterruptHandler } from '../signals.js';
import { configOverrides, loadRunConfig } from './run_config.js';
import { printJson, setupEngine, userPath } from './shared.js';
import { TrainReporter } from './train_reporter.js';

interface TrainOptions extends CommonOptions {
  resume?: boolean;
}

export const trainCommand: CommandSpec = {
  path: ['train'],
  summary: 'train a segmentor (source-only, PLCA or an ablation) as the config says; Ctrl-C writes a checkpoint',
  examples: [
    'plca train --config configs/tiny_cpu_debug.ts --out runs/tiny',
    'plca train --out runs/tiny --resume',
    'plca train --config configs/gta5_to_cityscapes_plca.ts --set data.source.root=/data/gta5 --out runs/g2c',
  ],
  configure: (cmd) => {
    addCommonOptions(cmd, ['config', 'set', 'out', 'seed', 'backend', 'threads', 'json']);
    cmd.option('--resume', 'continue the run in --out from its latest checkpoint (its config.json unless --config is given)');
  },
  run: async (ctx, _args, raw) => {
    const o = raw as unknown as TrainOptions;
    const { cfg, outDir } = await prepareRun(ctx, o);
    await setupEngine(ctx.io, { backend: cfg.runtime.backend, threads: cfg.runtime.threads ?? undefined, verbose: o.verbose });
    const result = await runTraining(ctx, cfg, outDir, o);
    try {
      const last = result.losses[result.losses.length - 1];
      const summary = { outDir, step: result.step, checkpoint: result.checkpoint, loss: last ?? null,
        validation: result.lastValidation ?? null, collapseWarning: result.collapseWarned };
      if (o.json) printJson(ctx.io, summary);
      else ctx.io.stderr.write(`plca: trained ${result.step} updates; checkpoint ${result.checkpoint}\n`);
    } finally {
      result.model.dispose();
    }
  },
};

/** Resolves the config and the run directory, refusing to overwrite a run that was not asked to resume. */
async function prepareRun(ctx: CliContext, o: TrainOptions): Promise<{ cfg: ResolvedConfig; outDir: string }> {
  if (o.resume && o.out === undefined) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', '--resume needs --out DIR, the directory of the run to continue');
  }
  const outGiven = o.out === undefined ? undefined : userPath(ctx.io, o.out);
  const saved = outGiven === undefined ? undefined : join(outGiven, 'config.json');
  // Resuming without --config continues with the run's own resolved config.
  const file = o.config ?? (o.resume && saved !== undefined && existsSync(saved) ? saved : undefined);
  const cfg = await loadRunConfig(ctx.io, file, configOverrides(o));
  const outDir = outGiven ?? userPath(ctx.io, join('runs', `${cfg.name}-${timestamp()}`));
  const latest = join(outDir, 'checkpoints', 'latest.json');
  if (!o.resume && existsSync(latest)) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `${outDir} already holds a training run (${latest})`, {
      hint: 'add --resume to continue it, or choose another --out',
    });
  }
  if (o.resume && !existsSync(latest)) {
    ctx.io.stderr.write(`plca: no checkpoint in ${outDir}; starting from update 0\n`);
  }
  return { cfg, outDir };
}

async function runTraining(ctx: CliContext, cfg: ResolvedConfig, outDir: string, o: TrainOptions): Promise<TrainResult> {
  const { runTraining: run } = await import('../../pipeline/index.js');
  const reporter = new TrainReporter(ctx.io.stderr, { json: o.json, verbose: o.verbose, logInterval: cfg.train.logInterval });
  const interrupt = installInterruptHandler(ctx.io.stderr, 'training', 'writing a checkpoint');
  try {
    // The pipeline's streams give the event loop a turn per batch, so Ctrl-C is seen mid-run.
    return await run(cfg, { outDir, signal: interrupt.signal, resume: o.resume, onEvent: (e: TrainEvent) => reporter.onEvent(e) });
  } catch (e) {
    reporter.stop();
    if (isPlcaError(e) && e.code === 'PLCA_INTERRUPTED') {
      throw new PlcaError('PLCA_INTERRUPTED', e.message, { hint: `resume with: plca train --out ${quote(outDir)} --resume` });
    }
    throw e;
  } finally {
    interrupt.dispose();
  }
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

function quote(p: string): string {
  return /^[\w./-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`;
}
