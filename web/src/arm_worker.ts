// One training arm of the Adapt page in a Web Worker (each arm has its own TF.js engine, so the two
// arms train side by side without blocking the page): the library's `runArmInStore` on the arm's
// config, kept in a MemoryRunStore so that Stop writes a checkpoint and Resume continues from it
// exactly as `plca train --resume` does.
import * as tf from '@tensorflow/tfjs';
import {
  DEMO_ARMS, MemoryRunStore, armCommand, buildGraphModel, exportOptionsFor, graphModelArtifacts, isPlcaError, runArmInStore,
  type ArmHistory, type ArmSpec, type ResolvedConfig, type Segmentor,
} from '../../src/browser.js';
import { armConfigInPage, webOverrides } from './arms.js';
import { startEngine } from './engine.js';
import { ADAPTED_MODEL_URL, type ArmJob, type FromWorker, type ModelFiles, type ToWorker } from './shared.js';

const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

interface Run { job: ArmJob; arm: ArmSpec; cfg: ResolvedConfig; overrides: string[]; store: MemoryRunStore; history: ArmHistory; controller?: AbortController }
let run: Run | undefined;
let model: ModelFiles | undefined;
let savedTo: string | undefined;

/** The trained model as a GraphModel: saved in this browser for the Segment page, and kept for download. */
async function exportTrained(r: Run, m: Segmentor): Promise<void> {
  const opts = exportOptionsFor(r.cfg, { arm: r.arm.key, seed: r.job.seed, k: r.job.k, steps: r.cfg.train.maxIters, trainedIn: 'plca web app' });
  const artifacts = graphModelArtifacts(buildGraphModel(m, { ...opts, generatedBy: 'plca web app' }));
  try {
    await tf.io.getSaveHandlers(ADAPTED_MODEL_URL)[0].save!(artifacts);
    savedTo = ADAPTED_MODEL_URL;
  } catch {
    savedTo = undefined; // a private window may refuse IndexedDB; the download still works
  }
  const json = {
    format: artifacts.format, generatedBy: artifacts.generatedBy, convertedBy: artifacts.convertedBy,
    modelTopology: artifacts.modelTopology, signature: artifacts.signature, userDefinedMetadata: artifacts.userDefinedMetadata,
    weightsManifest: [{ paths: ['plca-minicity-adapted.weights.bin'], weights: artifacts.weightSpecs }],
  };
  model = { modelJson: JSON.stringify(json), weights: artifacts.weightData as ArrayBuffer };
}

async function train(r: Run, resume: boolean): Promise<void> {
  r.controller = new AbortController();
  try {
    const result = await runArmInStore(r.arm, r.cfg, {
      store: r.store, overrides: r.overrides, resume, history: r.history, signal: r.controller.signal, sourceValImages: 100,
      onEvent: (event) => post({ type: 'event', event }),
      onModel: r.job.exportModel ? (m) => exportTrained(r, m) : undefined,
    });
    post({ type: 'done', result, model, savedTo }, model ? [model.weights] : []);
  } catch (e) {
    if (isPlcaError(e) && e.code === 'PLCA_INTERRUPTED') post({ type: 'stopped', step: r.history.curve.at(-1)?.step ?? 0 });
    else throw e;
  }
}

async function handle(m: ToWorker): Promise<void> {
  if (m.type === 'start') {
    const arm = DEMO_ARMS.find((a) => a.key === m.job.arm)!;
    const overrides = webOverrides(m.job.preset, m.job.seed, m.job.k, m.job.steps);
    const cfg = armConfigInPage(arm, overrides);
    run = { job: m.job, arm, cfg, overrides, store: new MemoryRunStore(arm.key), history: { curve: [], valCurve: [] } };
    const engine = await startEngine(m.job.backend);
    post({ type: 'engine', engine, command: armCommand(arm, overrides), steps: cfg.train.maxIters });
    await train(run, false);
  } else if (m.type === 'stop') {
    run?.controller?.abort();
  } else if (m.type === 'resume' && run) {
    await train(run, true);
  }
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  handle(ev.data).catch((e: unknown) => post({
    type: 'error', message: e instanceof Error ? `${e.message}${isPlcaError(e) && e.hint ? `\nhint: ${e.hint}` : ''}` : String(e),
  }));
};
