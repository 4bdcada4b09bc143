/**
 * `plca train`: resolve the config, open the data, run the trainer with a progress bar, and
 * turn Ctrl-C or SIGTERM into a checkpoint plus a message saying how to resume.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedConfig } from '../../config/index.js';
import type { ResumePoint, TrainEvent, TrainResult } from '../../train/index.js';
import { PlcaError, isPlcaError } from '../../util/errors.js';
import type { CliContext, CommandSpec } from '../command.js';
import { addCommonOptions, type CommonOptions } from '../options.js';
import { checkOutDir, makeOutDir } from '../out_path.js';
import { describeSignal, installInterruptHandler, InterruptedError } from '../signals.js';
import { configOverrides, loadRunConfig } from './run_config.js';
import { printJson, setupEngine, userPath, warnThreads } from './shared.js';
import { TrainReporter } from './train_reporter.js';

interface TrainOptions extends CommonOptions {
  resume?: boolean;
}

export const trainCommand: CommandSpec = {
  path: ['train'],
  summary: 'train a segmentor (source-only, PLCA or an ablation) as the config says; Ctrl-C or SIGTERM writes a checkpoint',
  examples: [
    'plca train --config configs/tiny_cpu_debug.ts --out runs/tiny',
    'plca train --out runs/tiny --resume',
    'plca train --config configs/gta5_to_cityscapes_plca.ts --set data.source.root=/data/gta5 --out runs/g2c',
  ],
  configure: (cmd) => {
    addCommonOptions(cmd, ['config', 'set', 'out', 'seed', 'backend', 'threads', 'json']);
    cmd.options.find((opt) => opt.long === '--out')!.description = 'run directory (default: runs/NAME-TIMESTAMP, NAME from the config; printed at the start)';
    cmd.option('--resume', 'continue the run in --out from its newest intact checkpoint (with its config.json unless --config is given)');
  },
  run: async (ctx, _args, raw) => {
    const o = raw as unknown as TrainOptions;
    const run = await prepareRun(ctx, o);
    const { cfg, outDir } = run;
    if (o.threads === undefined) warnThreads(ctx.io, cfg.runtime.threads, 'runtime.threads (from the config)');
    await setupEngine(ctx.io, { backend: cfg.runtime.backend, threads: cfg.runtime.threads ?? undefined, verbose: o.verbose });
    const result = await runTraining(ctx, run, o);
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

interface PreparedRun {
  cfg: ResolvedConfig;
  outDir: string;
  /** The verified checkpoint to continue from; false for a run that starts at update 0. */
  resume: ResumePoint | false;
}

/**
 * Resolves the config and the run directory. A new run refuses a directory that holds
 * checkpoints; a resumed one finds its checkpoint first (refusing a damaged newest one), so a
 * refusal happens before anything is written.
 */
async function prepareRun(ctx: CliContext, o: TrainOptions): Promise<PreparedRun> {
  if (!o.resume) {
    const cfg = await loadRunConfig(ctx.io, o.config, configOverrides(o));
    if (o.out !== undefined) {
      const outDir = userPath(ctx.io, o.out);
      await refuseExistingRun(outDir);
      return { cfg, outDir: makeOutDir(outDir, '--out'), resume: false };
    }
    const outDir = makeOutDir(userPath(ctx.io, join('runs', `${cfg.name}-${timestamp()}`)), '--out');
    ctx.io.stderr.write(`plca: no --out given; writing this run to ${outDir}\n`);
    return { cfg, outDir, resume: false };
  }
  if (o.out === undefined) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', '--resume needs --out DIR, the directory of the run to continue', {
      hint: 'e.g. plca train --out runs/NAME --resume',
    });
  }
  const outDir = userPath(ctx.io, o.out);
  checkOutDir(outDir, '--out');
  const { findResumeCheckpoint } = await import('../../train/resume_point.js');
  const point = findResumeCheckpoint(join(outDir, 'checkpoints'));
  const cfg = await resumeConfig(ctx, o, outDir, point);
  if (point === undefined) ctx.io.stderr.write(`plca: no checkpoint in ${outDir}; starting from update 0\n`);
  return { cfg, outDir: makeOutDir(outDir, '--out'), resume: point ?? false };
}

/** A new run must not write over checkpoints of an earlier one (with or without latest.json). */
async function refuseExistingRun(outDir: string): Promise<void> {
  const { LATEST_FILE, listStepFiles } = await import('../../train/checkpoint.js');
  const ckptDir = join(outDir, 'checkpoints');
  const held = existsSync(join(ckptDir, LATEST_FILE)) ? join(ckptDir, LATEST_FILE) : listStepFiles(ckptDir)[0]?.file;
  if (held !== undefined) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `${outDir} already holds a training run (${held})`, {
      hint: 'add --resume to continue it, or choose another --out',
    });
  }
}

/**
 * The config of a resumed run: --config when given, else the run's config.json, else the config
 * stored in the checkpoint it continues from; with none of them there is nothing to resume.
 */
async function resumeConfig(ctx: CliContext, o: TrainOptions, outDir: string, point: ResumePoint | undefined): Promise<ResolvedConfig> {
  const saved = join(outDir, 'config.json');
  if (o.config !== undefined) return loadRunConfig(ctx.io, o.config, configOverrides(o));
  if (existsSync(saved)) return loadRunConfig(ctx.io, saved, configOverrides(o));
  if (point !== undefined) {
    ctx.io.stderr.write(`plca: ${outDir} has no config.json; continuing with the config stored in ${point.file}\n`);
    const { resolveConfig } = await import('../../config/index.js');
    return resolveConfig(point.config, configOverrides(o), { source: `the config stored in ${point.file}` });
  }
  const what = existsSync(outDir) ? `${outDir} holds no config.json and no checkpoint` : `${outDir} does not exist`;
  throw new PlcaError('PLCA_FILE_NOT_FOUND', `nothing to resume: ${what}`, {
    hint: 'check --out; to start a new run there, give --config FILE and leave out --resume',
  });
}

async function runTraining(ctx: CliContext, { cfg, outDir, resume }: PreparedRun, o: TrainOptions): Promise<TrainResult> {
  const { runTraining: run } = await import('../../pipeline/index.js');
  const reporter = new TrainReporter(ctx.io.stderr, { json: o.json, verbose: o.verbose, logInterval: cfg.train.logInterval });
  const interrupt = installInterruptHandler(ctx.io.stderr, 'training', 'writing a checkpoint');
  let stopped: { step: number; checkpoint: string } | undefined;
  const onEvent = (e: TrainEvent) => {
    if (e.type === 'interrupted') stopped = { step: e.step, checkpoint: e.checkpoint };
    reporter.onEvent(e);
  };
  try {
    // The pipeline's streams give the event loop a turn per batch, so a signal is seen mid-run.
    return await run(cfg, { outDir, signal: interrupt.signal, resume, onEvent });
  } catch (e) {
    reporter.stop();
    const signal = interrupt.received;
    if (isPlcaError(e) && e.code === 'PLCA_INTERRUPTED' && signal !== undefined && stopped !== undefined) {
      const how = signal === 'SIGINT' ? `interrupted by ${describeSignal(signal)}` : `stopped by ${describeSignal(signal)}`;
      throw new InterruptedError(signal, `training ${how} after update ${stopped.step}; checkpoint written to ${stopped.checkpoint}`,
        `resume with: plca train --out ${quote(outDir)} --resume`);
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
