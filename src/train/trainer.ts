/**
 * The training loop, top to bottom like nanoGPT's train.py: set the LR, accumulate the
 * update's gradient, check it, apply it, log, validate, checkpoint. Resumable bit for bit: a
 * checkpoint holds the weights, BN statistics, momentum buffers, step and stream states.
 */
import { join } from 'node:path';
import { saveResolvedConfig, type ResolvedConfig } from '../config/index.js';
import { createModel, type Segmentor } from '../models/index.js';
import { PlcaMethod } from '../method/index.js';
import { PlcaError } from '../util/errors.js';
import type { BatchStream } from './batch_stream.js';
import { latestCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { RunLog, type TrainEvent } from './events.js';
import { polyLr } from './lr_schedule.js';
import { restoreModel } from './restore.js';
import { assignGroup, checkGroup, snapshotTensors } from './model_state.js';
import { Sgd } from './sgd.js';
import { accumulateGradients, firstNonFinite, nanError } from './step.js';

/** Called every `train.valInterval` updates and at the end; returns metrics to log (e.g. mIoU). */
export type Validator = (model: Segmentor, step: number) => Promise<Record<string, number>> | Record<string, number>;

export interface TrainIO {
  /** Labelled source batches. */
  source: BatchStream;
  /** Unlabelled target batches; required by every mode but source_only(_lovasz). */
  target?: BatchStream;
  /** Run directory: config.json, train_log.jsonl, checkpoints/. */
  outDir: string;
  /** The model to train; by default `createModel(cfg.model.name, {numClasses, seed: cfg.train.seed})`. */
  model?: Segmentor;
  validate?: Validator;
}

export interface TrainOptions {
  /** Abort → a checkpoint is written, then PLCA_INTERRUPTED is thrown. */
  signal?: AbortSignal;
  onEvent?: (e: TrainEvent) => void;
  /** Continue from `outDir/checkpoints/latest.json` when there is one. */
  resume?: boolean;
}

export interface TrainResult {
  /** The trained model (the caller disposes it). */
  model: Segmentor;
  /** Updates completed. */
  step: number;
  /** The final checkpoint. */
  checkpoint: string;
  /** Total loss of each update run in this call. */
  losses: number[];
  /** Whether the association collapse warning fired (notes/minicity-prototype.md §3.4). */
  collapseWarned: boolean;
  lastValidation?: Record<string, number>;
}

const COVER_KEY = 'fass.coverRatio';

/** Trains `cfg` on the given streams; see TrainIO and TrainOptions. */
export async function train(cfg: ResolvedConfig, io: TrainIO, opts: TrainOptions = {}): Promise<TrainResult> {
  const model = io.model ?? createModel(cfg.model.name, { numClasses: cfg.model.numClasses, seed: cfg.train.seed });
  const method = new PlcaMethod(model, cfg.method, cfg.train.gradAccum);
  if (method.needsTarget && io.target === undefined) {
    throw new PlcaError('PLCA_INVALID_ARGUMENT', `train: method.mode "${cfg.method.mode}" needs a target stream (io.target)`);
  }
  const sgd = new Sgd({ momentum: cfg.optim.momentum, weightDecay: cfg.optim.weightDecay });
  const ckptDir = join(io.outDir, 'checkpoints');
  const log = new RunLog(join(io.outDir, 'train_log.jsonl'), opts.onEvent);
  saveResolvedConfig(io.outDir, cfg);
  const lrMult = classifierMultipliers(model, cfg);
  const { maxIters, polyHorizon, gradAccum } = cfg.train;

  let step = 0;
  let lastCkpt: string | null = null;
  const resumedFrom = opts.resume ? latestCheckpoint(ckptDir) ?? null : null;
  if (resumedFrom !== null) step = restoreRun(resumedFrom, model, sgd, io);
  else if (cfg.model.pretrained !== null) restoreModel(model, cfg.model.pretrained);
  lastCkpt = resumedFrom;
  let savedStep = resumedFrom !== null ? step : -1;
  const paramCount = [...model.params.values()].reduce((a, v) => a + v.size, 0);
  log.emit({ type: 'start', step, maxIters, resumedFrom, outDir: io.outDir, model: model.name, mode: cfg.method.mode, params: paramCount });

  const save = (): string => {
    if (lastCkpt !== null && savedStep === step) return lastCkpt;
    savedStep = step;
    lastCkpt = saveCheckpoint(ckptDir, {
      step, modelName: model.name, config: cfg,
      groups: { params: snapshotTensors(model.params), state: snapshotTensors(model.state), momentum: snapshotTensors(sgd.state()) },
      streams: { source: io.source.state(), target: io.target?.state() ?? null },
      extra: { seed: cfg.train.seed },
    });
    log.emit({ type: 'checkpoint', step, path: lastCkpt });
    return lastCkpt;
  };

  const t0 = Date.now();
  const losses: number[] = [];
  let collapseWarned = false;
  let lastValidation: Record<string, number> | undefined;
  while (step < maxIters) {
    if (opts.signal?.aborted) throw interrupt(step, save(), log);
    // 1. learning rate of this update (poly over a horizon that may exceed maxIters)
    const lr = polyLr(cfg.optim.lr, step, polyHorizon, cfg.optim.polyPower);
    // 2. the update's gradient, checked before anything is applied
    const ts = Date.now();
    const inject = cfg.debug.injectNanAtStep === step ? cfg.debug.injectNanTerm : undefined;
    const u = await accumulateGradients(method, { source: io.source, target: io.target }, gradAccum, inject);
    const bad = firstNonFinite(u);
    if (bad !== undefined) {
      for (const g of u.grads.values()) g.dispose();
      const value = bad === 'total' ? u.loss : bad === 'gradient' ? u.gradNorm : u.terms[bad];
      log.emit({ type: 'nan', step, term: bad, lastCheckpoint: lastCkpt });
      throw nanError(bad, step, value, lastCkpt);
    }
    // 3. SGD with momentum and weight decay
    sgd.step(model.params, u.grads, (name) => lr * (lrMult.get(name) ?? 1));
    for (const g of u.grads.values()) g.dispose();
    step += 1;
    losses.push(u.loss);
    // 4. log; warn once when the association collapses
    const logged = step % cfg.train.logInterval === 0 || step === maxIters;
    log.emit({ type: 'step', step, maxIters, lr, loss: u.loss, terms: u.terms, diagnostics: u.diagnostics, gradNorm: u.gradNorm,
      ms: Date.now() - ts, elapsedMs: Date.now() - t0 }, logged);
    const cover = u.diagnostics[COVER_KEY];
    if (!collapseWarned && cover !== undefined && cover < cfg.train.collapseCoverRatio) {
      collapseWarned = true;
      log.emit({ type: 'warning', step, code: 'association_collapse', value: cover,
        message: `feature cover ratio ${cover.toFixed(3)} < ${cfg.train.collapseCoverRatio}: source pixels associate to a handful of target pixels; the run is likely collapsing (lower method.weights.association)` });
    }
    // 5. validate and checkpoint
    if (io.validate && ((cfg.train.valInterval !== null && step % cfg.train.valInterval === 0) || step === maxIters)) {
      lastValidation = await io.validate(model, step);
      log.emit({ type: 'validation', step, metrics: lastValidation });
    }
    if (step % cfg.train.checkpointInterval === 0) save();
  }
  const checkpoint = save();
  sgd.dispose();
  log.emit({ type: 'end', step, checkpoint, elapsedMs: Date.now() - t0 });
  return { model, step, checkpoint, losses, collapseWarned, lastValidation };
}

function interrupt(step: number, checkpoint: string, log: RunLog): PlcaError {
  log.emit({ type: 'interrupted', step, checkpoint });
  return new PlcaError('PLCA_INTERRUPTED', `training interrupted after update ${step}; checkpoint written to ${checkpoint}`, {
    hint: 'run the same command with --resume to continue',
  });
}

/** Learning-rate multipliers by parameter name: `classifierLrMult` for the classifier prefixes. */
function classifierMultipliers(model: Segmentor, cfg: ResolvedConfig): Map<string, number> {
  const m = new Map<string, number>();
  if (cfg.optim.classifierLrMult === 1) return m;
  for (const name of model.params.keys()) {
    if (cfg.optim.classifierPrefixes.some((p) => name.startsWith(p))) m.set(name, cfg.optim.classifierLrMult);
  }
  if (m.size === 0) {
    throw new PlcaError('PLCA_CONFIG_INVALID',
      `optim.classifierPrefixes [${cfg.optim.classifierPrefixes.join(', ')}] match no parameter of model "${model.name}", so optim.classifierLrMult would do nothing`);
  }
  return m;
}

/** Restores model, optimiser and streams from a checkpoint; returns its step. */
function restoreRun(file: string, model: Segmentor, sgd: Sgd, io: TrainIO): number {
  const ck = loadCheckpoint(file);
  checkGroup(model.params, ck.groups.params, 'parameter', file);
  checkGroup(model.state, ck.groups.state, 'state variable', file);
  const momentum = ck.groups.momentum ?? new Map();
  for (const [name, t] of momentum) {
    const p = model.params.get(name);
    if (p === undefined || p.shape.join() !== t.shape.join()) {
      throw new PlcaError('PLCA_CHECKPOINT_INVALID', `checkpoint ${file}: momentum buffer "${name}" does not fit any parameter of the model`);
    }
  }
  assignGroup(model.params, ck.groups.params!);
  assignGroup(model.state, ck.groups.state ?? new Map());
  sgd.load(new Map([...momentum].map(([n, t]) => [n, { shape: t.shape, data: t.data as Float32Array }])));
  io.source.restore(ck.streams.source);
  if (io.target !== undefined) {
    if (ck.streams.target === null || ck.streams.target === undefined) {
      throw new PlcaError('PLCA_CHECKPOINT_INVALID', `checkpoint ${file} holds no target stream state, but this run has a target stream`);
    }
    io.target.restore(ck.streams.target);
  }
  return ck.step;
}
