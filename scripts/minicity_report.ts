// Assembles the demo's results.json and report.html from two arms trained in separate
// processes by scripts/minicity_arm.ts (same library code as runDemo), e.g. for
// docs/demo-report.png: npx tsx scripts/minicity_report.ts --so runs/x/source_only_s0.json \
//   --plca runs/x/plca_s0.json --val 200 --out runs/x/report [--k 0.6]
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { generateSet, MINICITY_DEFAULTS } from '../src/minicity/index.js';
import { compactSet } from '../src/demo/data.js';
import { writeDemoOutputs, WEIGHTINGS, type ArmResult, type WeightingName } from '../src/demo/index.js';

const { values: a } = parseArgs({ options: {
  so: { type: 'string' }, plca: { type: 'string' }, val: { type: 'string', default: '200' }, train: { type: 'string', default: '1000' },
  k: { type: 'string', default: '0.6' }, out: { type: 'string' }, weighting: { type: 'string', default: 'scaled' }, rows: { type: 'string', default: '6' },
} });
const load = (p: string): ArmResult => {
  const r = JSON.parse(readFileSync(p, 'utf8'));
  return { ...r, predictions: Int32Array.from(r.predictions) };
};
const so = load(a.so!);
const pl = load(a.plca!);
const k = Number(a.k);
const targetVal = compactSet(generateSet({ count: Number(a.val), seed: MINICITY_DEFAULTS.seeds.targetVal, domain: 'target', k }));
const w = a.weighting as WeightingName;
const { reportPath, results } = writeDemoOutputs(a.out!, {
  sourceOnly: so, plca: pl, targetVal, mosaicRows: Number(a.rows),
  wallSeconds: so.trainSeconds + pl.trainSeconds, dataGenerationSeconds: 0,
  settings: {
    seed: pl.seed, k, steps: pl.steps, quick: false, trainImages: Number(a.train), valImages: Number(a.val), batchSize: 4, lr: 0.02,
    weighting: w, weights: { ...WEIGHTINGS[w] }, associationScale: 0.5, model: pl.model, backend: 'wasm', threads: 1, targetStyleOverride: false,
  },
});
console.log(`gain ${results.gain.toFixed(2)}; ${reportPath}`);
