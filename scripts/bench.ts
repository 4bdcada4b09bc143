// `npm run bench [-- --json] [--backend wasm|cpu|tensorflow|auto] [--threads N] [--steps 30] [--skip-association] [--skip-peak]`
// Engine benchmark (src/bench/engine.ts, what `plca bench` runs): training step of the step net, conv
// GFLOP/s forward and backward, the association similarity product, peak RSS, and the losses'
// association benchmark (scripts/bench_association92.ts) run as a child process when present.
// With `--model NAME --crop S` it benchmarks that network's training step instead (scripts/bench_model.ts);
// `--compare` adds the PyTorch twin and the ratio (scripts/bench_model_compare.ts).
import { exitEngine } from '../src/engine/index.js';
import { runEngineBench } from '../src/bench/index.js';
import { arg } from './bench_common.js';

const JSON_OUT = process.argv.includes('--json');

async function main(): Promise<void> {
  const result = await runEngineBench({
    backend: (arg('backend') ?? 'auto') as 'auto', threads: arg('threads') ? Number(arg('threads')) : undefined,
    steps: Number(arg('steps') ?? 30), association: !process.argv.includes('--skip-association'), peak: !process.argv.includes('--skip-peak'),
    log: (s) => { if (!JSON_OUT) console.log(s); },
  });
  if (JSON_OUT) console.log(JSON.stringify(result));
}

const run = process.argv.includes('--compare') ? async () => (await import('./bench_model_compare.js')).runCompare()
  : arg('model') !== undefined ? async () => (await import('./bench_model.js')).runModelBench() : main;
run().then(() => exitEngine(0), (e: unknown) => { console.error(e); exitEngine(1); });
