// What the Adapt page and its training workers say to each other, and where the adapted model is kept.
import type { ArmResult, BackendName, EngineInfo, TrainEvent } from '../../src/browser.js';
import type { WebPresetName } from './arms.js';

/** The Adapt page saves the adapted (PLCA) model here; the Segment page offers it. */
export const ADAPTED_MODEL_URL = 'indexeddb://plca-minicity-adapted';

export interface ArmJob {
  /** key of DEMO_ARMS: 'source_only' | 'plca' */
  arm: string;
  preset: WebPresetName;
  seed: number;
  k: number;
  /** updates, over the preset's (`?steps=`) */
  steps?: number;
  backend: BackendName;
  /** export the trained model (saved to IndexedDB and sent back for download) */
  exportModel: boolean;
}

export type ToWorker = { type: 'start'; job: ArmJob } | { type: 'stop' } | { type: 'resume' };

/** Model artifacts as they cross to the page (weights as one transferable buffer). */
export interface ModelFiles { modelJson: string; weights: ArrayBuffer }

export type FromWorker =
  | { type: 'engine'; engine: EngineInfo; command: string; steps: number }
  | { type: 'data'; seconds: number }
  | { type: 'event'; event: TrainEvent }
  | { type: 'stopped'; step: number }
  | { type: 'done'; result: ArmResult; model?: ModelFiles; savedTo?: string }
  | { type: 'error'; message: string };
