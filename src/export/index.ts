// Export of trained segmentors to stock TF.js GraphModels (model.json + weight shards).
export { exportModel, exportFromCheckpoint } from './export_model.js';
export type { ExportFromCheckpointOptions, ExportResult } from './export_model.js';
export { buildGraphModel, graphModelArtifacts, signatureEntry, EXPORT_FORMATS } from './graph_model.js';
export type { BuiltGraphModel, ExportOptions, ExportFormat, GraphModelJson } from './graph_model.js';
export { exportedModelHandler } from './node_io.js';
export { DEFAULT_SHARD_BYTES } from './write.js';
export { exportedModelInfo, segmentImage, modelInput, maskOverlay, resizeLabels, toRgbImage } from './segment.js';
export type { ExportedModelInfo, ExecutableModel, Segmentation } from './segment.js';
