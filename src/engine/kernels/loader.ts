// Finds and compiles plca's own wasm kernel module (csrc/kernels, built into wasm/ by
// `npm run build:wasm`) in the variant this runtime can run: relaxed-SIMD fused multiply-add where
// available (Node 22+; Node 20 after enabling V8's flag before compiling), else plain SIMD128.
// `PLCA_KERNELS=relaxed-simd|simd128|stock` forces a choice (stock = tfjs's own kernels only).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PlcaError } from '../../util/errors.js';

export type KernelVariant = 'relaxed-simd' | 'simd128';
export type KernelChoice = KernelVariant | 'stock';

/** A module with one function `() -> v128` whose body is `v128.const 0 ×3; f32x4.relaxed_madd`. */
function relaxedProbe(): Uint8Array<ArrayBuffer> {
  const zero = [0xfd, 0x0c, ...new Array<number>(16).fill(0)]; // v128.const 0
  const body = [0x00, ...zero, ...zero, ...zero, 0xfd, 0x85, 0x02, 0x0b]; // no locals; relaxed_madd (0x105); end
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
    0x03, 0x02, 0x01, 0x00, // function section: func 0 has type 0
    0x0a, body.length + 2, 0x01, body.length, ...body, // code section
  ]);
}

let relaxedSupport: boolean | undefined;

/**
 * True when this runtime compiles relaxed SIMD. On Node 20 V8 ships it behind
 * `--experimental-wasm-relaxed-simd`; wasm feature flags are read when a module is compiled, so
 * setting the flag at run time (before compiling) is enough.
 */
export async function relaxedSimdSupported(): Promise<boolean> {
  if (relaxedSupport !== undefined) return relaxedSupport;
  const probe = relaxedProbe();
  if (!WebAssembly.validate(probe)) {
    try {
      const v8 = await import('node:v8');
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      // not Node: the runtime decides
    }
  }
  relaxedSupport = WebAssembly.validate(probe);
  return relaxedSupport;
}

/** The variant to use: `PLCA_KERNELS` if set, else relaxed SIMD where supported. */
export async function chooseVariant(): Promise<KernelChoice> {
  const forced = process.env.PLCA_KERNELS;
  if (forced !== undefined && forced !== '' && forced !== 'auto') {
    if (forced !== 'relaxed-simd' && forced !== 'simd128' && forced !== 'stock') {
      throw new PlcaError('PLCA_INVALID_ARGUMENT', `PLCA_KERNELS must be relaxed-simd, simd128, stock or auto, got "${forced}"`,
        { hint: 'unset PLCA_KERNELS to pick the fastest the runtime supports' });
    }
    if (forced === 'relaxed-simd' && !(await relaxedSimdSupported())) {
      throw new PlcaError('PLCA_BACKEND_UNAVAILABLE', 'PLCA_KERNELS=relaxed-simd, but this runtime cannot compile relaxed SIMD',
        { hint: 'use Node 20+ (plca enables the V8 flag on Node 20), or PLCA_KERNELS=simd128' });
    }
    return forced;
  }
  return (await relaxedSimdSupported()) ? 'relaxed-simd' : 'simd128';
}

/** Directory of the built modules: <package>/wasm, two levels above src/engine/kernels or dist/engine/kernels. */
export function wasmDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'wasm');
}

export function moduleFile(variant: KernelVariant, shared: boolean): string {
  return join(wasmDir(), `plca_kernels_${variant === 'relaxed-simd' ? 'relaxed' : 'simd128'}${shared ? '_shared' : ''}.wasm`);
}

const compiled = new Map<string, WebAssembly.Module>();

/** The compiled module for a variant and memory kind (cached per process). */
export function compileKernels(variant: KernelVariant, shared: boolean): WebAssembly.Module {
  const file = moduleFile(variant, shared);
  let m = compiled.get(file);
  if (!m) {
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = new Uint8Array(readFileSync(file));
    } catch (e) {
      throw new PlcaError('PLCA_BACKEND_UNAVAILABLE', `plca's wasm kernels are missing: ${file} (${(e as Error).message})`,
        { hint: 'reinstall plca, or rebuild them with `npm run build:wasm` (needs clang-19 and lld-19); PLCA_KERNELS=stock runs without them' });
    }
    m = new WebAssembly.Module(bytes);
    compiled.set(file, m);
  }
  return m;
}

/** What the C side exports (csrc/kernels/gemm.c). */
export interface KernelExports {
  plca_run(job: number, tid: number): void;
  plca_job_fields(op: number): number;
  plca_ukernel_loop(a: number, b: number, c: number, kb: number, reps: number): void;
}

export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
}
