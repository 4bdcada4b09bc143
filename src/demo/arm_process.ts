/**
 * Runs one arm in a child process. Why: a run gains little from a second wasm thread (the
 * engine's small kernels do not split well, and XNNPACK's pool spin-waits), while two
 * single-threaded runs side by side nearly halve the wall time on 2 cores. The child
 * (arm_child.ts) runs the same `runArm` from the same config and overrides, so the scores equal a
 * run in this process; training events and the result come back over the IPC channel.
 */
import { PlcaError, type ErrorCode } from '../util/errors.js';
import { forkModule } from '../util/child.js';
import type { TrainEvent } from '../train/index.js';
import type { ArmSpec } from './arms.js';
import type { ArmResult, ArmRunOptions } from './run_arm.js';

/** What the parent sends: the arm and its options (minus callbacks). */
export interface ArmChildRequest {
  arm: ArmSpec;
  options: Omit<ArmRunOptions, 'onEvent' | 'signal'>;
}

/** What the child sends back: every training event, then the result or the error. */
export type ArmChildMessage =
  | { type: 'event'; event: TrainEvent }
  | { type: 'result'; result: ArmResult }
  | { type: 'error'; error: { code: ErrorCode; message: string; hint?: string } };

/** Trains and scores `arm` in a child process; resolves with its result. */
export function runArmInChild(req: ArmChildRequest, onEvent?: (e: TrainEvent) => void, signal?: AbortSignal): Promise<ArmResult> {
  return new Promise<ArmResult>((resolvePromise, reject) => {
    const child = forkModule(import.meta.url, 'arm_child', [], { signal, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    let result: ArmResult | undefined;
    let failure: Error | undefined;
    child.stderr?.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-4000); });
    child.on('message', (m: ArmChildMessage) => {
      if (m.type === 'event') onEvent?.(m.event);
      else if (m.type === 'result') result = m.result;
      else failure = new PlcaError(m.error.code, m.error.message, { hint: m.error.hint });
    });
    child.on('error', (e) => reject(signal?.aborted ? e : new PlcaError('PLCA_INTERNAL', `demo: cannot run the ${req.arm.key} arm in a child process: ${e.message}`, { cause: e })));
    child.on('exit', (code, sig) => {
      if (failure) return reject(failure);
      if (code === 0 && result) return resolvePromise(result);
      const tail = err.trim().split('\n').slice(-6).join('\n');
      reject(new PlcaError('PLCA_INTERNAL', `demo: the ${req.arm.key} run (child process) ${sig ? `was killed by ${sig}` : `exited with ${code}${code === 0 ? ' without a result' : ''}`}${tail ? `:\n${tail}` : ''}`));
    });
    child.send(req);
  });
}
