/**
 * src/pipeline: from a resolved config to running jobs, so the CLI's train, eval and predict
 * commands are one call each (docs/ARCHITECTURE.md "src/pipeline").
 */
export { runTraining } from './training.js';
export type { RunTrainingOptions, RunTrainingResult } from './training.js';
export { runEvaluation, configValidator } from './evaluation.js';
export type { RunEvaluationOptions, EvaluationReport } from './evaluation.js';
export { loadModelForInference, predictImage, engineOptions } from './inference.js';
export type { InferenceModel, PredictImageOptions, ImagePrediction } from './inference.js';
export { streamsFromConfig, ConfiguredStream } from './streams.js';
export type { StreamsOptions, TrainStreams } from './streams.js';
export { valSamplesFromConfig } from './val.js';
export type { ValOptions, ValSet } from './val.js';
export { headClasses, trainIdToHeadLut, labelsToHead, headToTrainIds } from './classes.js';
export type { HeadClasses } from './classes.js';
export { miniCitySet, miniCityStyleDigest, MINICITY_SPLITS } from './minicity_domain.js';
export { generateMiniCitySet, miniCityStream, miniCityValSamples, headLut } from './minicity_data.js';
export type { StyleReader } from './minicity_data.js';
export { setValidator } from './validation.js';
export { exportOptionsFor } from './export_options.js';
export type { MiniCitySplit } from './minicity_domain.js';
