// Out-of-memory failures, whatever raised them, as one recognisable error. Why: the engine can run
// out of memory in several places, each with its own symptom — plca's guard on the wasm heap
// (PLCA_OUT_OF_MEMORY, src/engine/heap_guard.ts), emscripten's abort when its heap cannot grow
// ("Cannot enlarge memory", "Aborted(OOM)"), a wasm trap on a bad pointer after an unchecked
// allocation ("memory access out of bounds"), V8 failing a JS allocation ("Array buffer
// allocation failed"). Left alone, the last three surface as PLCA_INTERNAL ("a bug") or, uncaught,
// make Node print the line of emscripten's glue they were thrown from: the whole minified file.
import { isPlcaError, PlcaError } from './errors.js';

const OOM_MESSAGES = [
  /cannot enlarge memory/i,
  /aborted\(oom\)/i,
  /\bout of memory\b/i,
  /memory access out of bounds/i,
  /array buffer allocation failed/i,
  /could not allocate memory/i,
  /webassembly\.memory\(\): could not/i,
  /\bOOM\b/,
];

/** Whether `e` is (or was caused by) the engine or V8 running out of memory. */
export function isOutOfMemory(e: unknown): boolean {
  for (let cur = e, depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    if (isPlcaError(cur)) {
      if (cur.code === 'PLCA_OUT_OF_MEMORY') return true;
    } else {
      const message = cur instanceof Error ? cur.message : String(cur);
      if (OOM_MESSAGES.some((r) => r.test(message))) return true;
    }
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return false;
}

/** The process's peak resident memory in MB (Node), or null (a browser). */
export function peakRssMB(): number | null {
  const p = (globalThis as { process?: { resourceUsage?: () => { maxRSS: number } } }).process;
  return p?.resourceUsage ? Math.round(p.resourceUsage().maxRSS / 1024) : null;
}

export const OOM_HINT = 'use a smaller crop (data.crop) or batch (train.batchSize; keep the images per update with train.gradAccum), '
  + 'set train.recompute=segments (keeps the least for the backward pass), or --backend tensorflow (native memory, no 4 GB wasm heap)';

/**
 * PLCA_OUT_OF_MEMORY for `what` (e.g. "update 3 of deeplabv2_resnet101, crop 730×730, batch 1 per
 * domain"), with the peak memory reached and `after` (what happened to the user's data).
 */
export function outOfMemoryError(e: unknown, what: string, memory: { heapMB?: number | null; peakRssMB?: number | null }, after: string): PlcaError {
  const peak = [
    memory.peakRssMB != null ? `peak RSS ${memory.peakRssMB} MB` : undefined,
    memory.heapMB != null ? `wasm heap ${memory.heapMB} MB of 4096 MB` : undefined,
  ].filter((s) => s !== undefined).join(', ');
  const cause = (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 200);
  return new PlcaError('PLCA_OUT_OF_MEMORY', `out of memory in ${what}${peak ? ` (${peak})` : ''}: ${cause}; ${after}`, {
    hint: OOM_HINT, cause: e,
  });
}
