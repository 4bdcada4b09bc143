/**
 * The training loop, top to bottom like nanoGPT's train.py: set the LR, accumulate the
 * update's gradient, check it, apply it, log, validate, checkpoint. Resumable bit for bit: a
 * checkpoint holds the weights, BN statistics, momentum buffers, step and stream states.
 */
import type { ResolvedConfig } from '../config/schema.js';
import { createModel } from '../models/registry.js';
import type { Segmentor } from '../models/segmentor.js';
import { PlcaMethod } from '../method/plca_method.js';
import { PlcaError } from '../util/errors.js';
import type { BatchStream } from '../data/batch.js';
import type { ResumePoint } from './resume_point.js';
import { RunLog, type TrainEvent } from './events.js';
import { polyLr } from './lr_schedule.js';
import { openRunStore, type RunStore } from './run_store.js';
import { assignGroup, checkGroup, snapshotTensors } from './model_state.js';
import { Sgd } from './sgd.js';
import { accumulateGradients, firstNonFinite, nanError } from './step.js';
import { associationFactor, associationSchedule, scheduleMilestone, type AssociationSchedule } from './association_schedule.js';
import { CollapseGuard } from './collapse_guard.js';
import type { TensorGroup } from './checkpoint.js';
import { failAllocation, wasmHeapMB } from '../engine/memory.js';
import { isOutOfMemory, outOfMemoryError, peakRssMB } from '../util/out_of_memory.js';

/** Called every `train.valInterval` updates and at the end; returns metrics to log (e.g. mIoU). */
export type Validator = (model: Segmentor, step: number) => Promise<Record<string, number>> | Record<string, number>;

export interface TrainIO {
  /** Labelled source batches. */
  source: BatchStream;
  /** Unlabelled target batches; required by every mode but source_only(_lovasz). */
  target?: BatchStream;
  /** Run directory: config.json, train_log.jsonl, checkpoints/ (Node). */
  outDir?: string;
  /** Where the run is kept instead of `outDir` (e.g. a MemoryRunStore in a browser). */
  store?: RunStore;
  /** The model to train; by default `createModel(cfg.model.name, {numClasses, seed: cfg.train.seed})`. */
  model?: Segmentor;
  validate?: Validator;
}

export interface TrainOptions {
  /** Abort → a checkpoint is written, then PLCA_INTERRUPTED is thrown. */
  signal?: AbortSignal;
  onEvent?: (e: TrainEvent) => void;
  /**
   * Continue from the newest intact checkpoint in `outDir/checkpoints` (see findResumeCheckpoint),
   * or from the one the caller already found there.
   */
  resume?: boolean | ResumePoint;
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
  /** Whether the association collapse warning fired (docs/design/minicity-prototype.md §3.4). */
  collapseWarned: boolean;
  lastValidation?: Record<string, number>;
  /** The collapse guard's rollbacks and its final factor on β2 (undefined when the guard is off). */
  guard?: { rollbacks: number; factor: number };
}

const COVER_KEY = 'fass.coverRatio';
/** The reference of the checkpoint being written, inside the guard state it carries (see CollapseGuard.snapshot). */
const SELF_PENDING = '<being written>';

/** Trains `cfg` on the given streams; see TrainIO and TrainOptions. */
export async function train(cfg: ResolvedConfig, io: TrainIO, opts: TrainOptions = {}): Promise<TrainResult> {
  const model = io.model ?? createModel(cfg.model.name, { numClasses: cfg.model.numClasses, seed: cfg.train.seed });
  const run = new Run(cfg, io, opts, model);
  try {
    run.start();
    while (run.step < cfg.train.maxIters) {
      if (opts.signal?.aborted) throw run.interrupt();
      await run.update();
      await run.afterUpdate();
    }
    return run.finish();
  } catch (e) {
    if (io.model === undefined) model.dispose(); // nobody else can reach it
    throw e;
  } finally {
    run.dispose();
  }
}

/** The state of one training run: model, optimiser, log, step and checkpoint bookkeeping. */
class Run {
  step = 0;
  private lastCkpt: string | null = null;
  private savedStep = -1;
  private readonly method: PlcaMethod;
  private readonly sgd: Sgd;
  private readonly log: RunLog;
  private readonly store: RunStore;
  private readonly lrMult: Map<string, number>;
  private readonly t0 = Date.now();
  private readonly losses: number[] = [];
  private collapseWarned = false;
  private lastValidation: Record<string, number> | undefined;
  private readonly schedule: AssociationSchedule;
  /** Only with a feature association to watch (its cover ratio is the guard's main signal). */
  private readonly guard: CollapseGuard | undefined;

