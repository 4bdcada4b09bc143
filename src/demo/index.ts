/**
 * The embedded MiniCity demo and benchmark: `plca demo`, `plca bench minicity`. Each arm is a
 * config of configs/ plus overrides (arms.ts), trained and scored by src/pipeline.
 */
export { runDemo, writeDemoOutputs } from './demo.js';
export type { DemoOptions, DemoOutput, DemoProgress, DemoOutputsInput } from './demo.js';
export { runMinicityBench, runMinicityShifts, formatBenchTable, formatShiftTable, plcaMargin } from './bench.js';
export type { BenchOptions, BenchResults, BenchRow, ShiftBenchResults, ShiftRow } from './bench.js';
export {
  DEMO_ARMS, CONTROL_ARMS, COMPARISON_ARMS, ABLATION_ARMS, WEIGHTINGS, QUICK, armConfig, armCommand, settingsOverrides, miniCitySettings, packagePath,
} from './arms.js';
export type { ArmSpec, MiniCitySettings, MiniCityRunOptions, WeightingName } from './arms.js';
export { runArm, armMetrics } from './run_arm.js';
export { runArmInStore } from './memory_arm.js';
export type { ArmHistory, MemoryArmOptions } from './memory_arm.js';
export type { ArmResult, ArmRunOptions, ArmMetrics } from './run_arm.js';
export { detectCollapse } from './collapse.js';
export type { CollapseReport, CurvePoint } from './collapse.js';
export { DEMO_CLASS_NAMES } from './results.js';
export type { DemoResults, RunSummary } from './results.js';
