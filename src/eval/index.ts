// Evaluation: confusion matrix, metrics, inference with optional test-time
// aggregation, dataset evaluation.
export { ConfusionMatrix, confusionMatrix } from './confusion_matrix.js';
export {
  computeMetrics, formatMetricsTable, metricsToJSON, defaultClassNames, PROTOCOL_CLASSES,
} from './metrics.js';
export type { Metrics } from './metrics.js';
export { predict, predictLogits } from './predict.js';
export type { PredictOptions } from './predict.js';
export { evaluate } from './evaluator.js';
export type { EvalSample, EvaluateOptions, EvalResult, SizedArray } from './evaluator.js';
