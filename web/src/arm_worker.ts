// One training arm of the Adapt page in a Web Worker (each arm has its own TF.js engine, so the two
// arms train side by side without blocking the page): the library's own `runArm` on MiniCity data
// generated here, kept in a MemoryRunStore so that Stop writes a checkpoint and Resume continues
// from it exactly as `plca train --resume` does.
import * as tf from '@tensorflow/tfjs';
import {
  DEMO_ARMS, MemoryRunStore, WEB_PRESETS, buildGraphModel, demoExportOptions, generateDemoData, graphModelArtifacts, isPlcaError, runArm,
  type ArmHistory, type ArmRunOptions, type DemoData,
} from '../../src/browser.js';
import { startEngine } from './engine.js';
import { ADAPTED_MODEL_URL, type ArmJob, type FromWorker, type ModelFiles, type ToWorker } from './shared.js';

const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

let job: ArmJob | undefined;
let data: DemoData | undefined;
let controller: AbortController | undefined;
const store = new MemoryRunStore('adapt');
const history: ArmHistory = { curve: [], valCurve: [] };
let model: ModelFiles | undefined;
let savedTo: string | undefined;

async function exportTrained(m: Parameters<NonNullable<ArmRunOptions['onModel']>>[0]): Promise<void> {
  const artifacts = graphModelArtifacts(buildGraphModel(m, { ...demoExportOptions({ arm: job!.arm, seed: job!.seed, k: job!.k, steps: WEB_PRESETS[job!.preset].steps }), generatedBy: 'plca web app' }));
  try {
    await tf.io.getSaveHandlers(ADAPTED_MODEL_URL)[0].save!(artifacts);
    savedTo = ADAPTED_MODEL_URL;
  } catch {
    savedTo = undefined; // private windows may refuse IndexedDB; the download still works
  }
  const json = { format: artifacts.format, generatedBy: artifacts.generatedBy, convertedBy: artifacts.convertedBy,
    modelTopology: artifacts.modelTopology, signature: artifacts.signature, userDefinedMetadata: artifacts.userDefinedMetadata,
    weightsManifest: [{ paths: ['plca-minicity-adapted.weights.bin'], weights: artifacts.weightSpecs }] };
  model = { modelJson: JSON.stringify(json), weights: artifacts.weightData as ArrayBuffer };
}

async function train(resume: boolean): Promise<void> {
  const j = job!;
  const preset = WEB_PRESETS[j.preset];
  const arm = DEMO_ARMS.find((a) => a.key === j.arm)!;
  controller = new AbortController();
  try {
    const result = await runArm(arm, data!, {
      steps: preset.steps, seed: j.seed, store, resume, history, signal: controller.signal,
      curveEvery: preset.curveEvery, curveImages: Math.min(60, preset.val), sourceValImages: Math.min(100, preset.val),
      onEvent: (event) => post({ type: 'event', event }),
      onModel: j.exportModel ? exportTrained : undefined,
    });
    post({ type: 'done', result, model, savedTo }, model ? [model.weights] : []);
  } catch (e) {
    if (isPlcaError(e) && e.code === 'PLCA_INTERRUPTED') post({ type: 'stopped', step: history.curve.at(-1)?.step ?? 0 });
    else throw e;
  }
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  const run = async () => {
    if (m.type === 'start') {
      job = m.job;
      post({ type: 'engine', engine: await startEngine(job.backend) });
      const p = WEB_PRESETS[job.preset];
      data = generateDemoData({ train: p.train, val: p.val }, job.k);
      post({ type: 'data', seconds: data.generationSeconds, images: 2 * (p.train + p.val) });
      await train(false);
    } else if (m.type === 'stop') {
      controller?.abort();
    } else if (m.type === 'resume') {
      await train(true);
    }
  };
  run().catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? `${e.message}${isPlcaError(e) && e.hint ? `\nhint: ${e.hint}` : ''}` : String(e) }));
};
