/**
 * Measures the PLCA stabilisers (docs/minicity.md, "Never worse than the start") on MiniCity shift
 * presets: each given arm trained and scored on target val at the last update, printed with its
 * source-val score, the label-free collapse check and what the collapse guard did. Target-val mIoU
 * is reported, never used to choose.
 *   npx tsx scripts/measure_stabilisers.ts --shift camera_dark --arms plca,aug [--quick] [--seed 0] [--jobs 2] [--set k=v]...
 * Arms: plca (configs/minicity_plca.ts), aug (minicity_source_only_aug.ts), so (minicity_source_only.ts),
 * and NAME=plca:k=v;k=v for PLCA variants.
 */
import { cpus, loadavg } from 'node:os';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { miniCitySettings, settingsOverrides, type ArmSpec } from '../src/demo/arms.js';
import { runArmInChild } from '../src/demo/arm_process.js';
import type { TrainEvent } from '../src/train/index.js';

const CONFIGS: Record<string, string> = {
  plca: 'configs/minicity_plca.ts', aug: 'configs/minicity_source_only_aug.ts', so: 'configs/minicity_source_only.ts',
};

function parse(argv: string[]) {
  const o = { shift: 'camera', arms: ['plca', 'aug'], quick: false, seed: 0, jobs: 2, set: [] as string[], out: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--shift') o.shift = argv[++i];
    else if (a === '--arms') o.arms = argv[++i].split(',');
    else if (a === '--quick') o.quick = true;
    else if (a === '--seed') o.seed = Number(argv[++i]);
    else if (a === '--jobs') o.jobs = Number(argv[++i]);
    else if (a === '--set') o.set.push(argv[++i]);
    else if (a === '--out') o.out = argv[++i];
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

function armSpec(s: string): ArmSpec {
  const [key, rest] = s.includes('=') ? [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)] : [s, s];
  const [base, sets] = rest.split(':');
  return { key, label: key, config: CONFIGS[base], set: sets ? sets.split(';') : [] };
}

const o = parse(process.argv.slice(2));
const threads = Math.max(1, Math.floor(cpus().length / o.jobs));
const overrides = settingsOverrides(miniCitySettings({ quick: o.quick, targetStyle: o.shift, threads, curveEvery: 0, set: o.set }, o.seed));
const out = o.out || mkdtempSync(join(tmpdir(), 'plca-stab-'));
const arms = o.arms.map(armSpec);
const t0 = Date.now();
const load0 = loadavg()[0];
const queue = [...arms];
const results: string[] = [];
async function worker(): Promise<void> {
  for (let arm = queue.shift(); arm !== undefined; arm = queue.shift()) {
    const events: TrainEvent[] = [];
    const ta = Date.now();
    const r = await runArmInChild({ arm, options: { set: overrides, outDir: join(out, `${arm.key}_${o.shift}_s${o.seed}`), sourceValImages: 100 } },
      (e) => { if (e.type === 'adaptation') events.push(e); });
    const line = {
      shift: o.shift, seed: o.seed, quick: o.quick, arm: arm.key, config: arm.config, set: arm.set,
      target: +r.target.mIoU.toFixed(1), source: r.source ? +r.source.mIoU.toFixed(1) : null,
      collapsed: r.collapse.collapsed, minCover: r.collapse.minCoverRatio, classes: r.collapse.classesPredicted,
      guard: events.filter((e) => e.type === 'adaptation' && (e.action === 'rollback' || e.action === 'source_only')).map((e) => e.type === 'adaptation' ? e.message : ''),
      seconds: Math.round((Date.now() - ta) / 1000),
    };
    results.push(JSON.stringify(line));
    console.log(JSON.stringify(line));
  }
}
await Promise.all(Array.from({ length: Math.min(o.jobs, arms.length) }, worker));
console.log(`# ${arms.length} arms in ${Math.round((Date.now() - t0) / 1000)} s; load average ${load0.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end; runs in ${out}`);
