// Runs the demo through the library (the same call `plca demo` makes), for timing it:
//   npx tsx scripts/minicity_demo.ts [--quick] [--seed 0] [--steps N] [--out DIR]
import { parseArgs } from 'node:util';
import { exitEngine } from '../src/engine/index.js';
import { runDemo } from '../src/demo/index.js';

const { values: a } = parseArgs({ options: {
  quick: { type: 'boolean', default: false }, seed: { type: 'string', default: '0' }, steps: { type: 'string' }, out: { type: 'string' },
} });
const r = await runDemo({ quick: a.quick, seed: Number(a.seed), steps: a.steps ? Number(a.steps) : undefined, out: a.out });
console.log(JSON.stringify({ gain: r.results.gain, wallSeconds: r.results.wallSeconds, so: r.results.runs.source_only.mIoU, plca: r.results.runs.plca.mIoU }));
exitEngine(0);
