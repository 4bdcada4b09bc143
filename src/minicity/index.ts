/** MiniCity: the embedded benchmark's procedural street scenes (docs/design/minicity-prototype.md). */
export { Rng, mix32, deriveSeed, isRngState } from '../util/rng.js';
export type { RngState } from '../util/rng.js';
export {
  MINICITY_HEIGHT, MINICITY_WIDTH, TRAIN_ID, LABEL_ID, TRAIN_TO_LABEL_ID, MINICITY_CLASSES, MINICITY_TRAIN_IDS,
  CITYSCAPES_COLOR,
} from './classes.js';
export type { MiniCityClass } from './classes.js';
export {
  SCENE_SRC, SCENE_TGT, STYLE_SRC, STYLE_TGT_K1, DEFAULT_PALETTE,
  sceneParamsSchema, styleParamsSchema, styleOverrideSchema, targetOverrideSchema,
} from './params.js';
export type {
  SceneParams, StyleParams, Palette, TextureFactors, Range, Rgb, StyleOverride, SceneOverride, TargetOverride,
} from './params.js';
export {
  DEFAULT_GAP_K, lerpParams, targetStyle, targetScene, domainParams, applyOverride, parseTargetOverride,
} from './target.js';
export { readTargetOverrideFile } from './target_file.js';
export {
  SHIFT_PRESETS, SHIFT_NAMES, isShiftName, looksLikeShiftName, shiftPreset, resolveTargetStyle,
} from './shifts.js';
export type { ShiftName } from './shifts.js';
export { jpegArtefacts } from './jpeg.js';
export { sampleLayout } from './layout.js';
export type { SceneLayout, SceneObject, Part, PartRole, ObjectKind } from './layout.js';
export {
  generateScene, generateSet, setSample, generateBenchmark, MINICITY_DEFAULTS,
} from './generator.js';
export type { Scene, SceneOptions, MiniCitySet, SetOptions, BenchmarkOptions, MiniCityBenchmark } from './generator.js';
export { writeCityscapesLayout, cityscapesStem } from './cityscapes_writer.js';
export type { CityscapesLayoutOptions, WrittenPair } from './cityscapes_writer.js';
export { MiniCityBatchStream, createMiniCityStream, benchmarkStreams } from './batch_stream.js';
export type { MiniCityStreamOptions, MiniCityStreamState } from './batch_stream.js';
export { colorizeLabels, tileImages, classFrequencies } from './mosaic.js';