  constructor(private readonly cfg: ResolvedConfig, private readonly io: TrainIO, private readonly opts: TrainOptions,
    private readonly model: Segmentor) {
    if (model.numClasses !== cfg.model.numClasses) {
      throw new PlcaError('PLCA_INVALID_ARGUMENT',
        `train: model "${model.name}" has ${model.numClasses} classes but model.numClasses is ${cfg.model.numClasses}`);
    }
    this.method = new PlcaMethod(model, cfg.method, cfg.train.gradAccum, { recompute: cfg.train.recompute });
    if (this.method.needsTarget && io.target === undefined) {
      throw new PlcaError('PLCA_INVALID_ARGUMENT', `train: method.mode "${cfg.method.mode}" needs a target stream (io.target)`);
    }
    this.lrMult = classifierMultipliers(model, cfg);
    this.sgd = new Sgd({ momentum: cfg.optim.momentum, weightDecay: cfg.optim.weightDecay });
    this.store = openRunStore(io);
    this.log = new RunLog((r) => this.store.appendLog(r), opts.onEvent);
    this.schedule = associationSchedule(cfg.train.maxIters, cfg.method.associationWarmup, cfg.method.associationRamp);
    this.guard = cfg.train.collapseGuard.enabled && cfg.method.switches.fass ? new CollapseGuard(cfg.train.collapseGuard) : undefined;
  }

  /** Finds the checkpoint to resume from (before anything is written), saves the resolved config, then resumes or loads pretrained weights. */
  start(): void {
    const { resume } = this.opts;
    const point = typeof resume === 'object' ? resume : resume ? this.store.resumePoint() : undefined;
    this.store.saveConfig(this.cfg);
    const resumedFrom = point?.file ?? null;
    let guardState: unknown;
    if (resumedFrom !== null) {
      const r = restoreRun(this.store, resumedFrom, this.model, this.sgd, this.io);
      this.step = r.step;
      guardState = r.extra?.guard;
      this.lastCkpt = resumedFrom;
      this.savedStep = this.step;
    } else if (this.cfg.model.pretrained !== null) {
      this.loadPretrained(this.cfg.model.pretrained);
    }
    const params = [...this.model.params.values()].reduce((a, v) => a + v.size, 0);
    this.log.emit({ type: 'start', step: this.step, maxIters: this.cfg.train.maxIters, resumedFrom, outDir: this.store.location,
      model: this.model.name, mode: this.cfg.method.mode, params, notes: point?.notes ?? [] });
    // The guard's first rollback target: the starting state (fresh, or a checkpoint without guard state).
    if (this.guard !== undefined && !(resumedFrom !== null && this.guard.load(guardState, resumedFrom, (r) => this.store.localRef(r)))) {
      this.guard.wroteHealthy(SELF_PENDING, this.step);
      this.saveGuarded();
    }
  }

  /** A plca checkpoint, or a PyTorch file (e.g. the reference's ImageNet init) loaded non-strictly and logged. */
  private loadPretrained(path: string): void {
    const r = this.store.loadPretrained(this.model, path);
    if (r !== undefined) this.log.emit({ type: 'pretrained', step: this.step, file: path, ...r });
  }

  /** One optimiser update: LR, accumulated gradient, NaN check, SGD, log. */
  async update(): Promise<void> {
    const { cfg } = this;
    // 1. learning rate of this update (poly over a horizon that may exceed maxIters)
    const lr = polyLr(cfg.optim.lr, this.step, cfg.train.polyHorizon, cfg.optim.polyPower);
    // 2. the update's gradient, checked before anything is applied
    const ts = Date.now();
    const inject = cfg.debug.injectNanAtStep === this.step ? cfg.debug.injectNanTerm : undefined;
    // β2 of this update: warm-up and ramp (a function of the update index) times the guard's factor
    this.method.associationFactor = associationFactor(this.schedule, this.step) * (this.guard?.state.factor ?? 1);
    // What a checkpoint of the last completed update holds and this update may change (BN running
    // statistics, stream positions): kept so that an out-of-memory failure can still save it.
    const start = { state: snapshotTensors(this.model.state), streams: this.streamStates() };
    let u: Awaited<ReturnType<typeof accumulateGradients>>;
    try {
      u = await accumulateGradients(this.method, { source: this.io.source, target: this.io.target }, cfg.train.gradAccum, inject,
        cfg.debug.injectOomAtStep === this.step ? failAllocation : undefined);
    } catch (e) {
      if (!isOutOfMemory(e)) throw e;
      throw this.outOfMemory(e, start);
    }
    const bad = firstNonFinite(u);
    if (bad !== undefined) {
      for (const g of u.grads.values()) g.dispose();
      const value = bad === 'total' ? u.loss : bad === 'gradient' ? u.gradNorm : u.terms[bad];
      this.log.emit({ type: 'nan', step: this.step, term: bad, lastCheckpoint: this.lastCkpt });
      throw nanError(bad, this.step, value, this.lastCkpt);
    }
    // 3. SGD with momentum and weight decay
    this.sgd.step(this.model.params, u.grads, (name) => lr * (this.lrMult.get(name) ?? 1));
    for (const g of u.grads.values()) g.dispose();
    this.step += 1;
    this.losses.push(u.loss);
    // 4. log (every record to onEvent, every logInterval-th to the file)
    const logged = this.step % cfg.train.logInterval === 0 || this.step === cfg.train.maxIters;
    this.log.emit({ type: 'step', step: this.step, maxIters: cfg.train.maxIters, lr, loss: u.loss, terms: u.terms,
      diagnostics: u.diagnostics, gradNorm: u.gradNorm, ms: Date.now() - ts, elapsedMs: Date.now() - this.t0 }, logged);
    this.checkCollapse(u.diagnostics[COVER_KEY]);
    this.guard?.observe(u.diagnostics);
    this.logMilestone(this.step - 1);
  }

