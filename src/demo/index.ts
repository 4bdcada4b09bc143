/** The embedded MiniCity demo and benchmark (issue 7): `plca demo`, `plca bench minicity`. */
export { runDemo, writeDemoOutputs, DEMO_PRESETS } from './demo.js';
export type { DemoOptions, DemoOutput, DemoProgress, DemoOutputsInput } from './demo.js';
export { runMinicityBench, formatBenchTable, plcaMargin } from './bench.js';
export type { BenchOptions, BenchResults, BenchRow } from './bench.js';
export { DEMO_ARMS, ABLATION_ARMS, WEIGHTINGS, armConfig } from './arms.js';
export type { ArmSpec, ArmSettings, WeightingName } from './arms.js';
export { runArm } from './run_arm.js';
export type { ArmResult, ArmRunOptions, CurvePoint } from './run_arm.js';
export { generateDemoData, DEMO_CLASS_NAMES } from './data.js';
export type { DemoData } from './data.js';
export { detectCollapse } from './collapse.js';
export type { CollapseReport } from './collapse.js';
export type { DemoResults, RunSummary } from './results.js';
