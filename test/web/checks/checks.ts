// The engine fixtures and the reference parity fixtures on a browser backend (`?backend=webgpu`):
// the same cases as the cpu/wasm parity tests (engine_cases.ts, reference_cases.ts), each fixture
// fetched from /fixtures/ (the harness mounts fixtures/ there and lists the files in the URL).
// Every case runs under tf.profile, so the page also reports the kernels it used and whether the
// backend has each one. Results land in `window.plcaChecks` for the harness and in the page.
import * as tf from '@tensorflow/tfjs-core';
import {
  DEMO_ARMS, MemoryRunStore, initEngine, resolveConfig, runArmInStore, settingsOverrides, type BackendName,
} from '../../../src/browser.js';
import minicityPlca from '../../../configs/minicity_plca.js';
import { WASM_PATHS } from '../../../web/src/engine.js';
import type { Fixture } from '../../helpers/fixture_format.js';
import { engineCaseFor, engineTolerance } from '../../engine/engine_cases.js';
import { caseFor, runReferenceFixture, TOL } from '../../parity/reference_cases.js';

interface CaseResult { set: 'engine' | 'reference'; file: string; variant?: string; ok: boolean; errors: Record<string, number>; ms: number; error?: string }
interface TrainResult { losses: number[]; ms: number[]; reads: number[]; readMs: number[]; kernelMs?: Record<string, number>; kernels?: Record<string, boolean>; error?: string }
const state: { status: string; backend?: string; results: CaseResult[]; kernels: Record<string, boolean>; train?: TrainResult; error?: string } = { status: 'running', results: [], kernels: {} };
(window as unknown as { plcaChecks: typeof state }).plcaChecks = state;

const q = new URLSearchParams(location.search);
const list = (key: string) => (q.get(key) ?? '').split(',').filter((s) => s.length > 0);

async function fixture(set: string, file: string): Promise<Fixture> {
  const r = await fetch(`/fixtures/${set}/${file}`);
  if (!r.ok) throw new Error(`/fixtures/${set}/${file}: HTTP ${r.status}`);
  return (await r.json()) as Fixture;
}

/** Runs `fn` under tf.profile: its result, and the kernels it ran (noted in state.kernels). */
async function profiled<T>(fn: () => T): Promise<T> {
  let out: T | undefined;
  const info = await tf.profile(() => { out = fn(); return [] as tf.Tensor[]; });
  // kernelNames lists scopes too (tf.tidy names, custom gradients); keep the kernels TF.js knows.
  const known = new Set(['cpu', state.backend!].flatMap((b) => tf.getKernelsForBackend(b).map((k) => k.kernelName)));
  for (const k of info.kernelNames) if (known.has(k)) state.kernels[k] = tf.getKernel(k, state.backend!) !== undefined;
  return out!;
}

async function runCase(r: Omit<CaseResult, 'ok' | 'errors' | 'ms'>, fn: () => Record<string, number>, tol: (q: string) => number): Promise<void> {
  const t0 = performance.now();
  const before = tf.memory().numTensors;
  try {
    const errors = await profiled(fn);
    const leaked = tf.memory().numTensors - before;
    const ok = Object.entries(errors).every(([k, e]) => e <= tol(k)) && leaked === 0;
    state.results.push({ ...r, ok, errors, ms: performance.now() - t0, ...(leaked ? { error: `${leaked} tensors leaked` } : {}) });
  } catch (e) {
    state.results.push({ ...r, ok: false, errors: {}, ms: performance.now() - t0, error: e instanceof Error ? e.message : String(e) });
  }
  document.getElementById('out')!.textContent = state.results.map((x) => `${x.ok ? 'ok  ' : 'FAIL'} ${x.set} ${x.file}${x.variant ? ` (${x.variant})` : ''} ` +
    `${Object.entries(x.errors).map(([k, v]) => `${k}=${v.toExponential(1)}`).join(' ')} ${x.error ?? ''} ${x.ms.toFixed(0)} ms`).join('\n');
}

