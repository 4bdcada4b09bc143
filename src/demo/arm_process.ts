/**
 * Runs one demo arm in a child process. Why: a run gains little from a second wasm thread (the
 * engine's small kernels do not split well, and XNNPACK's pool spin-waits), while two
 * single-threaded runs side by side nearly halve the demo's wall time on 2 cores.
 * The child (arm_child.ts) regenerates the same seeded data, trains, evaluates, and writes the
 * whole ArmResult to a JSON file; training events stream back as JSON lines on its stdout.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TargetOverride } from '../minicity/index.js';
import type { TrainEvent } from '../train/index.js';
import { PlcaError } from '../util/errors.js';
import type { ArmSpec } from './arms.js';
import type { DemoDataSizes } from './data.js';
import type { ArmResult, ArmRunOptions } from './run_arm.js';

/** What the child needs: the data recipe and the arm's options (minus callbacks). */
export interface ArmChildSpec {
  arm: ArmSpec;
  sizes: DemoDataSizes;
  k: number;
  targetStyle?: TargetOverride;
  options: Omit<ArmRunOptions, 'onEvent' | 'signal'>;
  resultPath: string;
}

/** The stored form of an ArmResult (predictions as a plain array). */
export function serializeArmResult(r: ArmResult): string {
  return JSON.stringify({ ...r, predictions: r.predictions ? Array.from(r.predictions) : undefined });
}

export function parseArmResult(text: string): ArmResult {
  const r = JSON.parse(text) as Omit<ArmResult, 'predictions'> & { predictions?: number[] };
  return { ...r, predictions: r.predictions ? Int32Array.from(r.predictions) : undefined };
}

/** How to start the child entry: from src through tsx, or from dist as plain JS. */
function childCommand(): string[] {
  const self = import.meta.url;
  if (self.endsWith('.ts')) {
    // tsx's package entry is its ESM loader (the same file for require and import).
    const tsx = pathToFileURL(createRequire(self).resolve('tsx')).href;
    return ['--import', tsx, fileURLToPath(new URL('./arm_child.ts', self))];
  }
  return [fileURLToPath(new URL('./arm_child.js', self))];
}

/** Trains and evaluates `spec.arm` in a child process; resolves with its result. */
export function runArmInChild(spec: ArmChildSpec, onEvent?: (e: TrainEvent) => void, signal?: AbortSignal): Promise<ArmResult> {
  mkdirSync(spec.options.outDir, { recursive: true });
  const specPath = join(spec.options.outDir, 'arm_spec.json');
  writeFileSync(specPath, `${JSON.stringify(spec)}\n`);
  return new Promise<ArmResult>((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...childCommand(), specPath], { stdio: ['ignore', 'pipe', 'pipe'], signal });
    let err = '';
    let buf = '';
    child.stderr.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-4000); });
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('{')) {
          try { onEvent?.(JSON.parse(line) as TrainEvent); } catch { /* a partial or foreign line: not an event */ }
        }
      }
    });
    child.on('error', reject);
    child.on('close', (code, sig) => {
      if (code === 0) {
        try {
          resolvePromise(parseArmResult(readFileSync(spec.resultPath, 'utf8')));
        } catch (e) {
          reject(new PlcaError('PLCA_INTERNAL', `demo: the ${spec.arm.key} run finished but its result ${spec.resultPath} is unreadable: ${(e as Error).message}`));
        }
        return;
      }
      const tail = err.trim().split('\n').slice(-6).join('\n');
      reject(new PlcaError('PLCA_INTERNAL', `demo: the ${spec.arm.key} run (child process) ${sig ? `was killed by ${sig}` : `exited with ${code}`}${tail ? `:\n${tail}` : ''}`));
    });
  });
}
