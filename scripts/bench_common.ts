// Helpers shared by the benchmark scripts: flags, min/median, the wasm arithmetic ceiling.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../src/util/fixtures.js';

/** The value after `--name` on the command line. */
export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/** Min and median, rounded to 0.01. */
export function stats(ms: number[]): { min: number; median: number } {
  const s = [...ms].sort((a, b) => a - b);
  const r = (v: number) => Math.round(v * 100) / 100;
  return { min: r(s[0]), median: r(s[Math.floor(s.length / 2)]) };
}

export interface WasmPeak { scalar: number; simd128: number; relaxedMadd: number | null }

/** The wasm SIMD arithmetic ceiling per thread (scripts/bench_wasm_peak.ts), measured in a child process. */
export function wasmPeak(): WasmPeak | { note: string } {
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts', 'bench_wasm_peak.ts'), '--json'],
      { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    return (JSON.parse(out.trim().split('\n').at(-1)!) as { gflopsPerThread: WasmPeak }).gflopsPerThread;
  } catch (e) {
    return { note: `bench_wasm_peak failed: ${(e as Error).message.split('\n')[0]}` };
  }
}

/** Peak resident set of this process so far, MB (Linux: VmHWM; covers the wasm heap and the workers). */
export function peakRssMB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