async function main(): Promise<void> {
  // The wasm binaries as the app serves them (Vite emits them with the page); without them wasm cannot start.
  const engine = await initEngine({ backend: (q.get('backend') ?? 'auto') as BackendName, wasmPaths: WASM_PATHS });
  state.backend = engine.backend;
  document.getElementById('status')!.textContent = `backend ${engine.backend}: running…`;
  for (const file of list('engine')) {
    const f = await fixture('engine', file);
    await runCase({ set: 'engine', file }, () => engineCaseFor(file)(f), (k) => engineTolerance(file, k, engine.backend));
  }
  for (const file of list('reference')) {
    const f = await fixture('reference', file);
    const variants: Array<'dense' | 'blocked'> = caseFor(file)[1] ? ['dense', 'blocked'] : ['dense'];
    for (const variant of variants) await runCase({ set: 'reference', file, variant }, () => runReferenceFixture(f, file, variant).checks, () => TOL);
  }
  const steps = Number(q.get('train') ?? 0);
  if (steps > 0) await train(steps);
  state.status = 'done';
  const failed = state.results.filter((r) => !r.ok).length;
  document.getElementById('status')!.textContent = `backend ${engine.backend}: ${state.results.length - failed} passed, ${failed} failed`;
}

/** `?train=N`: N updates of the PLCA arm on tiny MiniCity data, on this page's thread (the Adapt page trains in workers). */
async function train(steps: number): Promise<void> {
  const arm = DEMO_ARMS.find((a) => a.key === 'plca')!;
  const cfg = resolveConfig(minicityPlca, [...arm.set, ...settingsOverrides({ seed: 0, steps, trainImages: 8, valImages: 2, batchSize: 2, valInterval: null })]);
  const r: TrainResult = { losses: [], ms: [], reads: [], readMs: [] };
  state.train = r;
  // Synchronous reads (dataSync: the losses read indices and labels inside gradients) per update.
  const backend = tf.backend() as unknown as { readSync(id: unknown): unknown };
  const readSync = backend.readSync.bind(backend);
  let reads = 0;
  let readMs = 0;
  backend.readSync = (id: unknown) => {
    const t0 = performance.now();
    try { return readSync(id); } finally { reads += 1; readMs += performance.now() - t0; }
  };
  const run = () => runArmInStore(arm, cfg, {
      store: new MemoryRunStore(), sourceVal: false,
      onEvent: (e) => {
        if (e.type !== 'step') return;
        r.losses.push(e.loss);
        r.ms.push(e.ms);
        r.reads.push(reads);
        r.readMs.push(Math.round(readMs));
        reads = 0;
        readMs = 0;
        document.getElementById('status')!.textContent = `training: update ${e.step}, loss ${e.loss.toFixed(3)}, ${e.ms} ms`;
      },
    });
  try {
    // Under tf.profile: the kernels the updates ran (whether the backend has each one, as for the
    // fixtures) and, with `?profile=1`, their times summed by kernel (GPU timestamps where the backend has them).
    const info = await tf.profile(async () => { await run(); return [] as tf.Tensor[]; });
    const known = new Set(['cpu', state.backend!].flatMap((b) => tf.getKernelsForBackend(b).map((k) => k.kernelName)));
    r.kernels = Object.fromEntries([...new Set(info.kernelNames)].filter((k) => known.has(k)).sort().map((k) => [k, tf.getKernel(k, state.backend!) !== undefined]));
    if (q.get('profile') === '1') {
      const by: Record<string, number> = {};
      for (const k of info.kernels) by[k.name] = (by[k.name] ?? 0) + (Number(k.kernelTimeMs) || 0);
      r.kernelMs = Object.fromEntries(Object.entries(by).sort((x, y) => y[1] - x[1]).slice(0, 25).map(([k, v]) => [k, Math.round(v)]));
    }
  } catch (e) {
    r.error = e instanceof Error ? e.message : String(e);
  }
}

main().catch((e: unknown) => {
  state.status = 'error';
  state.error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
  document.getElementById('status')!.textContent = state.error;
});