  /** Logs the warm-up's end and the ramp's end, when they fall on this (0-based) update. */
  private logMilestone(update: number): void {
    const { fass, cass } = this.cfg.method.switches;
    if (!fass && !cass) return; // no association term to schedule (the source-only modes)
    const m = scheduleMilestone(this.schedule, update);
    const guardFactor = this.guard?.state.factor ?? 1;
    if (m === undefined || guardFactor === 0) return;
    const { warmupUpdates: w, rampUpdates: r } = this.schedule;
    const message = m === 'association_on'
      ? `source-only warm-up over (${w} updates): association terms on${r > 1 ? `, β2 ramping up over ${r} updates` : ''}`
      : `association at full weight (β2 × ${guardFactor}) after a ${r}-update ramp`;
    this.log.emit({ type: 'adaptation', step: this.step, action: m, guardFactor, message });
  }

  /** Warns once when the feature cover ratio falls below the threshold (docs/design/minicity-prototype.md §3.4). */
  private checkCollapse(cover: number | undefined): void {
    if (this.collapseWarned || cover === undefined || cover >= this.cfg.train.collapseCoverRatio) return;
    this.collapseWarned = true;
    this.log.emit({ type: 'warning', step: this.step, code: 'association_collapse', value: cover,
      message: `feature cover ratio ${cover.toFixed(3)} < ${this.cfg.train.collapseCoverRatio}: source pixels associate to a handful of target pixels; the run is likely collapsing (${this.guard === undefined ? 'lower method.weights.association, or turn on train.collapseGuard' : 'the collapse guard judges it at the end of its window'})` });
  }

  /** 5. validate, guard against collapse, and checkpoint at their intervals. */
  async afterUpdate(): Promise<void> {
    const { valInterval, maxIters, checkpointInterval } = this.cfg.train;
    if (this.io.validate && ((valInterval !== null && this.step % valInterval === 0) || this.step === maxIters)) {
      this.lastValidation = await this.io.validate(this.model, this.step);
      this.log.emit({ type: 'validation', step: this.step, metrics: this.lastValidation });
    }
    this.guardCheck();
    if (this.step % checkpointInterval === 0) this.save();
  }

  /**
   * At a guard window's end: a healthy window is checkpointed (a future rollback target, once the
   * next window confirms it); a collapsed one rolls the run back to the last confirmed-healthy
   * checkpoint with a smaller β2, or, after maxRollbacks, with the association off.
   */
  private guardCheck(): void {
    const g = this.guard;
    if (g === undefined) return;
    const v = g.check(this.step);
    if (v.kind === 'continue') return;
    if (v.kind === 'healthy') {
      // The state saved with the checkpoint is the one after registering it (exact resume).
      const superseded = g.wroteHealthy(SELF_PENDING, this.step);
      const ref = this.saveGuarded();
      // A superseded target goes, unless it is one of the run's regular checkpoints.
      for (const old of superseded) {
        const regular = old.step > 0 && old.step % this.cfg.train.checkpointInterval === 0;
        if (!regular && old.ref !== ref) this.store.removeCheckpoint(old.ref);
      }
      return;
    }
    const from = this.step;
    this.store.rollBack(v.to.ref, v.to.step);
    this.step = restoreRun(this.store, v.to.ref, this.model, this.sgd, this.io).step;
    g.rolledBack(v.to, v.factor, SELF_PENDING);
    // Rewrite the target with the guard's new state, so a resume from it continues with the smaller β2.
    this.lastCkpt = null;
    const checkpoint = this.saveGuarded();
    const what = v.gaveUp
      ? `association off for the rest of the run (source-only) after ${g.state.rollbacks - 1} rollback(s)`
      : `β2 × ${v.factor}`;
    this.log.emit({ type: 'adaptation', step: from, action: v.gaveUp ? 'source_only' : 'rollback', guardFactor: v.factor,
      to: v.to.step, checkpoint, reasons: v.reasons, signals: v.signals,
      message: `${v.drift ? 'slow decline' : 'collapse'} detected at update ${from} (${v.reasons.join('; ')}): rolled back to update ${v.to.step}, ${what}` });
  }

