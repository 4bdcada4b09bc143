// `npm run bench -- --model deeplabv2_resnet101 --crop S --compare [--batch N] [--objective source|plca]
//   [--threads T] [--kernels relaxed-simd|simd128] [--steps 3] [--warmup 1] [--json]`
// The same training step in PyTorch (scripts/bench_model_torch.py, Debian's /usr/bin/python3 with
// torch) and in plca (scripts/bench_model.ts), one after the other in one run, each in its own
// process with the same thread count, and the ratio of their step times beside plca's GFLOP/s
// against the wasm ceiling of the kernels in use (`--kernels simd128`: the fallback for runtimes
// without relaxed SIMD). `--python PATH` picks another interpreter.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, flag } from './bench_common.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

interface InUse { kernels: string; ceiling: string; gflops: number; fraction: number }
interface StepResult {
  stepMs: { min: number; median: number }; stepCpuMs?: { min: number; median: number }; peakRssMB: number; gflop: number; gflopPerS: number; kernels?: string;
  ceiling?: { inUse?: InUse } & Record<string, unknown>;
}

const PASSED = ['crop', 'batch', 'objective', 'steps', 'warmup'];
/** Options for plca's side only. */
const PLCA_ONLY = ['backend', 'kernels'];

function passOn(): string[] {
  const out: string[] = [];
  for (const name of PASSED) if (arg(name) !== undefined) out.push(`--${name}`, arg(name)!);
  return out;
}

function lastJson(out: string): StepResult {
  return JSON.parse(out.trim().split('\n').at(-1)!) as StepResult;
}

export function runCompare(): void {
  const json = flag('json');
  const model = arg('model') ?? 'deeplabv2_resnet101';
  if (model.replace(/-/g, '_') !== 'deeplabv2_resnet101') throw new Error(`--compare has a PyTorch twin only for deeplabv2_resnet101, got ${model}`);
  const threads = arg('threads') ?? '2';
  const common = [...passOn(), '--threads', threads, '--json'];
  const opts = { cwd: REPO_ROOT, encoding: 'utf8' as const, stdio: ['ignore', 'pipe', 'inherit'] as ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 };
  if (!json) console.log(`PyTorch (${threads} threads) ...`);
  const torch = lastJson(execFileSync(arg('python') ?? '/usr/bin/python3', [join(REPO_ROOT, 'scripts', 'bench_model_torch.py'), ...common], opts));
  if (!json) console.log(`  ${JSON.stringify(torch)}\nplca (${threads} threads) ...`);
  const extra = flag('skip-peak') ? ['--skip-peak'] : [];
  const own = PLCA_ONLY.flatMap((name) => (arg(name) !== undefined ? [`--${name}`, arg(name)!] : []));
  const plca = lastJson(execFileSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts', 'bench.ts'), '--model', model, ...own, ...common, ...extra], opts));
  if (!json) console.log(`  ${JSON.stringify(plca)}`);
  const r2 = (v: number) => Math.round(v * 100) / 100;
  const ratio = { min: r2(plca.stepMs.min / torch.stepMs.min), median: r2(plca.stepMs.median / torch.stepMs.median) };
  const inUse = plca.ceiling?.inUse;
  // CPU time (all threads) per step: on a shared machine a steadier comparison than wall time
  const cpuRatio = plca.stepCpuMs && torch.stepCpuMs ? { min: r2(plca.stepCpuMs.min / torch.stepCpuMs.min), median: r2(plca.stepCpuMs.median / torch.stepCpuMs.median) } : null;
  const result = {
    ratio, cpuTimeRatio: cpuRatio, plcaGflopPerS: plca.gflopPerS, pytorchGflopPerS: torch.gflopPerS, kernels: plca.kernels,
    fractionOfCeiling: inUse?.fraction ?? null, plcaCeiling: plca.ceiling, plca, pytorch: torch,
  };
  if (json) console.log(JSON.stringify(result));
  else {
    const share = inUse ? ` = ${inUse.fraction} of the ${inUse.ceiling} ceiling (${inUse.gflops} GFLOP/s at ${threads} threads)` : ' (ceiling not measured)';
    const cpu = cpuRatio ? `; CPU time ${cpuRatio.min}× (min), ${cpuRatio.median}× (median)` : '';
    console.log(`plca / PyTorch step time: ${ratio.min}× (min), ${ratio.median}× (median)${cpu}; plca ${plca.gflopPerS} GFLOP/s${share}, kernels ${plca.kernels}; PyTorch ${torch.gflopPerS} GFLOP/s`);
  }
}
