/**
 * Child-process entry of `runArmInChild` (arm_process.ts): `node arm_child.js SPEC.json`.
 * Generates the demo data from the same seeds, runs the arm, writes the result file, and
 * prints each training event as one JSON line on stdout.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { exitEngine, initEngine } from '../engine/index.js';
import type { ArmChildSpec } from './arm_process.js';
import { serializeArmResult } from './arm_process.js';
import { generateDemoData } from './data.js';
import { runArm } from './run_arm.js';

async function main(): Promise<void> {
  const specPath = process.argv[2];
  if (!specPath) throw new Error('usage: arm_child SPEC.json');
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as ArmChildSpec;
  await initEngine({ backend: spec.options.backend ?? 'auto', threads: spec.options.threads ?? undefined });
  const data = generateDemoData(spec.sizes, spec.k, spec.targetStyle);
  const result = await runArm(spec.arm, data, { ...spec.options, onEvent: (e) => process.stdout.write(`${JSON.stringify(e)}\n`) });
  writeFileSync(spec.resultPath, serializeArmResult(result));
}

main().then(() => exitEngine(0), (e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  exitEngine(1);
});
