/**
 * Runs tasks `jobs` at a time, each after the task it depends on (a fine-tuning arm after its
 * parent). Why a pool instead of all at once: the demo's four arms on two cores run as two
 * processes, the long PLCA run beside the three shorter source-only ones in turn.
 */
import { PlcaError } from '../util/errors.js';

export interface PoolTask<T> {
  key: string;
  /** key of a task that must finish first */
  after?: string;
  run: () => Promise<T>;
}

/** Runs every task; resolves with the results by key, or rejects with the first failure (after the running ones end). */
export async function runPool<T>(tasks: readonly PoolTask<T>[], jobs: number): Promise<Map<string, T>> {
  const keys = new Set(tasks.map((t) => t.key));
  for (const t of tasks) {
    if (t.after !== undefined && !keys.has(t.after)) {
      throw new PlcaError('PLCA_INVALID_ARGUMENT', `the ${t.key} run starts from the ${t.after} run, which is not among the runs (${[...keys].join(', ')})`);
    }
  }
  const done = new Map<string, T>();
  const pending = [...tasks];
  const running = new Map<string, Promise<void>>();
  let failure: unknown;
  while ((pending.length > 0 && failure === undefined) || running.size > 0) {
    while (failure === undefined && running.size < Math.max(1, jobs)) {
      const i = pending.findIndex((t) => t.after === undefined || done.has(t.after));
      if (i < 0) break;
      const t = pending.splice(i, 1)[0];
      running.set(t.key, t.run().then((r) => { done.set(t.key, r); }, (e: unknown) => { failure ??= e; }).finally(() => { running.delete(t.key); }));
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  if (failure !== undefined) throw failure;
  if (pending.length > 0) throw new PlcaError('PLCA_INTERNAL', `runs that wait on each other: ${pending.map((t) => t.key).join(', ')}`);
  return done;
}
