// Where the engine runs: Node (tfjs-node, threaded wasm) or a browser (WebGPU, WebGL, wasm).
// init.ts is the same everywhere; each entry point registers its platform, so that the browser
// bundle never contains node: imports and Node never loads the GPU backends (src/index.ts →
// engine/index.ts registers Node's, src/browser.ts registers the browser's).
import { PlcaError } from '../util/errors.js';
import type { KernelChoice } from './kernels/loader.js';

export interface BackendDetails {
  /** threads the backend computes with */
  threads: number;
  simd: boolean;
  /** convolution kernels: plca's own wasm kernels (Node) or tfjs's stock ones */
  kernels: KernelChoice;
}

export interface EnginePlatform {
  name: 'node' | 'browser';
  /** backends `auto` tries, best first */
  auto: readonly string[];
  /** backends this platform can set up (others are refused with a hint) */
  known: readonly string[];
  defaultThreads(): number;
  /**
   * Registers `backend` with TF.js if needed. Returns false when it cannot run here (e.g. no
   * WebGPU adapter, tfjs-node not installed): `auto` then tries the next one.
   */
  prepare(backend: string, o: { threads: number; wasmPaths?: string | Record<string, string> }): Promise<boolean>;
  /** Called once `backend` is active. */
  describe(backend: string): Promise<BackendDetails>;
  /** Why `backend` cannot be used, for the error's hint. */
  unavailableHint(backend: string): string;
}

let platform: EnginePlatform | undefined;

export function setEnginePlatform(p: EnginePlatform): void {
  platform = p;
}

export function enginePlatform(): EnginePlatform {
  if (platform === undefined) {
    throw new PlcaError('PLCA_INTERNAL', 'no engine platform is registered', {
      hint: 'import plca through its entry points: "plca" in Node, "plca/browser" in a browser',
    });
  }
  return platform;
}
