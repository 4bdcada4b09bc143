// Helpers shared by the benchmark scripts: flags, min/median, the wasm arithmetic ceiling.
import { runBenchChild, type WasmPeak } from '../src/bench/index.js';

export { stats } from '../src/bench/index.js';
export type { WasmPeak } from '../src/bench/index.js';

/** The value after `--name` on the command line. */
export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/** The wasm SIMD arithmetic ceiling per thread (src/bench/wasm_peak.ts), measured in a child process. */
export async function wasmPeak(): Promise<WasmPeak | { note: string }> {
  try {
    return await runBenchChild<WasmPeak>({ task: 'wasmPeak' }, [], 120_000);
  } catch (e) {
    return { note: `wasm peak failed: ${(e as Error).message.split('\n')[0]}` };
  }
}

/** Peak resident set of this process so far, MB (Linux: VmHWM; covers the wasm heap and the workers). */
export function peakRssMB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
