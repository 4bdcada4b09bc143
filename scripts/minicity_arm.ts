// Runs MiniCity arms (demo library) and prints one JSON line per arm: the experiment driver for
// issue 7 item 3. Usage:
//   npx tsx scripts/minicity_arm.ts --arms source_only,plca --seeds 0,1 --steps 600 --train 1000 --val 300 \
//     --weighting scaled --k 0.6 [--threads 2] [--out runs/exp] [--curve 100]
import { parseArgs } from 'node:util';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initEngine, exitEngine } from '../src/engine/index.js';
import { ABLATION_ARMS, DEMO_ARMS, type WeightingName } from '../src/demo/arms.js';
import { generateDemoData } from '../src/demo/data.js';
import { runArm } from '../src/demo/run_arm.js';

const { values: a } = parseArgs({ options: {
  arms: { type: 'string', default: 'source_only,plca' }, seeds: { type: 'string', default: '0' },
  steps: { type: 'string', default: '600' }, train: { type: 'string', default: '1000' }, val: { type: 'string', default: '300' },
  weighting: { type: 'string', default: 'scaled' }, k: { type: 'string', default: '0.6' }, threads: { type: 'string' },
  out: { type: 'string', default: 'runs/minicity_exp' }, curve: { type: 'string', default: '0' }, set: { type: 'string', multiple: true },
  batch: { type: 'string', default: '4' }, srcval: { type: 'string', default: '100' }, curveimages: { type: 'string', default: '40' }, lr: { type: 'string', default: '0.02' },
} });
const engine = await initEngine({ backend: 'wasm', threads: a.threads ? Number(a.threads) : undefined });
const data = generateDemoData({ train: Number(a.train), val: Number(a.val) }, Number(a.k));
console.error(`engine ${JSON.stringify(engine)}; data in ${data.generationSeconds.toFixed(1)} s`);
const all = [...DEMO_ARMS, ...ABLATION_ARMS];
mkdirSync(a.out!, { recursive: true });
for (const seed of a.seeds!.split(',').map(Number)) {
  for (const key of a.arms!.split(',')) {
    const arm = all.find((x) => x.key === key);
    if (!arm) throw new Error(`unknown arm ${key}`);
    const r = await runArm(arm, data, {
      steps: Number(a.steps), seed, weighting: a.weighting as WeightingName, outDir: join(a.out!, `${key}_s${seed}`),
      curveEvery: Number(a.curve), curveImages: Number(a.curveimages), sourceValImages: Number(a.srcval), batchSize: Number(a.batch), lr: Number(a.lr), overrides: a.set ?? [],
      keepPredictions: 8,
      onEvent: (e) => { if (e.type === 'step' && e.step % 25 === 0) console.error(`${key} s${seed} step ${e.step} loss ${e.loss.toFixed(3)} ${JSON.stringify(e.diagnostics)} ${e.ms} ms`); },
    });
    const line = {
      arm: key, seed, k: Number(a.k), weighting: a.weighting, steps: r.steps, train: Number(a.train), set: a.set ?? [],
      tgt: +r.target.mIoU.toFixed(2), src: r.source ? +r.source.mIoU.toFixed(2) : null,
      perClass: Object.fromEntries(Object.entries(r.target.perClass).map(([c, v]) => [c, v === null ? null : +v.toFixed(1)])),
      valCurve: r.valCurve.map((p) => [p.step, +p.mIoU.toFixed(1)]), collapse: r.collapse, trainS: +r.trainSeconds.toFixed(1),
      stepsPerS: +r.stepsPerSecond.toFixed(3),
    };
    console.log(JSON.stringify(line));
    // The full result (curves, predictions for the mosaic) for scripts/minicity_report.ts.
    writeFileSync(join(a.out!, `${key}_s${seed}.json`), JSON.stringify({ ...r, predictions: r.predictions ? [...r.predictions] : undefined }));
    appendFileSync(join(a.out!, 'results.jsonl'), `${JSON.stringify(line)}\n`);
  }
}
exitEngine(0);