  /**
   * Writes a checkpoint whose own reference the guard state names as SELF_PENDING (a reference
   * is known only once written); the in-memory state gets the real one after the write.
   */
  private saveGuarded(): string {
    const ref = this.save();
    this.guard!.renameRef(SELF_PENDING, ref);
    return ref;
  }

  private streamStates(): { source: unknown; target: unknown } {
    return { source: this.io.source.state(), target: this.io.target?.state() ?? null };
  }

  /**
   * Writes a checkpoint of the current step (once per step). `at` replaces the BN statistics and
   * stream positions by those taken at the start of an update that failed (its SGD step never ran).
   */
  save(at?: { state: TensorGroup; streams: { source: unknown; target: unknown } }): string {
    if (this.lastCkpt !== null && this.savedStep === this.step) return this.lastCkpt;
    const m = this.model;
    this.lastCkpt = this.store.saveCheckpoint({
      step: this.step, modelName: m.name, config: this.cfg,
      groups: { params: snapshotTensors(m.params), state: at?.state ?? snapshotTensors(m.state), momentum: snapshotTensors(this.sgd.state()) },
      streams: at?.streams ?? this.streamStates(),
      extra: { seed: this.cfg.train.seed, ...(this.guard === undefined ? {} : { guard: this.guard.snapshot(SELF_PENDING) }) },
    });
    this.savedStep = this.step;
    this.log.emit({ type: 'checkpoint', step: this.step, path: this.lastCkpt });
    return this.lastCkpt;
  }

  /**
   * PLCA_OUT_OF_MEMORY for the update that failed, naming the model, crop, batch and the peak
   * reached. Nothing of the update was applied; the updates done since the last checkpoint are
   * saved (as they were before the failed one) when the engine can still be read, so no work is lost.
   */
  private outOfMemory(e: unknown, start: { state: TensorGroup; streams: { source: unknown; target: unknown } }): PlcaError {
    const memory = { peakRssMB: peakRssMB(), heapMB: wasmHeapMB() };
    let after: string;
    try {
      const file = this.save(start);
      after = `nothing of this update was applied; the run is saved at update ${this.step} in ${file}`;
    } catch {
      after = this.lastCkpt === null ? 'nothing of this update was applied; no checkpoint was written yet'
        : `nothing of this update was applied; the last checkpoint is ${this.lastCkpt}`;
    }
    const { train: t, data: d } = this.cfg;
    const domains = this.method.needsTarget ? ' per domain' : '';
    const what = `update ${this.step + 1} of ${this.model.name} (crop ${d.crop[0]}×${d.crop[1]}, batch ${t.batchSize}${domains}`
      + `${t.gradAccum > 1 ? ` × ${t.gradAccum} accumulated` : ''}, train.recompute ${t.recompute}`
      + `${t.recompute === 'auto' ? ` = ${this.method.recomputeMode(t.batchSize * d.crop[0] * d.crop[1] * this.method.tapedForwards)}` : ''})`;
    this.log.emit({ type: 'oom', step: this.step, ...memory, lastCheckpoint: this.lastCkpt });
    return outOfMemoryError(e, what, memory, after);
  }

  interrupt(): PlcaError {
    const checkpoint = this.save();
    this.log.emit({ type: 'interrupted', step: this.step, checkpoint });
    return new PlcaError('PLCA_INTERRUPTED', `training interrupted after update ${this.step}; checkpoint written to ${checkpoint}`, {
      hint: 'run the same command with --resume to continue',
    });
  }

  finish(): TrainResult {
    const checkpoint = this.save();
    this.log.emit({ type: 'end', step: this.step, checkpoint, elapsedMs: Date.now() - this.t0 });
    return { model: this.model, step: this.step, checkpoint, losses: this.losses, collapseWarned: this.collapseWarned,
      lastValidation: this.lastValidation,
      guard: this.guard === undefined ? undefined : { rollbacks: this.guard.state.rollbacks, factor: this.guard.state.factor } };
  }

  /** Frees the momentum buffers (the model belongs to the caller or to the result). */
  dispose(): void {
    this.sgd.dispose();
  }
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

/** Restores model, optimiser and streams from a checkpoint; returns its step and extra record. */
function restoreRun(store: RunStore, file: string, model: Segmentor, sgd: Sgd, io: TrainIO): { step: number; extra: Record<string, unknown> | undefined } {
  const ck = store.loadCheckpoint(file);
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
  return { step: ck.step, extra: ck.extra };
}
