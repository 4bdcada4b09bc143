/**
 * plca in a browser (`import … from 'plca/browser'`, or `'plca'` through the package's `browser`
 * condition): the same library as src/index.ts minus what needs Node (files, worker threads, child
 * processes). The engine picks WebGPU, else WebGL, else wasm; training keeps its run in a
 * `MemoryRunStore` instead of a run directory; models export to in-memory GraphModel artifacts.
 * Every module here is imported from its own file, never through a Node barrel, so that the
 * bundle holds no `node:` import (test/web/browser_entry.test.ts bundles it to check).
 */
import { setEnginePlatform } from './engine/platform.js';
import { browserPlatform } from './engine/browser_platform.js';

setEnginePlatform(browserPlatform);

export * from './util/errors.js';

// engine
export { initEngine, engineInfo } from './engine/init.js';
export type { EngineInfo, EngineOptions, BackendName } from './engine/init.js';
export { conv2d, resizeBilinear, resizeNearestLabels, batchNorm, groupNorm, softmaxCrossEntropy, matmul } from './engine/ops.js';
export type { Conv2dOptions, BatchNormOptions, BatchNormResult } from './engine/ops.js';

// losses, models, method, config
export * from './losses/index.js';
export { createModel, modelInfo, isModelName, canonicalModelName, MODELS, MODEL_NAMES } from './models/registry.js';
export type { ModelName, CreateModelOptions, ModelInfo } from './models/registry.js';
export type { Segmentor, SegmentorOutput, ApplyOptions } from './models/segmentor.js';
export { PlcaMethod } from './method/plca_method.js';
export { ConfigSchema, METHOD_MODES } from './config/schema.js';
export type { UserConfig, ResolvedConfig, MethodMode } from './config/schema.js';
export { resolveConfig } from './config/resolve.js';
export { defineConfig, mergeConfigs } from './config/define_config.js';
export { MODE_SWITCHES, needsTarget, methodNeedsTarget, usesObjective } from './config/modes.js';

// MiniCity
export { Rng, deriveSeed } from './util/rng.js';
export { MINICITY_HEIGHT, MINICITY_WIDTH, TRAIN_ID, MINICITY_CLASSES, CITYSCAPES_COLOR } from './minicity/classes.js';
export type { MiniCityClass } from './minicity/classes.js';
export { generateScene, generateSet, setSample, MINICITY_DEFAULTS } from './minicity/generator.js';
export type { Scene, SceneOptions, MiniCitySet, SetOptions } from './minicity/generator.js';
export { DEFAULT_GAP_K, targetStyle, parseTargetOverride } from './minicity/target.js';
export { MiniCityBatchStream, createMiniCityStream } from './minicity/batch_stream.js';
export { colorizeLabels } from './minicity/mosaic.js';

// training and evaluation
export type { Batch, BatchStream } from './data/batch.js';
export { train } from './train/trainer.js';
export type { TrainIO, TrainOptions, TrainResult, Validator } from './train/trainer.js';
export type { TrainEvent, StepEvent } from './train/events.js';
export { MemoryRunStore } from './train/run_store.js';
export type { RunStore } from './train/run_store.js';
export { polyLr } from './train/lr_schedule.js';
export { Sgd } from './train/sgd.js';
export { snapshotTensors, checkGroup, assignGroup } from './train/model_state.js';
export * from './eval/index.js';

// data: label maps and the pure-JS image transforms
export { CLASS_NAMES, CITYSCAPES_PALETTE, IGNORE_ID } from './data/label_maps.js';
export { normalizeImage, resizeBilinear as resizeImageBilinear } from './data/transforms.js';
export type { NormalizeSpec } from './data/transforms.js';
export type { RgbImage } from './data/image_io.js';

// export to GraphModels, and segmenting with them
export { buildGraphModel, graphModelArtifacts } from './export/graph_model.js';
export type { BuiltGraphModel, ExportOptions } from './export/graph_model.js';
export { exportedModelInfo, segmentImage, modelInput, maskOverlay, resizeLabels, toRgbImage } from './export/segment.js';
export type { ExportedModelInfo, ExecutableModel, Segmentation } from './export/segment.js';

// MiniCity arms in the page: the configs' specs and overrides, trained into a RunStore
export {
  DEMO_ARMS, ABLATION_ARMS, WEIGHTINGS, QUICK, settingsOverrides, miniCitySettings, armCommand, findArms, weightingName,
} from './demo/arm_specs.js';
export type { ArmSpec, MiniCitySettings, WeightingName } from './demo/arm_specs.js';
export { runArmInStore } from './demo/memory_arm.js';
export type { ArmHistory, MemoryArmOptions } from './demo/memory_arm.js';
export { armMetrics } from './demo/arm_result.js';
export type { ArmResult, ArmMetrics } from './demo/arm_result.js';
export { detectCollapse } from './demo/collapse.js';
export type { CollapseReport, CurvePoint } from './demo/collapse.js';
export { DEMO_CLASS_NAMES } from './demo/results.js';
export { headClasses } from './pipeline/classes.js';
export type { HeadClasses } from './pipeline/classes.js';
export { generateMiniCitySet, miniCityStream, miniCityValSamples, MINICITY_SPLITS } from './pipeline/minicity_data.js';
export { setValidator } from './pipeline/validation.js';
export { exportOptionsFor } from './pipeline/export_options.js';

// report charts
export { escapeHtml, lineChart, smooth } from './demo/svg.js';
export type { Series, ChartOptions } from './demo/svg.js';
