/** Benchmarks as library code: the engine benchmark (`plca bench`) and its parts. Figures, not tests. */
export { runEngineBench, timeIt, stats } from './engine.js';
export type { EngineBenchOptions, EngineBenchResult, Timing } from './engine.js';
export { measureWasmPeak, measureWasmKernel, runBenchChild } from './wasm_peak.js';
export type { WasmPeak, WasmPeakKind, BenchTask } from './wasm_peak.js';
export { benchAssociation } from './association.js';
export type { AssociationBenchOptions, AssociationBenchResult } from './association.js';
