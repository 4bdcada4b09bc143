/**
 * Child-process entry of `runBenchChild` (wasm_peak.ts): receives one BenchTask over IPC, runs it,
 * sends back `{ok, value}` or `{ok: false, error}`, and exits.
 */
import { exitEngine } from '../engine/index.js';
import { benchAssociation } from './association.js';
import { measureWasmKernel, measureWasmPeak, type BenchTask } from './wasm_peak.js';

async function run(t: BenchTask): Promise<unknown> {
  if (t.task === 'wasmKernel') return measureWasmKernel(t.kind);
  if (t.task === 'wasmPeak') return measureWasmPeak();
  return benchAssociation(t.options);
}

process.once('message', (t: BenchTask) => {
  run(t).then(
    (value) => process.send!({ ok: true, value }, () => exitEngine(0)),
    (e: unknown) => process.send!({ ok: false, error: e instanceof Error ? e.message : String(e) }, () => exitEngine(1)),
  );
});
